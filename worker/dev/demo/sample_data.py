"""The data the demo sample is made from, packaged in worker/dev/demo/data/.

``vocabulary.toml`` holds the names it draws on (people, units, posts, schools, courses),
``anchors.toml`` its hand-written employees and ``malformed.toml`` the messages the worker must
dead-letter. The generator that uses them is the package worker/dev/demo/sample/; each file's
header says what its entries mean.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, NamedTuple


class StructuralPost(NamedTuple):
    """A structural post: name, echelon, how common it is."""

    name: str
    echelon: str
    weight: int


class FunctionalPost(NamedTuple):
    """A functional post (fungsional): name, how common it is."""

    name: str
    weight: int


class Course(NamedTuple):
    """A leadership course: tier code, name, hours (JP)."""

    tier: str
    name: str
    hours: int


@dataclass(frozen=True, slots=True)
class Schools:
    universities: tuple[str, ...]
    high_school: str
    polytechnic: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    given: Mapping[tuple[str, str], tuple[str, ...]]  # (culture, gender) -> given names
    family: Mapping[tuple[str, str], tuple[str, ...]]  # (culture, gender) -> family names
    culture: Mapping[str, str]  # agency -> culture of its staff's names
    units: Mapping[str, tuple[str, ...]]  # agency -> its units ("DISDIK", "KEC-BELOPA", ...)
    unit_names: Mapping[str, str]  # "DINKES" -> "Dinas Kesehatan"
    struktural: tuple[StructuralPost, ...]
    named_after_unit: frozenset[str]  # "Kepala Seksi": "Kepala Seksi pada Dinas Kesehatan"
    fungsional: tuple[FunctionalPost, ...]
    pelaksana: tuple[str, ...]
    schools: Mapping[str, Schools]  # culture -> where staff studied
    technical: tuple[str, ...]
    seminars: tuple[str, ...]
    leadership: Mapping[str, tuple[Course, Course]]  # echelon -> (before 2019, since 2019)
    degree_titles: tuple[str, ...]
    master_titles: tuple[str, ...]


def load_vocabulary() -> Vocabulary:
    words = _read("vocabulary.toml")
    agencies, units, positions = words["agency"], words["units"], words["positions"]
    training, titles = words["training"], words["titles"]
    return Vocabulary(
        given=_by_culture_and_gender(words["given"]),
        family=_by_culture_and_gender(words["family"]),
        culture={code: agency["culture"] for code, agency in agencies.items()},
        units={
            code: tuple(agency.get("units", units["default"])) for code, agency in agencies.items()
        },
        unit_names=units["names"],
        struktural=tuple(StructuralPost(**post) for post in positions["struktural"]),
        named_after_unit=frozenset(positions["named_after_unit"]),
        fungsional=tuple(FunctionalPost(**post) for post in positions["fungsional"]),
        pelaksana=tuple(positions["pelaksana"]),
        schools={
            culture: Schools(tuple(s["universities"]), s["high_school"], s["polytechnic"])
            for culture, s in words["schools"].items()
        },
        technical=tuple(training["technical"]),
        seminars=tuple(training["seminar"]),
        leadership={
            echelon: (Course(**before), Course(**since))
            for echelon, (before, since) in training["leadership"].items()
        },
        degree_titles=tuple(titles["degree"]),
        master_titles=tuple(titles["master"]),
    )


def load_anchors() -> list[dict[str, Any]]:
    """The hand-written employees, as anchors.toml writes them."""
    anchors: list[dict[str, Any]] = _read("anchors.toml")["anchor"]
    return anchors


def load_malformed() -> list[dict[str, Any]]:
    """The recipes of the messages to dead-letter, as malformed.toml writes them."""
    messages: list[dict[str, Any]] = _read("malformed.toml")["message"]
    return messages


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(files("worker.dev.demo").joinpath(f"data/{name}").read_text("utf-8"))


def _by_culture_and_gender(
    table: Mapping[str, Mapping[str, list[str]]],
) -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        (culture, gender): tuple(names)
        for culture, by_gender in table.items()
        for gender, names in by_gender.items()
    }
