"""One warm Lambda sandbox: loads the function's handler from its code directory and serves invocations.

Started by carebird_ops.local.runner with the function's environment (from template.yaml), its code
directory and layers on PYTHONPATH, as Lambda puts them on sys.path. Invocations arrive as JSON lines on
stdin; results leave as JSON lines on the original stdout. Whatever the handler prints goes to stderr,
which the runner forwards to the function's log, as Lambda sends stdout to CloudWatch Logs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

from carebird_ops.local import calls


class LambdaContext:
    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("CAREBIRD_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    # Lambda's Python runtime logs an unhandled exception as "[ERROR] Type: message" and its traceback.
    print(f"[ERROR] {error_type or type(exc).__name__}: {exc}", file=sys.stderr)
    print("".join(traceback.format_exception(exc)).rstrip("\n"), file=sys.stderr, flush=True)
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc)[-20:],
    }


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # print() and logging from the handler land in the log stream, never in the protocol

    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    handler: Any = None
    import_error: dict[str, Any] | None = None
    recorder = calls.install_from_environment(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))
    init_started, init_cpu = time.monotonic(), time.process_time()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:
        import_error = _error(exc, "Runtime.ImportModuleError")
    init_ms: float | None = (time.monotonic() - init_started) * 1000
    init_cpu_ms: float | None = (time.process_time() - init_cpu) * 1000

    for line in sys.stdin:
        request = json.loads(line)
        request_id = request["request_id"]
        print(f"START RequestId: {request_id} Version: $LATEST", file=sys.stderr, flush=True)
        started, cpu_started = time.monotonic(), time.process_time()
        if import_error is not None:
            response: dict[str, Any] = {"ok": False, "error": import_error}
        else:
            try:
                result = handler(request["event"], LambdaContext(request_id, request["deadline_ms"]))
                response = {"ok": True, "result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as exc:
                if "JSON serializable" in str(exc):
                    response = {"ok": False, "error": _error(exc, "Runtime.MarshalError")}
                else:
                    response = {"ok": False, "error": _error(exc)}
            except Exception as exc:
                response = {"ok": False, "error": _error(exc)}
        duration = (time.monotonic() - started) * 1000
        cpu_ms = (time.process_time() - cpu_started) * 1000
        sys.stderr.flush()
        print(f"END RequestId: {request_id}", file=sys.stderr, flush=True)
        print(f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms", file=sys.stderr, flush=True)
        if recorder is not None:
            # what the recorder's own reads took is not the function's (neither time nor CPU)
            net, net_cpu = duration - recorder.overhead_s * 1000, cpu_ms - recorder.overhead_cpu_s * 1000
            recorder.overhead_s = recorder.overhead_cpu_s = 0.0
            recorder.write(
                {
                    "kind": "invoke",
                    "source": calls.event_source(request["event"]),
                    "duration_ms": net,
                    "cpu_ms": net_cpu,
                    "init_ms": init_ms,
                    "init_cpu_ms": init_cpu_ms,
                    "memory_mb": int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
                }
            )
            init_ms = init_cpu_ms = None
        protocol.write(json.dumps(response) + "\n")


if __name__ == "__main__":
    main()
