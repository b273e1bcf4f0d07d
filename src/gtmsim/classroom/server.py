"""Serving the classroom dashboard with `solara run`, with no internet access needed.

Solara's page assets come from the ``solara-assets`` package (installed with the
``dashboard`` extra) and are served by the dashboard itself; the flags and environment
below stop the start-up calls solara would otherwise make to the package index and to
telemetry hosts. The server listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import functools
import importlib.util
import ipaddress
import os
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

from gtmsim.classroom.defaults import DEFAULT_HOST, DEFAULT_PORT
from gtmsim.experiments.processes import die_with_parent

#: ioctl request for an interface's IPv4 address (linux/sockios.h).
SIOCGIFADDR = 0x8915

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
    """Run the server until it stops, Ctrl-C or SIGTERM; returns its exit status. The server
    process stops with this one, however this one ends (even by SIGKILL, on Linux)."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM both stop it, even where SIGINT was inherited as ignored (a command
    # started in the background by a non-interactive shell): Python would then keep ignoring it
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with subprocess.Popen(
            server_command(host, port),
            env=server_env(scenario, prospects, compare),
            preexec_fn=functools.partial(die_with_parent, os.getpid()),
        ) as process:
            try:
                return process.wait()
            except KeyboardInterrupt:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def is_open_to_network(host: str) -> bool:
    """Whether listening on ``host`` lets other computers open the page."""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: localhost is local, anything else may not be
        return host != "localhost"


def reachable_urls(host: str, port: int) -> list[str]:
    """The addresses other computers can open: for 0.0.0.0 (or ::) this computer's own
    network addresses, else ``host`` itself."""
    if host not in ("0.0.0.0", "::"):
        return [url(host, port)]
    addresses = sorted(set(interface_addresses()) - {"127.0.0.1"})
    return [url(address, port) for address in addresses]


def interface_addresses() -> list[str]:
    """This computer's IPv4 addresses, one per network interface (asked of the kernel; no
    traffic is sent); and those its host name resolves to, where interfaces cannot be read."""
    found = []
    try:
        import fcntl

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            for _, name in socket.if_nameindex():
                request = struct.pack("256s", name.encode()[:15])
                try:
                    reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
                except OSError:  # the interface has no IPv4 address
                    continue
                found.append(socket.inet_ntoa(reply[20:24]))
    except (ImportError, OSError):
        pass
    if not found:
        try:
            found = [
                i[4][0] for i in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            ]
        except OSError:
            found = []
    return found
