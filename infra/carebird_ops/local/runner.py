"""The local Lambda runner: runs the project's own handlers from the source tree, one process per sandbox.

moto's Lambda stores functions but runs code only in Docker. `install_into_moto` replaces its invoke
with this runner, so every invocation (the Lambda API, a Step Functions Task, the scheduler, the API
gateway) runs the real handler with that function's environment from template.yaml. Like Lambda, a
sandbox stays warm between invocations and runs one invocation at a time; a function gets more sandboxes
under concurrent load, up to its reserved concurrency.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import carebird_ops
from carebird_ops.local.calls import RECORD_ENV
from carebird_ops.local.provision import LocalFunction

LogSink = Callable[[str, str], None]  # (function name, log line)

DEFAULT_MAX_SANDBOXES = 4


class Sandbox:
    def __init__(self, fn: LocalFunction, env: dict[str, str], log_sink: LogSink) -> None:
        self.fn = fn
        self._responses: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.tail: deque[str] = deque(maxlen=200)
        self._reported = threading.Condition()
        self._last_report = ""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "carebird_ops.local.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=fn.code_dir,
            text=True,
            bufsize=1,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read_responses, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_logs, args=(self.process.stderr, log_sink), daemon=True).start()

    def _read_responses(self, stream: IO[str]) -> None:
        for line in stream:
            self._responses.put(json.loads(line))
        self._responses.put(None)  # the process is gone

    def _read_logs(self, stream: IO[str], sink: LogSink) -> None:
        for line in stream:
            line = line.rstrip("\n")
            self.tail.append(line)
            sink(self.fn.name, line)
            if line.startswith("REPORT RequestId: "):
                with self._reported:
                    self._last_report = line.split()[2]
                    self._reported.notify_all()

    def _await_report(self, request_id: str) -> None:
        """The worker writes its REPORT line before its response, but the two travel on different pipes:
        wait (briefly) until the log reader has forwarded every line of this invocation, so the log and
        the tail are complete when the caller sees the result, as with Lambda's LogType=Tail."""
        with self._reported:
            self._reported.wait_for(lambda: self._last_report == request_id, timeout=2.0)

    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, request_id: str) -> tuple[dict[str, Any], bool]:
        """Returns (payload, errored). A timeout or crash kills the sandbox, as Lambda discards it."""
        deadline = time.time() + self.fn.timeout
        request = {"event": event, "request_id": request_id, "deadline_ms": int(deadline * 1000)}
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            response = self._responses.get(timeout=self.fn.timeout)
        except queue.Empty:
            self.kill()
            message = f"{request_id} Task timed out after {self.fn.timeout:.2f} seconds"
            return {"errorType": "Sandbox.Timedout", "errorMessage": message}, True
        except (BrokenPipeError, OSError) as exc:
            response = None
            self.kill()
            return {"errorType": "Runtime.ExitError", "errorMessage": f"sandbox died: {exc}"}, True
        if response is None:
            code = self.process.wait()
            return {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited with status {code}",
            }, True
        self._await_report(request_id)
        if response["ok"]:
            return response["result"], False
        return response["error"], True

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()


class FunctionPool:
    def __init__(self, fn: LocalFunction, env: dict[str, str], log_sink: LogSink, max_sandboxes: int) -> None:
        self.fn = fn
        self._env = env
        self._log_sink = log_sink
        self._max = max(1, min(max_sandboxes, fn.reserved_concurrency or max_sandboxes))
        self._idle: list[Sandbox] = []
        self._count = 0
        self._cond = threading.Condition()
        self.invocations = 0

    def _acquire(self) -> Sandbox:
        with self._cond:
            while True:
                while self._idle:
                    sandbox = self._idle.pop()
                    if sandbox.alive():
                        return sandbox
                    self._count -= 1
                if self._count < self._max:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return Sandbox(self.fn, self._env, self._log_sink)
        except Exception:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, sandbox: Sandbox) -> None:
        with self._cond:
            if sandbox.alive():
                self._idle.append(sandbox)
            else:
                self._count -= 1
            self._cond.notify()

    def invoke(self, event: Any) -> tuple[dict[str, Any], bool, str]:
        request_id = str(uuid.uuid4())
        sandbox = self._acquire()
        try:
            self.invocations += 1
            payload, errored = sandbox.invoke(event, request_id)
            return payload, errored, "\n".join(list(sandbox.tail)[-20:])
        finally:
            self._release(sandbox)

    def shutdown(self) -> None:
        with self._cond:
            for sandbox in self._idle:
                sandbox.kill()
            self._idle.clear()


class LambdaRunner:
    def __init__(
        self, base_env: dict[str, str], log_dir: Path, max_sandboxes: int = DEFAULT_MAX_SANDBOXES
    ) -> None:
        self._base_env = base_env
        self._log_dir = log_dir
        self._max_sandboxes = max_sandboxes
        self._pools: dict[str, FunctionPool] = {}
        self._by_arn: dict[str, str] = {}
        self._log_lock = threading.Lock()
        self._log_listeners: list[LogSink] = []
        self._async = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        log_dir.mkdir(parents=True, exist_ok=True)

    def add_log_listener(self, listener: LogSink) -> None:
        self._log_listeners.append(listener)

    def register(self, functions: dict[str, LocalFunction]) -> None:
        for fn in functions.values():
            self._pools[fn.name] = FunctionPool(fn, self._environment(fn), self._log, self._max_sandboxes)
            self._by_arn[fn.arn] = fn.name

    def _environment(self, fn: LocalFunction) -> dict[str, str]:
        # Lambda's code directory and layers, then the checkout's own carebird_ops (the worker and the
        # call recorder), so a sandbox runs the stack's copy rather than another one the venv installed.
        worker_root = Path(carebird_ops.__file__).resolve().parent.parent
        python_path = [str(fn.code_dir), *(str(d) for d in fn.layer_dirs), str(worker_root)]
        return {
            # what the Lambda runtime itself sets
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "_HANDLER": fn.handler,
            "LAMBDA_TASK_ROOT": str(fn.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
            "CAREBIRD_FUNCTION_ARN": fn.arn,
            "PYTHONPATH": os.pathsep.join(python_path),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            # `make bench-cost` asks the sandboxes to write down their AWS calls (carebird_ops.local.calls)
            **({RECORD_ENV: os.environ[RECORD_ENV]} if os.environ.get(RECORD_ENV) else {}),
            # where AWS is: the local stack (boto3, PynamoDB and Powertools all honour AWS_ENDPOINT_URL)
            **self._base_env,
            # the function's own configuration from template.yaml
            **fn.environment,
        }

    def _log(self, function_name: str, line: str) -> None:
        with self._log_lock, (self._log_dir / f"{function_name}.log").open("a") as f:
            f.write(line + "\n")
        for listener in self._log_listeners:
            listener(function_name, line)

    def function_name(self, name_or_arn: str) -> str:
        if name_or_arn in self._pools:
            return name_or_arn
        base_arn = ":".join(name_or_arn.split(":")[:7])
        if base_arn in self._by_arn:
            return self._by_arn[base_arn]
        raise KeyError(name_or_arn)

    def invoke(self, name_or_arn: str, event: Any) -> tuple[dict[str, Any], bool, str]:
        return self._pools[self.function_name(name_or_arn)].invoke(event)

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        pool = self._pools[self.function_name(name_or_arn)]
        self._async.submit(pool.invoke, event)

    def invocation_counts(self) -> dict[str, int]:
        return {name: pool.invocations for name, pool in self._pools.items()}

    def shutdown(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)
        for pool in self._pools.values():
            pool.shutdown()


def install_into_moto(runner: LambdaRunner) -> None:
    """Route moto's Lambda Invoke (API calls and Step Functions Tasks alike) to the local runner."""
    from moto.awslambda.models import LambdaBackend

    def invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        fn = self.get_function(function_name, qualifier)
        event = json.loads(body) if body else {}
        invocation_type = headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            runner.invoke_async(fn.function_name, event)
            return b""
        payload, errored, tail = runner.invoke(fn.function_name, event)
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-log-result"] = base64.b64encode(tail.encode()[-4096:]).decode()
        encoded = json.dumps(payload).encode()
        response_headers["Content-Length"] = str(len(encoded))
        return encoded

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
