"""The local Lambda runner runs real code in sandbox processes (pipes only, no sockets)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from carebird_ops.local.provision import LocalFunction
from carebird_ops.local.runner import LambdaRunner

HANDLER = """
import os, time
COUNT = 0

class TransientError(Exception):
    pass

def handler(event, context):
    global COUNT
    COUNT += 1
    action = event.get("action")
    print("handling", action)
    if action == "fail":
        raise TransientError("X answered 503")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "unserialisable":
        return {"x": object()}
    return {"count": COUNT, "pid": os.getpid(), "env": os.environ.get("GREETING"),
            "remaining_ms": context.get_remaining_time_in_millis(), "name": context.function_name}
"""


def function(
    tmp_path: Path, source: str = HANDLER, timeout: int = 3, concurrency: int | None = None
) -> LocalFunction:
    code = tmp_path / "fn"
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(source)
    return LocalFunction(
        logical_id="Fn", name="carebird-Fn", arn="arn:aws:lambda:us-east-1:123456789012:function:carebird-Fn",
        code_dir=code, handler="app.handler", runtime="python3.12", timeout=timeout, memory_mb=128,
        environment={"GREETING": "hello"}, layer_dirs=[], reserved_concurrency=concurrency,
    )  # fmt: skip


@pytest.fixture
def runner(tmp_path: Path) -> LambdaRunner:
    r = LambdaRunner(base_env={}, log_dir=tmp_path / "logs")
    yield r  # type: ignore[misc]
    r.shutdown()


def test_runs_handler_with_its_environment_and_keeps_the_sandbox_warm(
    runner: LambdaRunner, tmp_path: Path
) -> None:
    runner.register({"carebird-Fn": function(tmp_path)})
    first, errored, _ = runner.invoke("carebird-Fn", {})
    second, _, _ = runner.invoke("arn:aws:lambda:us-east-1:123456789012:function:carebird-Fn", {})
    assert not errored
    assert first["env"] == "hello" and first["name"] == "carebird-Fn"
    assert 0 < first["remaining_ms"] <= 3000
    assert (second["count"], second["pid"]) == (2, first["pid"])  # same warm sandbox, module state kept
    assert "handling" in (tmp_path / "logs" / "carebird-Fn.log").read_text()


def test_handler_exception_becomes_a_typed_function_error(runner: LambdaRunner, tmp_path: Path) -> None:
    runner.register({"carebird-Fn": function(tmp_path)})
    payload, errored, tail = runner.invoke("carebird-Fn", {"action": "fail"})
    assert errored
    assert payload["errorType"] == "TransientError"
    assert payload["errorMessage"] == "X answered 503"
    assert "handling fail" in tail
    logged = (tmp_path / "logs" / "carebird-Fn.log").read_text()
    assert "[ERROR] TransientError: X answered 503" in logged  # as Lambda's runtime logs it
    assert "Traceback (most recent call last)" in logged
    assert 'raise TransientError("X answered 503")' in logged
    bad, errored, _ = runner.invoke("carebird-Fn", {"action": "unserialisable"})
    assert errored and bad["errorType"] == "Runtime.MarshalError"


def test_timeout_kills_the_sandbox_and_the_next_call_gets_a_fresh_one(
    runner: LambdaRunner, tmp_path: Path
) -> None:
    runner.register({"carebird-Fn": function(tmp_path, timeout=1)})
    first, _, _ = runner.invoke("carebird-Fn", {})
    payload, errored, _ = runner.invoke("carebird-Fn", {"action": "sleep", "seconds": 5})
    assert errored and payload["errorType"] == "Sandbox.Timedout"
    after, errored, _ = runner.invoke("carebird-Fn", {})
    assert not errored and after["pid"] != first["pid"] and after["count"] == 1


def test_import_error_is_reported_on_invoke(runner: LambdaRunner, tmp_path: Path) -> None:
    runner.register({"carebird-Fn": function(tmp_path, source="import not_a_module\n")})
    payload, errored, _ = runner.invoke("carebird-Fn", {})
    assert errored and payload["errorType"] == "Runtime.ImportModuleError"


def test_concurrent_invocations_get_their_own_sandboxes_up_to_the_reserved_limit(
    runner: LambdaRunner, tmp_path: Path
) -> None:
    runner.register({"carebird-Fn": function(tmp_path, concurrency=2)})
    pids: list[int] = []

    def call() -> None:
        payload, _, _ = runner.invoke("carebird-Fn", {"action": "sleep", "seconds": 0.5})
        pids.append(payload["pid"])

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(pids) == 4
    assert len(set(pids)) == 2  # ReservedConcurrentExecutions caps the sandboxes


def test_unknown_function_is_a_key_error(runner: LambdaRunner) -> None:
    with pytest.raises(KeyError):
        runner.invoke("nope", {})
