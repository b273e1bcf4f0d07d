"""Helpers for the classroom's end-to-end tests: Debian's chromium and its flags, a free port,
and `gtmsim game serve` started and stopped on it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from gtmsim.classroom.game.game import Game

START_TIMEOUT_S = 60
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_game(folder: Path, teams: int | list[str] = 3, **kwargs) -> Game:
    """A small game: the duopoly market at 4,000 prospects, rounds of 4 weeks."""
    settings = dict(computer_rivals=1, rounds=3, round_weeks=4, seed=5, prospects=4_000)
    settings.update(kwargs)
    return Game.new(folder, "duopoly", teams=teams, **settings)


@contextmanager
def served(folder: Path, home: Path):
    """`gtmsim game serve FOLDER` on a free loopback port: yields (base URL, process)."""
    port = free_port()
    log = (home / f"server-{port}.log").open("w")
    env = {"HOME": str(home), "MPLCONFIGDIR": str(home / "mpl"), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-c", "from gtmsim.cli import main; main()", "game", "serve"]
    process = subprocess.Popen(
        [*command, str(folder), "--port", str(port)], stdout=log, stderr=log, env=env, cwd=home
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, process, home / f"server-{port}.log")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def wait_for(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the game server stopped on start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/api/state", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the game server did not answer in {START_TIMEOUT_S} s")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def rss_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak (MiB), from /proc."""
    text = Path(f"/proc/{pid}/status").read_text()
    now = int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024
    peak = int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024
    return now, peak
