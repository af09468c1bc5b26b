"""Connection settings for one cluster, loaded with the official client's config loaders.

Why: kubeconfig parsing, in-cluster service-account files, exec/OIDC auth plugins and
token refresh are all solved by the ``kubernetes`` package; the engine only needs the
host, TLS material and a fresh Authorization header per request.

This is the engine's cluster-configuration settings module (as client-go's clientcmd):
with ``informers.settings`` it is the only engine module that reads the environment, for
``KUBECONFIG`` and the in-cluster ``KUBERNETES_SERVICE_HOST``/``_PORT``. It reads them from
the ``env`` mapping it is given (the process environment when none is), so a caller's
mapping is the whole truth; ``~`` is still the process's home directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kubernetes import config as kube_config
from kubernetes.client import Configuration
from kubernetes.config.incluster_config import (
    SERVICE_CERT_FILENAME,
    SERVICE_TOKEN_FILENAME,
    InClusterConfigLoader,
)


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


def load_cluster_config(
    kubeconfig: str | None = None,
    context: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> ClusterConfig:
    """Load from ``kubeconfig`` (or ``KUBECONFIG`` in ``env``, or ~/.kube/config), else the
    in-cluster account; ``env`` defaults to the process environment."""
    env = os.environ if env is None else env
    cfg = Configuration()
    path = kubeconfig or env.get("KUBECONFIG")
    home_config = os.path.expanduser("~/.kube/config")
    errors: list[str] = []
    if path or os.path.exists(home_config):
        # Always a file name: with None the client would use the KUBECONFIG it saw on import.
        config_file = path or home_config
        try:
            kube_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=config_file, context=context, client_configuration=cfg
            )
            _, active = kube_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                config_file=config_file
            )
            return _from_configuration(
                cfg, str(active.get("context", {}).get("cluster", "cluster"))
            )
        except Exception as exc:  # the loader raises many types for one cause: a bad file
            errors.append(f"kubeconfig {path or '~/.kube/config'}: {exc}")
    try:
        InClusterConfigLoader(  # type: ignore[no-untyped-call]
            token_filename=SERVICE_TOKEN_FILENAME, cert_filename=SERVICE_CERT_FILENAME, environ=env
        ).load_and_set(cfg)
        return _from_configuration(cfg, "in-cluster")
    except kube_config.ConfigException as exc:
        errors.append(f"in-cluster: {exc}")
    raise ConfigError("; ".join(errors))
