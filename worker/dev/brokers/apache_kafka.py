"""Apache Kafka in KRaft mode, assembled from Maven Central: one node or a small cluster.

The broker jars are resolved with Maven into ~/.m2 (the first start downloads about 45 MB);
each node runs as broker and controller in its own JVM, with its data in a temporary directory
and its log in a file. A single node replicates nothing; three nodes replicate every topic
three times with `min.insync.replicas` 2, as a production cluster would.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from worker.dev.brokers.base import (
    DevBrokerError,
    LocalBroker,
    free_port,
    port_taken,
    wait_for_port,
)
from worker.dev.brokers.secured import BrokerSecurity
from worker.kafka import clients
from worker.kafka.admin import registered_brokers

KAFKA_VERSION = "4.1.1"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ipasn-worker"
HEAP = "-Xmx768m"


def _distribution_file(name: str) -> Path:
    return Path(str(resources.files("worker.dev.brokers") / "kafka" / name))


def _require(tool: str, why: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise DevBrokerError(f"Apache Kafka needs {why}: no `{tool}` on PATH")
    return found


def java_missing() -> str | None:
    """Why Apache Kafka cannot run here, or None when Java and Maven are installed."""
    for tool, why in (("java", "Java 17 or newer"), ("mvn", "Maven to fetch its jars")):
        if not shutil.which(tool):
            return f"Apache Kafka needs {why}: no `{tool}` on PATH"
    return None


def classpath() -> str:
    """The broker's jars, resolved by Maven once and remembered while they stay in ~/.m2."""
    remembered = CACHE / f"apache-kafka-{KAFKA_VERSION}.classpath"
    if remembered.exists():
        jars = remembered.read_text().strip()
        if jars and all(Path(j).exists() for j in jars.split(os.pathsep)):
            return jars
    mvn = _require("mvn", "Maven to fetch its jars")
    remembered.parent.mkdir(parents=True, exist_ok=True)
    command = [
        mvn, "-q", "-B", "--no-transfer-progress", "-Dstyle.color=never",
        "-f", str(_distribution_file("pom.xml")),
        "dependency:build-classpath",
        "-Dmdep.includeScope=runtime",
        f"-Dmdep.outputFile={remembered}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not remembered.exists():
        last = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
        raise DevBrokerError(f"Maven could not fetch Apache Kafka {KAFKA_VERSION}: {last[0]}")
    return remembered.read_text().strip()


def new_cluster_id() -> str:
    """A random KRaft cluster id, as Kafka's own ``Uuid.randomUuid`` makes one.

    Like Kafka, never one that starts with ``-``: the storage tool would read it as an option
    (one id in 64 did, and failed a CI run).
    """
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


@dataclass
class _Node:
    node_id: int
    port: int
    controller_port: int
    data: Path
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # Where it listens, when that is not where clients are told to connect (`port`): a test
    # puts a TCP proxy of its own between the two.
    listen_port: int | None = None
    # With security on (worker/dev/brokers/secured.py): the mutual-TLS listener's port, and the
    # PLAINTEXT one the nodes use among themselves.
    tls_port: int = 0
    internal_port: int = 0

    def properties(self, voters: str, replicas: int, security: BrokerSecurity | None = None) -> str:
        min_isr = max(1, replicas - 1)
        settings = {
            "process.roles": "broker,controller",
            "node.id": self.node_id,
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{self.listen_port or self.port},"
            f"CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": self.data / "log",
            "default.replication.factor": replicas,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": 10,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "transaction.state.log.num.partitions": 10,
            "unclean.leader.election.enable": "false",
            # A development broker: a group forms as soon as its first member joins, instead
            # of waiting 3 s for more members as a production broker does.
            "group.initial.rebalance.delay.ms": 0,
        }
        if security is not None:
            settings |= security.properties(
                listen_port=self.listen_port or self.port,
                port=self.port,
                tls_port=self.tls_port,
                internal_port=self.internal_port,
                controller_port=self.controller_port,
            )
        return "".join(f"{k}={v}\n" for k, v in settings.items())


class ApacheKafka(LocalBroker):
    """`nodes` KRaft nodes on 127.0.0.1; the first serves `port` (0: a free one).

    With `security`, clients connect with SASL_SSL to `bootstrap` and with mutual TLS to
    `tls_bootstrap`, and `client_options` are kafka-python's options for the former."""

    name = f"Apache Kafka {KAFKA_VERSION} (KRaft)"

    def __init__(
        self,
        port: int = 9092,
        nodes: int = 1,
        log_dir: Path | None = None,
        *,
        listen_port: int | None = None,
        security: BrokerSecurity | None = None,
    ) -> None:
        """listen_port: the first node listens there but tells clients to use `port`."""
        if not 1 <= nodes <= 5:
            raise DevBrokerError("--nodes must be between 1 and 5")
        super().__init__(port)
        self.replication_factor = min(nodes, 3)
        # One folder per port, so that brokers running side by side keep their logs apart.
        self.log_dir = log_dir or CACHE / "apache-kafka-logs" / f"port-{self.port}"
        self._workdir: Path | None = None
        self._classpath = ""
        self.nodes: list[_Node] = []
        self._count = nodes
        self._listen_port = listen_port
        self.security = security
        if security is not None:
            self.client_options = security.client_options()

    @property
    def bootstrap(self) -> str:
        ports = [n.port for n in self.nodes] or [self.port]
        return ",".join(f"127.0.0.1:{p}" for p in ports)

    @property
    def tls_bootstrap(self) -> str:
        """The mutual-TLS listeners (with `security` only)."""
        return ",".join(f"127.0.0.1:{n.tls_port}" for n in self.nodes)

    def start(self, timeout_s: float = 120.0) -> ApacheKafka:
        first = self._listen_port or self.port
        if first and port_taken(first):
            # Else the new node fails to bind while the old one answers in its place.
            raise DevBrokerError(f"port {first} is in use: is a broker already running there?")
        _require("java", "Java 17 or newer")
        self._classpath = classpath()
        self._workdir = Path(tempfile.mkdtemp(prefix="ipasn-kafka-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        ports = [self.port] + [free_port() for _ in range(self._count - 1)]
        self.nodes = [
            _Node(i, port, free_port(), self._workdir / f"node-{i}", self.log_dir / f"node-{i}.log")
            for i, port in enumerate(ports, start=1)
        ]
        self.nodes[0].listen_port = self._listen_port
        if self.security is not None:
            for node in self.nodes:
                node.tls_port, node.internal_port = free_port(), free_port()
        scram = self.security.format_args() if self.security else []
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        cluster_id = new_cluster_id()
        try:
            for node in self.nodes:
                node.log.write_bytes(b"")
                node.data.mkdir(parents=True)
                config = node.data / "server.properties"
                config.write_text(node.properties(voters, self.replication_factor, self.security))
                self._java(node, "kafka.tools.StorageTool", "format", "--cluster-id", cluster_id,
                           "--config", str(config), *scram, wait=True)  # fmt: skip
            for node in self.nodes:
                self.start_node(node.node_id, wait=False)
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def start_node(self, node_id: int, *, wait: bool = True, timeout_s: float = 60.0) -> None:
        """Start (or restart) one node with the data it had."""
        node = self.nodes[node_id - 1]
        if node.process and node.process.poll() is None:
            return
        node.process = self._java(node, "kafka.Kafka", str(node.data / "server.properties"))
        deadline = time.monotonic() + timeout_s
        while wait and not wait_for_port(node.listen_port or node.port, 0.5):
            if time.monotonic() > deadline:
                raise DevBrokerError(f"node {node_id} did not listen in {timeout_s:.0f} s")
            time.sleep(0.2)

    def kill_node(self, node_id: int, sig: int = signal.SIGKILL) -> None:
        """Stop one node abruptly (SIGKILL) or cleanly (SIGTERM), keeping its data."""
        process = self.nodes[node_id - 1].process
        if process and process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=60)

    def _java(
        self, node: _Node, main: str, *args: str, wait: bool = False
    ) -> subprocess.Popen[bytes]:
        command = [
            "java", HEAP, "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={_distribution_file('log4j2.properties')}",
            f"-Dkafka.logs.dir={node.data / 'logs'}",
            "-cp", self._classpath, main, *args,
        ]  # fmt: skip
        with node.log.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments, our own paths
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        if wait and process.wait(timeout=120) != 0:
            raise DevBrokerError(f"{main} failed for node {node.node_id}; see {node.log}")
        return process

    def _wait_ready(self, timeout_s: float) -> None:
        """Until every node has registered as a broker: a topic can then have all its replicas."""
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            while not wait_for_port(node.listen_port or node.port, 0.5):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise DevBrokerError(f"Apache Kafka did not start in {timeout_s:.0f} s")
                time.sleep(0.1)
        while time.monotonic() < deadline:
            self._check_alive()
            if self._registered_brokers() == len(self.nodes):
                return
            time.sleep(0.2)
        raise DevBrokerError(f"Apache Kafka did not form a cluster in {timeout_s:.0f} s")

    def _registered_brokers(self) -> int:
        return registered_brokers(
            self.bootstrap, client_id=clients.DEV, security=self.client_options
        )

    def _check_alive(self) -> None:
        for node in self.nodes:
            if node.process and node.process.poll() is not None:
                tail = node.log.read_text(errors="replace").strip().splitlines()[-1:]
                raise DevBrokerError(
                    f"Apache Kafka node {node.node_id} exited at start "
                    f"({tail[0][:200] if tail else 'no output'}); log: {node.log}"
                )

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM every node, SIGKILL what is left after the timeout, delete the data.

        Nodes of a cluster stopped together cannot finish a controlled shutdown once the
        controller quorum is gone; their data is thrown away, so the kill loses nothing.
        """
        running = [n.process for n in self.nodes if n.process and n.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for node in self.nodes:
            node.process = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
