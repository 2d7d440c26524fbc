"""Log records on stderr, as text or JSON lines, with every NIP masked.

IPASN_LOG_LEVEL (or --log-level): DEBUG, INFO (default), WARNING, ERROR or CRITICAL. kafka-python
and alembic stay at WARNING whatever it is.

IPASN_LOG_FORMAT (or --log-format): `text` (default), one line per record:
    2026-11-26 05:40:01,123 INFO worker.pipeline.loop: batch of 500: ...
or `json`, one JSON object per line, with `time` (ISO 8601 UTC, milliseconds), `level`,
`logger`, `message`, each field the call passed with `extra=` as a top-level key, and
`exception` (the traceback as one string) where there is one:
    {"time": "2026-11-26T05:40:01.123Z", "level": "INFO", "logger": "worker.pipeline.loop",
     "message": "batch of 500: ...", "batch": {"messages": 500, "stored": 480}}

Every standalone run of exactly 18 digits (a NIP) is masked like mask_nip(), in the message,
the extras and the traceback, whichever logger wrote the record; longer or shorter digit runs
are left as they are.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import IO, Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonEncoder, JsonFormatter

from worker.domain.nip import mask_nip

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY = ("kafka", "alembic")
_HANDLER_NAME = "ipasn-worker"
# The JSON fields of every line; an extra of the same name would overwrite one, so it is left out.
_CORE_FIELDS = ("time", "level", "logger", "message", "exception", "stack")

# ASCII digits only: a NIP is ASCII (validate_nip), and a Unicode digit next to one must not
# make it look like part of a longer run and leave it unmasked.
_NIP_RUN = re.compile(r"(?<![0-9])[0-9]{18}(?![0-9])")
_NIP_LENGTH = 18
_NIP_INTS = range(10**17, 10**18)  # an int with exactly 18 digits prints as a NIP


def mask_nips(text: str) -> str:
    """`text` with each standalone 18-digit run masked; `text` itself when there is none."""
    if len(text) < _NIP_LENGTH:
        return text  # most extras and many messages: no regex at all
    return _NIP_RUN.sub(_mask_match, text)  # no match: returns `text` without copying


def _mask_match(match: re.Match[str]) -> str:
    return mask_nip(match.group())


def _scrub(value: Any) -> Any:
    """Strings masked, recursively through dicts, lists and tuples; other values unchanged."""
    if isinstance(value, str):
        return mask_nips(value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value in _NIP_INTS:
        return mask_nip(str(value))
    return value


class TextFormatter(logging.Formatter):
    """The familiar line; the whole of it masked, traceback and stack included."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return mask_nips(super().format(record))


class _MaskingEncoder(JsonEncoder):
    # Values json cannot encode (an exception, a dataclass, any object) become text or dicts
    # only here, after the record was scrubbed: scrub them too.
    def default(self, o: Any) -> Any:
        return _scrub(super().default(o))


class JsonLinesFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, the extras, exception."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            reserved_attrs=[*RESERVED_ATTRS, "taskName", *_CORE_FIELDS],
            json_encoder=_MaskingEncoder,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{seconds}.{int(record.msecs):03d}Z"

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        scrubbed: dict[str, Any] = _scrub(log_data)
        return scrubbed


class SlowTaskFilter(logging.Filter):
    """kafka-python's event loop reports its own steps that took over 0.1 s as warnings ("Task
    ... ran for 0.120s (>0.100s threshold)"): on a busy machine, dozens a minute, about the
    client's scheduling and nothing an operator can act on. Its other warnings pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        return not (text.startswith("Task ") and "threshold" in text)


class RepeatFilter(logging.Filter):
    """The same message passes once per `every_s` seconds. kafka-python's metadata says
    "Topic X not found in cluster metadata" at each refresh while a topic is missing, about ten
    times a second; the worker's own line names the topic once per retry."""

    def __init__(self, every_s: float = 30.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.every_s = every_s
        self.clock = clock
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        text, now = record.getMessage(), self.clock()
        last = self._last.get(text)
        if last is not None and now - last < self.every_s:
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[text] = now
        return True


def configure_logging(level: str, fmt: str, *, stream: IO[str] | None = None) -> None:
    """The root logger writes to stderr (or `stream`) in `fmt`, "text" or "json", at `level`.

    Calling it again replaces the handler it installed before instead of adding a second one.
    """
    formatters = {"json": JsonLinesFormatter, "text": TextFormatter}
    if fmt not in formatters:
        raise ValueError(f"a log format is json or text, not {fmt!r}")
    formatter = formatters[fmt]()
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    selector = logging.getLogger("kafka.net.selector")
    if not any(isinstance(f, SlowTaskFilter) for f in selector.filters):
        selector.addFilter(SlowTaskFilter())
    cluster = logging.getLogger("kafka.cluster")
    if not any(isinstance(f, RepeatFilter) for f in cluster.filters):
        cluster.addFilter(RepeatFilter())
