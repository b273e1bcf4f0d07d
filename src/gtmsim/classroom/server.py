"""Serving the classroom dashboard with `solara run`, with no internet access needed.

Solara's page assets come from the ``solara-assets`` package (installed with the
``dashboard`` extra) and are served by the dashboard itself; the flags and environment
below stop the start-up calls solara would otherwise make to the package index and to
telemetry hosts. The server listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from gtmsim.classroom.defaults import DEFAULT_HOST, DEFAULT_PORT

#: Packages the dashboard needs beyond gtmsim's own (the ``dashboard`` extra).
NEEDS = ("solara", "mesa.visualization", "solara_assets")


class DashboardUnavailable(Exception):
    """The dashboard's extra packages are not installed; the message says how to fix it."""


def check_installed() -> None:
    """Raise DashboardUnavailable unless solara, Mesa's visualisation and the assets are there."""
    missing = [name for name in NEEDS if _find(name) is None]
    if missing:
        raise DashboardUnavailable(
            f"the dashboard needs {', '.join(missing)}, which are not installed. Install them "
            f'with `pip install -e ".[dashboard]"` (scripts/setup.sh does this) and try again.'
        )


def _find(name: str) -> object:
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The `solara run` command line for the dashboard app, in production mode, no browser
    opened and no version check."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "gtmsim.classroom.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def server_env(
    scenario: Path | str, prospects: int, compare: str, base: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of the server process: ``base`` (default: this process's) plus the
    dashboard's settings, with solara's telemetry switched off."""
    env = dict(os.environ if base is None else base)
    env.update(
        GTMSIM_DASHBOARD_SCENARIO=str(scenario),
        GTMSIM_DASHBOARD_PROSPECTS=str(prospects),
        GTMSIM_DASHBOARD_COMPARE=compare,
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
        SOLARA_THEME_SHOW_BANNER="false",  # no "runs on Solara" badge over the charts
    )
    return env


def url(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


def serve(scenario: Path, prospects: int, compare: str, host: str, port: int) -> int:
    """Run the server until it stops or Ctrl-C; returns its exit status."""
    with subprocess.Popen(
        server_command(host, port), env=server_env(scenario, prospects, compare)
    ) as process:
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=10)
            return 0
