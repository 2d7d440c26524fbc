"""The rules file: a TOML document validated here and turned into a domain RuleSet."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from worker.domain.model import KINDS, Band, PositionType
from worker.domain.rules import CompetencyPoints, RuleSet, YearWindow

DEFAULT_RULES = "bkn-8-2019"
Points = Annotated[Decimal, Field(ge=0, le=100)]
Window = tuple[int, int]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorPoints(_Strict):
    leadership: Points
    functional: Points
    technical: Points
    seminar: Points


class TechnicalRule(_Strict):
    min_hours: Annotated[Decimal, Field(ge=0)]
    window: Window


class SeminarRule(_Strict):
    window: Window


class CompetencyRules(_Strict):
    struktural: IndicatorPoints
    fungsional: IndicatorPoints
    pelaksana: IndicatorPoints
    leadership_tiers: dict[str, list[str]]
    technical: TechnicalRule
    seminar: SeminarRule


class ScorePredicate(_Strict):
    min: Decimal
    predicate: str


class PerformanceRules(_Strict):
    year_offset: int
    score_floor: str
    predicates: dict[str, Points]
    score_predicates: list[ScorePredicate]

    @model_validator(mode="after")
    def _predicates_known(self) -> PerformanceRules:
        named = {p.predicate for p in self.score_predicates} | {self.score_floor}
        unknown = named - self.predicates.keys()
        if unknown:
            raise ValueError(f"score_predicates name predicates without points: {sorted(unknown)}")
        return self


class DisciplineRules(_Strict):
    window: Window
    severity: list[str]
    points: dict[str, Points]

    @model_validator(mode="after")
    def _levels_known(self) -> DisciplineRules:
        missing = ({*self.severity, "none"}) - self.points.keys()
        if missing:
            raise ValueError(f"discipline points missing for {sorted(missing)}")
        return self


class BandRule(_Strict):
    above: Decimal
    band: Band


class LowestBand(_Strict):
    band: Band


class RulesFile(_Strict):
    version: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
    precedence: dict[str, list[str]]
    qualification: dict[str, Points]
    competency: CompetencyRules
    performance: PerformanceRules
    discipline: DisciplineRules
    bands: list[BandRule]
    lowest_band: LowestBand

    @model_validator(mode="after")
    def _every_kind_has_precedence(self) -> RulesFile:
        if set(self.precedence) != set(KINDS):
            raise ValueError(f"precedence must list exactly the kinds {list(KINDS)}")
        return self

    def to_ruleset(self) -> RuleSet:
        c, p, d = self.competency, self.performance, self.discipline
        position_types: tuple[PositionType, ...] = ("struktural", "fungsional", "pelaksana")
        return RuleSet(
            version=self.version,
            precedence={k: tuple(self.precedence[k]) for k in KINDS},
            qualification=dict(self.qualification),
            competency={t: CompetencyPoints(**getattr(c, t).model_dump()) for t in position_types},
            leadership_tiers={e: frozenset(t) for e, t in c.leadership_tiers.items()},
            technical_min_hours=c.technical.min_hours,
            technical_window=YearWindow(*c.technical.window),
            seminar_window=YearWindow(*c.seminar.window),
            performance_year_offset=p.year_offset,
            performance_predicates=dict(p.predicates),
            performance_score_predicates=tuple(
                (s.min, s.predicate) for s in sorted(p.score_predicates, key=lambda s: -s.min)
            ),
            performance_score_floor=p.score_floor,
            discipline_points=dict(d.points),
            discipline_severity=tuple(d.severity),
            discipline_window=YearWindow(*d.window),
            bands=tuple((b.above, b.band) for b in sorted(self.bands, key=lambda b: -b.above)),
            lowest_band=self.lowest_band.band,
        )


class RulesFileError(ValueError):
    """A rules file that cannot be read or does not validate; the message is one line."""


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load a rules file; None loads the packaged bkn-8-2019 rule set."""
    try:
        if path is None:
            text = files("worker").joinpath(f"rules/{DEFAULT_RULES}.toml").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return RulesFile.model_validate(tomllib.loads(text)).to_ruleset()
    except OSError as e:
        raise RulesFileError(f"cannot read rules file {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise RulesFileError(f"rules file {path} is not valid TOML: {e}") from e
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RulesFileError(
            f"rules file {path or DEFAULT_RULES}: {where}: {first['msg']}"
            f" ({e.error_count()} error(s))"
        ) from e
