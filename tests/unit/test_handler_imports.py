"""What a handler's cold start loads: the classify function does without the X-Ray SDK (a third of its
import), the functions that trace their calls to DynamoDB and X keep it. Each import runs in a fresh
interpreter, as a Lambda sandbox's first one does, with Lambda's environment so that Powertools traces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import sys, {module}; print(any(m.split('.')[0] == 'aws_xray_sdk' for m in sys.modules))"


def loads_xray(function_dir: str, module: str) -> bool:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / function_dir), str(ROOT / "layers")]),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "carebird-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "test",
    }
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    answer = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        env=env,
        cwd=ROOT / "functions" / function_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return answer.stdout.strip() == "True"


def test_the_classify_handler_does_not_load_the_xray_sdk() -> None:
    assert loads_xray("classify", "app") is False


@pytest.mark.parametrize(("function_dir", "module"), [("poll", "app"), ("classify", "route")])
def test_handlers_that_trace_their_calls_still_load_it(function_dir: str, module: str) -> None:
    assert loads_xray(function_dir, module) is True
