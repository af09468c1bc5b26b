"""load_cluster_config reads KUBECONFIG and the in-cluster variables from the mapping it
is given.

Why: ``informers.config`` is the engine's cluster-connection settings module (as
client-go's clientcmd); a caller, or a test, that passes its own environment must get a
connection from that environment and not from the shell the process started in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from informers import ConfigError, load_cluster_config

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: {name}
  cluster: {{server: "https://{name}.example.invalid:6443", insecure-skip-tls-verify: true}}
users:
- name: someone
  user: {{token: not-a-real-token}}
contexts:
- name: only
  context: {{cluster: {name}, user: someone}}
current-context: only
"""


def kubeconfig(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(KUBECONFIG.format(name=name))
    return str(path)


@pytest.fixture
def no_home_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ~/.kube/config, so only the given mapping can name a cluster."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


def test_kubeconfig_comes_from_the_given_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_home_config: None
) -> None:
    monkeypatch.setenv("KUBECONFIG", kubeconfig(tmp_path, "from-shell"))
    config = load_cluster_config(env={"KUBECONFIG": kubeconfig(tmp_path, "given")})
    assert config.host == "https://given.example.invalid:6443"
    assert config.name == "given"


def test_an_explicit_path_wins_over_the_mapping(tmp_path: Path, no_home_config: None) -> None:
    config = load_cluster_config(
        kubeconfig(tmp_path, "explicit"), env={"KUBECONFIG": kubeconfig(tmp_path, "given")}
    )
    assert config.name == "explicit"


def test_in_cluster_variables_come_from_the_given_mapping(
    monkeypatch: pytest.MonkeyPatch, no_home_config: None
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    with pytest.raises(ConfigError, match="host/port is not set"):
        load_cluster_config(env={})


def test_in_cluster_reads_the_service_account_the_mapping_points_at(
    monkeypatch: pytest.MonkeyPatch, no_home_config: None
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(ConfigError, match="token file does not exist"):
        load_cluster_config(env=env)
