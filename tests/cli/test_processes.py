"""Processes gtmsim starts never outlive it: pool workers, the fork server, the dashboard's
server. Each test starts the real command, kills or stops it, and checks within a few seconds
that no process it started is still alive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from gtmsim.classroom import server
from gtmsim.cli import main

GTMSIM = [sys.executable, "-m", "gtmsim.cli"]


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def described(pid: int) -> str:
    """A process as ``pid state parent: command line`` (for failure messages)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"{pid} (gone)"
    return f"{pid} {fields[0]} parent {fields[1]}: {command[:120]}"


def process_state(pid: int) -> str:
    """The state letter and kernel wait channel of ``pid``, for a failure message."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError as error:
        return f"unreadable ({error})"
    return f"state {state}, waiting in {wchan or '-'}"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_sigkill_of_compare_leaves_no_process_alive(tmp_path):
    command = [*GTMSIM, "compare", "separate", "integrated", "--seeds", "40", "--workers", "2"]
    parent = subprocess.Popen(
        [*command, "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: len(children_of(parent.pid)) >= 2, 30), "no workers started"
        time.sleep(1.0)  # the pool at work: fork server, workers, resource tracker
        workers = children_of(parent.pid)
        parent.kill()
        parent.wait(timeout=10)
        # the workers die with their parent (PR_SET_PDEATHSIG), not when their task ends
        assert wait_until(lambda: not any(alive(p) for p in workers), 5), [
            described(p) for p in workers if alive(p)
        ]
    finally:
        os.killpg(parent.pid, signal.SIGKILL) if alive(parent.pid) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_the_dashboard_stops_with_its_command(how):
    pytest.importorskip("solara")
    port = free_port()
    parent = subprocess.Popen(
        [*GTMSIM, "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: answers(port), 90), "the dashboard did not start"
        started = children_of(parent.pid)
        assert started
        parent.send_signal(how)
        try:
            # generous: once, under a loaded fresh-clone run, a killed parent was not reaped
            # within 20 s; say what it was doing if it happens again
            parent.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"the dashboard command did not stop after {how!r}: {process_state(parent.pid)}"
            )
        assert wait_until(lambda: not any(alive(p) for p in started), 10)
        assert not answers(port)
        if how != signal.SIGKILL:
            assert parent.returncode == 0  # a clean stop, not a traceback
    finally:
        if alive(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)


def test_a_network_host_warns_and_names_reachable_addresses(monkeypatch):
    monkeypatch.setattr(server, "check_installed", lambda: None)
    monkeypatch.setattr(server, "serve", lambda *args: 0)
    monkeypatch.setattr(server, "interface_addresses", lambda: ["127.0.0.1", "192.0.2.7"])
    result = CliRunner().invoke(main, ["dashboard", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Warning" in text and "no password" in text
    assert "http://192.0.2.7:8123/" in text
    quiet = CliRunner().invoke(main, ["dashboard", "--port", "8123"])
    assert "Warning" not in quiet.output


def test_only_loopback_hosts_count_as_private():
    assert not server.is_open_to_network("127.0.0.1")
    assert not server.is_open_to_network("localhost")
    assert not server.is_open_to_network("::1")
    assert server.is_open_to_network("0.0.0.0")
    assert server.is_open_to_network("192.0.2.1")
