"""Logs: text or JSON lines on stderr, and no NIP in them whoever logged it."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from worker.config.settings import SettingsError, as_environment, load_settings
from worker.observability.logs import RepeatFilter, configure_logging, mask_nips

NIP = "198703142010121001"
MASKED = "1987***********001"  # mask_nip(NIP)
FORMATS = ["text", "json"]

log = logging.getLogger("ipasn_worker.test_logs")


@contextmanager
def captured(fmt: str) -> Iterator[io.StringIO]:
    """configure_logging() writing to a buffer; the root logger as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    try:
        configure_logging("DEBUG", fmt, stream=out)
        yield out
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def raise_(error: Exception) -> None:
    raise error


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_a_json_line_has_time_level_logger_and_message() -> None:
    with captured("json") as out:
        log.warning("batch of %d: %s", 500, "slow")

    [line] = lines(out)
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "ipasn_worker.test_logs",
        "batch of 500: slow",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    written = datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert abs(datetime.now(UTC) - written) < timedelta(seconds=5)
    assert "exception" not in line


def test_each_record_is_one_line_even_with_newlines_in_the_message() -> None:
    with captured("json") as out:
        log.info("one\ntwo")
        log.info("three")

    assert [line["message"] for line in lines(out)] == ["one\ntwo", "three"]


def test_nested_and_flat_extras_are_top_level_fields() -> None:
    batch = {"messages": 500, "stored": 480, "dead_lettered": 2, "seconds": 0.84}
    with captured("json") as out:
        log.info("batch of %d", 500, extra={"batch": batch})
        log.info("batch of %d", 500, extra={"messages": 500, "stored": 480, "topics": ["a", "b"]})

    nested, flat = lines(out)
    assert nested["batch"] == batch
    assert (flat["messages"], flat["stored"], flat["topics"]) == (500, 480, ["a", "b"])


def test_an_extra_cannot_overwrite_a_core_field() -> None:
    with captured("json") as out:
        log.info("hello", extra={"level": "fake", "logger": "fake", "stored": 1})

    [line] = lines(out)
    assert (line["level"], line["logger"], line["stored"]) == (
        "INFO",
        "ipasn_worker.test_logs",
        1,
    )


def test_an_exception_is_one_string_field() -> None:
    with captured("json") as out:
        try:
            raise_(ValueError("broken"))
        except ValueError:
            log.exception("batch failed")

    [line] = lines(out)
    assert line["message"] == "batch failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: broken")


def test_the_text_format_keeps_its_shape() -> None:
    with captured("text") as out:
        log.info("stopped: %d messages", 39)

    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ipasn_worker.test_logs: stopped: 39 messages\n",
        out.getvalue(),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nip_in_the_message_an_argument_or_an_extra_is_masked(fmt: str) -> None:
    with captured(fmt) as out:
        log.info(f"no statement for {NIP}")
        log.info("no statement for %s (%d)", NIP, int(NIP))
        log.info(
            "dead-lettered",
            extra={"nip": NIP, "detail": {"nips": [f"subject={NIP}", NIP]}, "raw": int(NIP)},
        )

    text = out.getvalue()
    assert NIP not in text
    assert text.count(MASKED) == (3 if fmt == "text" else 7)  # text shows no extras


def test_a_masked_json_extra_keeps_its_structure() -> None:
    with captured("json") as out:
        log.info("dead-lettered", extra={"detail": {"nips": [NIP, f"{NIP},{NIP}"], NIP: 1}})

    [line] = lines(out)
    assert line["detail"] == {"nips": [MASKED, f"{MASKED},{MASKED}"], MASKED: 1}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nip_in_an_exception_and_its_traceback_is_masked(fmt: str) -> None:
    class Refused(Exception):
        pass

    with captured(fmt) as out:
        try:
            raise_(Refused(f"no row for {NIP}"))
        except Refused:
            logging.getLogger("sqlalchemy.engine").exception("statement %s failed", NIP)

    text = out.getvalue()
    assert NIP not in text
    assert f"Refused: no row for {MASKED}" in text
    assert f"statement {MASKED} failed" in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "digits",
    [NIP[:17], NIP + "9", "9" + NIP, "12345678901234567890123456789012345678901234567890"],
)
def test_digit_runs_other_than_18_long_are_left_alone(fmt: str, digits: str) -> None:
    with captured(fmt) as out:
        log.info("offset %s", digits, extra={"value": digits})

    assert f"offset {digits}" in out.getvalue()
    assert "*" not in out.getvalue()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"{NIP}", MASKED),
        (f"a{NIP}b", f"a{MASKED}b"),
        (f"{NIP} {NIP}", f"{MASKED} {MASKED}"),
        (f"{NIP}-{NIP}", f"{MASKED}-{MASKED}"),
        (f"x{NIP}1", f"x{NIP}1"),  # 19 digits: not a NIP
        (f"\u0661{NIP}", f"\u0661{MASKED}"),  # a non-ASCII digit next to it does not hide it
        ("short", "short"),
    ],
)
def test_mask_nips_masks_each_standalone_18_digit_run(text: str, masked: str) -> None:
    assert mask_nips(text) == masked


def test_text_without_a_nip_is_returned_as_it_is() -> None:
    text = "batch of 500: 480 stored, 3 duplicate, 2 dead-lettered, 475 published in 0.84 s"
    assert mask_nips(text) is text


nips = st.text(alphabet="0123456789", min_size=18, max_size=18)


def _not_digit(c: str) -> bool:
    return c not in "0123456789"


@given(
    nip=nips,
    before=st.text(max_size=40).filter(lambda s: not s or _not_digit(s[-1])),
    after=st.text(max_size=40).filter(lambda s: not s or _not_digit(s[0])),
    fmt=st.sampled_from(FORMATS),
)
def test_an_18_digit_run_anywhere_in_a_record_never_reaches_the_output(
    nip: str, before: str, after: str, fmt: str
) -> None:
    assume(nip not in before and nip not in after)
    text = before + nip + after
    with captured(fmt) as out:
        log.info(text)
        log.info("%s", text, extra={"note": text, "notes": {"n": [text]}})
        try:
            raise_(RuntimeError(text))
        except RuntimeError:
            log.exception("failed")

    if fmt == "text":
        assert nip not in out.getvalue()
    else:  # the decoded strings: JSON escapes of other characters are made of digits too
        assert all(nip not in s for line in lines(out) for s in strings(line))


def test_configuring_twice_leaves_one_handler() -> None:
    root = logging.getLogger()
    with captured("text") as first, captured("json") as second:
        ours = [h for h in root.handlers if getattr(h, "stream", None) in (first, second)]
        assert [h.stream for h in ours] == [second]  # type: ignore[attr-defined]
        log.info("once")

    assert first.getvalue() == ""
    assert [line["message"] for line in lines(second)] == ["once"]


def test_noisy_libraries_stay_at_warning_whatever_the_level() -> None:
    with captured("text"):
        assert logging.getLogger("kafka").level == logging.WARNING
        assert logging.getLogger("alembic").level == logging.WARNING
        assert logging.getLogger().level == logging.DEBUG


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json or text"):
        configure_logging("INFO", "yaml")


def test_the_log_format_setting_is_text_by_default_and_case_insensitive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IPASN_LOG_FORMAT", raising=False)
    assert load_settings().log_format == "text"
    assert load_settings(log_format=" JSON ").log_format == "json"


def test_a_bad_log_format_setting_is_one_line_naming_the_choices() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(log_format="yaml")

    message = str(raised.value)
    assert message.startswith("bad configuration: IPASN_LOG_FORMAT: ")
    assert "'json'" in message
    assert "'text'" in message
    assert "\n" not in message


def test_worker_processes_get_the_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    env = as_environment(load_settings(log_format="json", log_level="debug"))
    assert (env["IPASN_LOG_FORMAT"], env["IPASN_LOG_LEVEL"]) == ("json", "DEBUG")

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().log_format == "json"


def test_kafka_pythons_slow_step_warnings_are_left_out_and_its_other_warnings_kept() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", stream=stream)
    selector = logging.getLogger("kafka.net.selector")

    selector.warning(
        "Task <Task> ran for 0.120s (>0.100s threshold). It is blocking the event loop -- "
        "likely a tight sync loop inside a coroutine. Other pollers will time out."
    )
    selector.warning("Wakeup socket returned empty. Rebuilding.")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("kafka.net.selector: Wakeup socket returned empty. Rebuilding.")


def test_kafka_pythons_missing_topic_line_passes_once_per_thirty_seconds() -> None:
    now = [0.0]
    repeat = RepeatFilter(every_s=30.0, clock=lambda: now[0])
    cluster = logging.getLogger("kafka.cluster")

    def passes(text: str) -> bool:
        return repeat.filter(
            cluster.makeRecord("kafka.cluster", logging.ERROR, "", 0, text, (), None)
        )

    missing = "Topic asn.personnel.reconciled not found in cluster metadata"
    assert passes(missing)
    now[0] = 10.0
    assert not passes(missing)  # the same line, ten times a second while the topic is missing
    assert passes("Topic asn.ipasn.recalculated not found in cluster metadata")  # another one
    now[0] = 30.0
    assert passes(missing)


def test_configure_logging_filters_kafka_pythons_metadata_repeats_once() -> None:
    with captured("text") as out:
        configure_logging("DEBUG", "text", stream=out)  # again: still one filter
        cluster = logging.getLogger("kafka.cluster")
        for _ in range(50):
            cluster.error("Topic %s not found in cluster metadata", "gone")
    assert sum(isinstance(f, RepeatFilter) for f in cluster.filters) == 1
    assert out.getvalue().count("Topic gone not found") == 1
