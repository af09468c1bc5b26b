"""Connection settings for one cluster, loaded with the official client's config loaders.

Why: kubeconfig parsing, in-cluster service-account files, exec/OIDC auth plugins and
token refresh are all solved by the ``kubernetes`` package; the engine only needs the
host, TLS material and a fresh Authorization header per request.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes import config as kube_config
from kubernetes.client import Configuration


class ConfigError(RuntimeError):
    """No usable cluster configuration: the message says which source failed and why."""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    host: str
    ca_file: str | None
    cert_file: str | None
    key_file: str | None
    verify: bool
    auth_header: Callable[[], str | None]
    name: str = "cluster"


def _from_configuration(cfg: Configuration, name: str) -> ClusterConfig:
    def auth_header() -> str | None:
        # get_api_key_with_prefix runs the refresh hook (exec plugins, expiring tokens).
        value = cfg.get_api_key_with_prefix("BearerToken", alias="authorization")
        return str(value) if value else None

    return ClusterConfig(
        host=cfg.host.rstrip("/"),
        ca_file=cfg.ssl_ca_cert,
        cert_file=cfg.cert_file,
        key_file=cfg.key_file,
        verify=bool(cfg.verify_ssl),
        auth_header=auth_header,
        name=name,
    )


def load_cluster_config(kubeconfig: str | None = None, context: str | None = None) -> ClusterConfig:
    """Load from ``kubeconfig`` (or $KUBECONFIG / ~/.kube/config), else the in-cluster account."""
    cfg = Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG")
    errors: list[str] = []
    if path or os.path.exists(os.path.expanduser("~/.kube/config")):
        try:
            kube_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=path, context=context, client_configuration=cfg
            )
            _, active = kube_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                config_file=path
            )
            return _from_configuration(
                cfg, str(active.get("context", {}).get("cluster", "cluster"))
            )
        except Exception as exc:  # the loader raises many types for one cause: a bad file
            errors.append(f"kubeconfig {path or '~/.kube/config'}: {exc}")
    try:
        kube_config.load_incluster_config(  # type: ignore[no-untyped-call]
            client_configuration=cfg
        )
        return _from_configuration(cfg, "in-cluster")
    except kube_config.ConfigException as exc:
        errors.append(f"in-cluster: {exc}")
    raise ConfigError("; ".join(errors))
