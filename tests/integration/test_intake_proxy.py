"""deploy/nginx/intake.conf as it is, on local ports: nginx ends TLS and passes requests on to
`ipasn-worker intake` over plain HTTP, with the intake's limits enforced in front of it."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from consumers.reader import read_topic
from tests.conftest import Topics, missing
from tests.integration.tls import make_certificates
from worker.dev.bench.intake import training_events
from worker.dev.brokers import LocalBroker, free_port
from worker.dev.brokers.base import wait_for_port
from worker.dev.intake import BATCH, batch_body, running_intake

pytestmark = pytest.mark.kafka
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "intake.conf"


def _local(config: str, listen: int, intake: int, chain: Path) -> str:
    """The example with its addresses and certificate paths made local; nothing else changed."""
    config, upstreams = re.subn(r"server 10\.0\.0\.\d+:8080", f"server 127.0.0.1:{intake}", config)
    config, listens = re.subn(r"listen 443 ", f"listen 127.0.0.1:{listen} ", config)
    config, certificates = re.subn(r"(ssl_certificate(?:_key)?)\s+\S+;", rf"\1 {chain};", config)
    assert (upstreams, listens, certificates) == (2, 1, 2), "the example changed shape"
    return config


@contextmanager
def _nginx(tmp_path: Path, intake: int, chain: Path) -> Iterator[int]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        missing("nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    (tmp_path / "intake.conf").write_text(_local(CONFIG.read_text(), port, intake, chain))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/intake.conf;\n}}\n"
    )
    command = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not wait_for_port(port, 0.2):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "nginx did not listen within 10 s"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_ends_tls_and_forwards_to_the_intake_with_its_limits(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    certificates = make_certificates(tmp_path)
    env = {"IPASN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "IPASN_INPUT_TOPICS": topics.input}
    trust = ssl.create_default_context(cafile=str(certificates.ca))
    with (
        running_intake(env, "--host", "127.0.0.1") as intake,
        _nginx(tmp_path, intake, certificates.broker) as port,
        httpx.Client(base_url=f"https://localhost:{port}", verify=trust, timeout=30) as client,
    ):
        body = batch_body(training_events(10, "proxied"))
        answer = client.post("/v1/events", content=body, headers={"content-type": BATCH})
        too_big = client.post(
            "/v1/events", content=b"[" + b" " * (2 << 20) + b"]", headers={"content-type": BATCH}
        )
        ready = client.get("/readyz")
        metrics = client.get("/metrics")
    assert (answer.status_code, answer.json()) == (202, {"accepted": 10})
    assert too_big.status_code == 413
    assert ready.status_code == 200
    assert metrics.status_code == 404  # for Prometheus on the private network only
    assert len(read_topic(broker.bootstrap, topics.input)) == 10
