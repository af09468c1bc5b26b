#!/usr/bin/env python
"""Django's command-line utility for crscope."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    if sys.argv[1:2] == ["demo"] and not {"-h", "--help"} & set(sys.argv):
        _demo_preflight(sys.argv[2:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _demo_preflight(args: list[str]) -> None:
    """A busy port is reported before Django starts (seconds), not after the cluster."""
    try:
        from tests.controlplane.preflight import main as preflight
    except ImportError:  # no source checkout: the command itself says so
        return
    code = preflight(args)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
