"""What a handler's cold start loads (make bench-coldstart measures how long it takes). Each import runs in a
fresh interpreter, as a Lambda sandbox's first one does, with Lambda's environment so that Powertools traces.

- The classify function does without the X-Ray SDK; the functions that trace their calls to AWS and X keep
  it, and trace X's calls (requests) from when they first import requests.
- The classify function loads no DynamoDB code (PynamoDB, carebird.storage), nor the brands package, nor
  pydantic: the execution's input carries the brand's settings, and only an input without them reads the
  brand, loading the storage and the settings model then.
- No function loads pydantic-settings (carebird.wiring.settings reads the environment itself).
- What only some invocations need is loaded by them: the X adapter (tweepy, requests, and Powertools
  Parameters with boto3) by the agent API's and the follow-up's calls to X, Powertools' idempotency
  (with boto3) by a reply with an Idempotency-Key, Powertools' OpenAPI models by GET /openapi, the
  classifier by the agent API's restore of a case closed automatically.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

XRAY = "aws_xray_sdk"
SETTINGS_LIBRARY = "pydantic_settings"
X_ADAPTER = ("tweepy", "requests", "aws_lambda_powertools.utilities.parameters", "boto3")
IDEMPOTENCY = "aws_lambda_powertools.utilities.idempotency"
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"
CLASSIFIER = "carebird.classifier"
DYNAMODB = ("pynamodb", "carebird.storage", "carebird.brands")
PYDANTIC = "pydantic"


def in_lambda(function_dir: str, code: str) -> str:
    """What `code` prints in a fresh interpreter beside the function's handler, as in a Lambda sandbox."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / function_dir), str(ROOT / "layers")]),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "carebird-test",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / function_dir),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "test",
    }
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    answer = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT / "functions" / function_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return answer.stdout.strip().splitlines()[-1]


def loaded(function_dir: str, module: str) -> set[str]:
    """The modules a fresh interpreter holds once it has imported the handler."""
    return set(
        json.loads(
            in_lambda(function_dir, f"import json, sys, {module}; print(json.dumps(list(sys.modules)))")
        )
    )


def holds(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_the_classify_handler_does_not_load_the_xray_sdk() -> None:
    assert not holds(loaded("classify", "app"), XRAY)


@pytest.mark.parametrize(("function_dir", "module"), [("poll", "app"), ("classify", "route")])
def test_handlers_that_trace_their_calls_still_load_it(function_dir: str, module: str) -> None:
    assert holds(loaded(function_dir, module), XRAY)


@pytest.mark.parametrize(
    ("function_dir", "module", "not_loaded"),
    [
        ("classify", "app", (SETTINGS_LIBRARY, *X_ADAPTER, *DYNAMODB, PYDANTIC)),
        ("classify", "route", (SETTINGS_LIBRARY, *X_ADAPTER)),
        ("poll", "app", (SETTINGS_LIBRARY,)),
        ("followup", "app", (SETTINGS_LIBRARY, *X_ADAPTER)),
        ("reply", "app", (SETTINGS_LIBRARY, *X_ADAPTER, IDEMPOTENCY, OPENAPI_MODELS, CLASSIFIER)),
    ],
)
def test_a_handler_loads_nothing_only_some_invocations_need(
    function_dir: str, module: str, not_loaded: tuple[str, ...]
) -> None:
    modules = loaded(function_dir, module)
    assert [name for name in not_loaded if holds(modules, name)] == []


def test_the_classify_handler_loads_the_storage_only_for_an_input_without_the_brand_s_settings() -> None:
    # With the settings handed off, a classification loads no DynamoDB code; the brand lookup, which an
    # execution started without them (by the release before) goes through, loads it when first used.
    event = {
        "brand_id": "1000",
        "mention": {
            "id": "1",
            "author": {"id": "55"},
            "text": "my flight is late",
            "created_at": "2026-03-02",
        },
        "classifier": {
            "skills": [["bookings", ["late"]]],
            "urgency_terms": [],
            "known_skills": [],
            "models": [],
        },
    }
    code = (
        "import json, os, sys, types, app; from carebird.wiring import classify as runtime\n"
        "context = types.SimpleNamespace(function_name='classify', memory_limit_in_mb=256,"
        " aws_request_id='r', invoked_function_arn='arn:aws:lambda:us-east-1:1:function:classify')\n"
        f"result = app.handler({event!r}, context)\n"
        "after_classifying = [name in sys.modules for name in ('pynamodb', 'pydantic')]\n"
        "os.environ['TABLE_NAME'] = 'carebird'; runtime.brand_repository()\n"
        "after_the_lookup = [name in sys.modules for name in ('pynamodb', 'pydantic')]\n"
        "print(json.dumps([result['skill']['label'], after_classifying, after_the_lookup]))"
    )
    assert json.loads(in_lambda("classify", code)) == ["bookings", [False, False], [True, True]]


def test_calls_to_x_are_traced_from_when_a_function_imports_requests() -> None:
    # The X-Ray SDK traces requests by wrapping Session.request (wrapt); unpatched, it is a function.
    code = "import sys, app; assert 'requests' not in sys.modules; import requests; " + (
        "print(type(requests.Session.__dict__['request']).__name__)"
    )
    assert in_lambda("followup", code) == "FunctionWrapper"


@pytest.mark.parametrize(
    ("function_dir", "module"),
    [("poll", "app"), ("classify", "app"), ("classify", "route"), ("followup", "app"), ("reply", "app")],
)
def test_a_handler_loads_its_code_without_garbage_collection_and_freezes_it(
    function_dir: str, module: str
) -> None:
    # Frozen objects are no generation's: most of what the import made is frozen, and collection is back on.
    code = f"import gc, {module}; print(gc.isenabled(), gc.get_freeze_count() > len(gc.get_objects()))"
    assert in_lambda(function_dir, code) == "True True"
