#!/usr/bin/env bash
# Install the Debian packages the test suite drives for real: Chromium (browser tests),
# Redis and PostgreSQL (scale-out tests), nginx (the ingress-like proxy), stress-ng (the suite must pass under load).
# Skips what is already installed.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v stress-ng >/dev/null || need+=(stress-ng)
[ -x /usr/sbin/nginx ] || need+=(nginx)
# The image tests (make image-test): podman as root with runc, and mmdebstrap for the base.
for tool in podman buildah runc mmdebstrap; do command -v $tool >/dev/null || need+=($tool); done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
echo "[crscope] installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
