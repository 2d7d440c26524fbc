"""The hand-written employees of data/anchors.toml: the two worked examples of contracts.md §3
(73 Sedang, 62.5 Rendah for 2025) and one employee in each other band."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from worker.dev.demo.sample.records import (
    publish_appraisal,
    publish_education,
    publish_position,
    publish_profile,
    publish_punishment,
    publish_training,
)
from worker.dev.demo.sample.stream import Employee, Stream

# "N-3-01-04" in data/anchors.toml: 4 January of the measurement year N minus 3.
_MEASUREMENT_DATE = re.compile(r"N([+-]\d+)?-(\d\d)-(\d\d)")


def anchor(stream: Stream, spec: Mapping[str, Any]) -> None:
    """A hand-written employee of data/anchors.toml, their facts stated in its order."""
    emp = stream.add(anchor_employee(stream, spec))
    publish_profile(stream, emp, regional_variant=spec.get("regional_variant"))
    publish_position(stream, emp)
    for e in spec.get("education", ()):
        graduated = date_of(stream, e["graduated"])
        publish_education(stream, emp, e["level"], e["institution"], graduated, e["source"])
    for t in spec.get("training", ()):
        end = date_of(stream, t["end"])
        category, name, days, hours = t["category"], t["name"], t["days"], t["hours"]
        tier, source = t.get("tier"), t["source"]
        publish_training(stream, emp, category, name, end, days, hours, tier, source=source)
    appraisal = spec["appraisal"]
    publish_appraisal(stream, emp, appraisal.get("predicate"), appraisal.get("score"))
    for p in spec.get("punishment", ()):
        publish_punishment(stream, emp, p["level"], date_of(stream, p["start"]), p["source"])


def anchor_employee(stream: Stream, spec: Mapping[str, Any]) -> Employee:
    prefix, suffix = spec.get("title", ("", ""))
    position = spec["position"]
    return Employee(
        nip=spec["nip"],
        name=spec["name"],
        birth=spec["birth"],
        gender=spec["gender"],
        tmt_cpns=spec["tmt_cpns"],
        agency=spec["agency"],
        unit_code=spec["unit_code"],
        employee_type=spec["employee_type"],
        in_siasn=spec["in_siasn"],
        in_simpeg=spec["in_simpeg"],
        engagement=spec["engagement"],
        culture=spec["culture"],
        anchor=True,
        position={**position, "tmt": date_of(stream, position["tmt"]).isoformat()},
        title=(prefix, suffix),
    )


def date_of(stream: Stream, written: date | str) -> date:
    """A date of data/anchors.toml: a TOML date, or "N-3-01-04" (4 January of year N-3)."""
    if isinstance(written, date):
        return written
    found = _MEASUREMENT_DATE.fullmatch(written)
    if found is None:
        raise ValueError(f"not a date in anchors.toml: {written!r}")
    offset, month, day = found.groups()
    return stream.day(int(offset or 0), int(month), int(day))
