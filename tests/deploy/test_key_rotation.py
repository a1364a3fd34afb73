"""Token key rotation in Kubernetes is a kustomize component
(deploy/k8s/components/jwt-other-key), not a hand-written patch: every overlay with it
renders, validates strictly, mounts the other public key into every service and the
gateway and points CWP_JWT_OTHER_PUBLIC_KEY_PATHS at it, and changes nothing else."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import kubernetes_validate
import pytest

from cwp_common.events.access import CONSUMERS
from cwp_common.settings import PlatformSettings
from tests.deploy.conftest import DEPLOY
from tests.deploy.test_k8s import K8S, OVERLAYS, VERSIONS, Object, objects, render

COMPONENT = K8S / "components" / "jwt-other-key"
MOUNT = "/run/secrets/jwt-other"
KEY = "jwt-public-other.pem"
SETTING = "CWP_JWT_OTHER_PUBLIC_KEY_PATHS"


@pytest.fixture(scope="module")
def rotating(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Object]]:
    """Each overlay with the component added, as an operator's overlay would (kustomize
    takes only relative paths)."""
    out = {}
    for overlay in OVERLAYS:
        root = tmp_path_factory.mktemp(f"rotating-{overlay}")
        up = Path(os.path.relpath(K8S, root))
        (root / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            "kind: Kustomization\n"
            f"resources: [{up / 'overlays' / overlay}]\n"
            f"components: [{up / 'components' / 'jwt-other-key'}]\n",
            encoding="utf-8",
        )
        out[overlay] = render(str(root))
    return out


def without_rotation(obj: Object) -> Object:
    """The object as it would be without the component."""
    obj = copy.deepcopy(obj)
    if obj["kind"] == "ConfigMap":
        obj["data"].pop(SETTING, None)
    if obj["kind"] == "Deployment":
        pod = obj["spec"]["template"]["spec"]
        pod["volumes"] = [v for v in pod["volumes"] if v["name"] != "jwt-other"]
        for c in pod["containers"]:
            c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "jwt-other"]
    return obj


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_with_the_component_renders_and_validates_strictly(
    rotating: dict[str, list[Object]], overlay: str, version: str
) -> None:
    assert rotating[overlay]
    for obj in rotating[overlay]:
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_and_the_gateway_accept_the_other_key(
    rotating: dict[str, list[Object]], overlay: str
) -> None:
    deployments = {o["metadata"]["name"]: o for o in rotating[overlay] if o["kind"] == "Deployment"}
    assert set(deployments) == {f"cwp-{s}" for s in CONSUMERS}
    [platform] = [
        o
        for o in rotating[overlay]
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "cwp-platform"
    ]
    # The setting the services read names the file the pods get.
    settings = PlatformSettings.model_validate(
        {"jwt_other_public_key_paths": json.loads(platform["data"][SETTING])}
    )
    assert settings.jwt_other_public_key_paths == [Path(MOUNT) / KEY]
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        # Only the public key, never the private one; not optional: a Secret without the
        # key keeps the pod from starting instead of starting without the key.
        assert volumes["jwt-other"]["secret"] == {
            "secretName": "cwp-jwt",
            "defaultMode": 0o400,
            "items": [{"key": KEY, "path": KEY}],
        }, name
        [app] = pod["containers"]
        mounts = [m for m in app["volumeMounts"] if m["name"] == "jwt-other"]
        assert mounts == [{"name": "jwt-other", "mountPath": MOUNT, "readOnly": True}], name
        assert not any(m["mountPath"] == MOUNT for m in app["volumeMounts"] if m not in mounts)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_component_changes_nothing_else_and_is_off_by_default(
    rotating: dict[str, list[Object]], overlay: str
) -> None:
    plain = objects(overlay)
    assert [without_rotation(o) for o in rotating[overlay]] == plain
    assert rotating[overlay] != plain
    for obj in plain:
        assert "jwt-other" not in json.dumps(obj), obj["metadata"]["name"]


def test_the_key_rotation_steps_use_the_component() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Key rotation") :]
    section = section[: section.index("\n### ", 1)] if "\n### " in section[1:] else section
    assert "components/jwt-other-key" in section
    assert KEY in section
    assert "overlay patch" not in section  # the manual patch is gone
    assert COMPONENT.is_dir()
