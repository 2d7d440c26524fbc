"""README's "Sending events" examples, run as a sender would run them, then decoded by the
worker's own decoder with the secret the example names: they must stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumers.changes import decode
from consumers.reader import read_topic
from schemas.dead_letter import Rejection
from schemas.rules import load_rules
from tests.conftest import Topics
from worker.config.secrets import load_source_secrets
from worker.dev.brokers import LocalBroker

README = Path(__file__).resolve().parents[2] / "README.md"


def _kafka_example() -> str:
    section = README.read_text().split("### Kafka\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert found, "README's Kafka section has no Python example"
    return found.group(1)


@pytest.mark.kafka
def test_the_kafka_example_sends_a_signed_event_the_worker_accepts(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    code = _kafka_example()
    secret = re.search(r'SECRET = b"([^"]+)"', code)
    assert secret is not None
    code = code.replace('"kafka-1:9092"', repr(broker.bootstrap))
    code = code.replace('"asn.personnel.changes"', repr(topics.input))

    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example

    (sent,) = read_topic(broker.bootstrap, topics.input)
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'"simpeg:7317" = "{secret.group(1)}"\n')
    secrets = load_source_secrets(secrets_file, required=True)
    decoded = decode(sent.key, sent.value, load_rules(None), list(sent.headers.items()), secrets)
    assert not isinstance(decoded, Rejection), decoded
    assert (decoded.source, decoded.kind) == ("simpeg:7317", "training")
