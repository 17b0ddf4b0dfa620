"""Starting and stopping the emulator: in-process handles, busy ports, and the standalone module."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests

from carebird_ops.xemu.server import PortInUse, start


def test_start_picks_a_free_port_and_stops_cleanly() -> None:
    handle = start()
    try:
        assert handle.port > 0
        assert handle.url == f"http://127.0.0.1:{handle.port}"
        assert requests.get(handle.url + "/_emulator/health", timeout=5).json()["ok"] is True
        assert handle.state.users == {}
    finally:
        handle.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(handle.url + "/_emulator/health", timeout=2)


def test_a_taken_port_is_a_clear_oserror() -> None:
    with start() as first:
        with pytest.raises(PortInUse, match=f"port {first.port} .*already in use") as caught:
            start(port=first.port)
        assert isinstance(caught.value, OSError)


def test_two_emulators_do_not_share_state() -> None:
    with start() as a, start() as b:
        a.client().create_user("alice")
        assert [u["username"] for u in b.client().users()] == []


def test_python_dash_m_runs_it_standalone() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "carebird_ops.xemu", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.strip() == f"X API emulator listening on http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                assert requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=2).ok
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "emulator did not answer"
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=10)
