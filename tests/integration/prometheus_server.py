"""A real Prometheus server of the test's own, scraping given targets every second.

Debian's `prometheus` package (2.42) provides /usr/bin/prometheus; its system service is not
used: each server here has its own configuration, storage and port in a temporary directory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from worker.dev.brokers import free_port

READY_TIMEOUT_S = 30.0


def prometheus_binary() -> str | None:
    return shutil.which("prometheus") or (
        "/usr/bin/prometheus" if Path("/usr/bin/prometheus").is_file() else None
    )


class PrometheusError(Exception):
    pass


class PrometheusServer:
    """`prometheus` scraping `targets` (host:port) as job `job`; its log in `directory`."""

    def __init__(self, binary: str, directory: Path, job: str, targets: list[str]) -> None:
        self.binary = binary
        self.directory = directory
        self.job = job
        self.targets = targets
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            f"  - job_name: {json.dumps(self.job)}\n"
            "    static_configs:\n"
            f"      - targets: {json.dumps(self.targets)}\n"
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    # Nothing of the system installation: no UI assets or consoles needed.
                    f"--web.console.templates={self.directory}",
                    f"--web.console.libraries={self.directory}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=info",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise PrometheusError(f"prometheus exited {self.process.returncode}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/-/ready", timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise PrometheusError(f"prometheus not ready within {READY_TIMEOUT_S:.0f} s")

    def _get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"http://127.0.0.1:{self.port}{path}{query}"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.loads(response.read())
        if body.get("status") != "success":
            raise PrometheusError(f"{path}: {body}")
        return body["data"]

    def query(self, expr: str) -> float | None:
        """The value of an instant query giving at most one series; None when it gives none."""
        result = self._get("/api/v1/query", query=expr)["result"]
        if not result:
            return None
        if len(result) > 1:
            raise PrometheusError(f"{expr} gave {len(result)} series: {result}")
        return float(result[0]["value"][1])

    def targets_health(self) -> list[dict[str, Any]]:
        """Each active target's scrape URL, health and last error, for failure messages."""
        try:
            active = self._get("/api/v1/targets")["activeTargets"]
        except (OSError, PrometheusError) as e:
            return [{"error": repr(e)}]
        keys = ("scrapeUrl", "health", "lastError", "lastScrape")
        return [{k: t.get(k) for k in keys} for t in active]

    def log(self, last: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-last:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
