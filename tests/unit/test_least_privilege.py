"""Each function's policy in template.yaml grants only the table actions its code can make.

What the code can do is read from the code itself: from the function's handler module, every `carebird`
module it imports (at the top or inside a function) is followed, and each DynamoDB adapter reached
(carebird.storage.*, and Powertools idempotency through carebird.agent_api.idempotency) contributes the
actions its calls need. Following imports over-approximates (a module imported for one function brings its
other calls along), so the classify function, which reaches the brands' repository (and its writes)
for one read, is also held to a read-only list below. A grant the code cannot use fails the test; an
exception must be listed in DOCUMENTED with the reason.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[2]
LAYER = REPO / "layers"
TEMPLATE = REPO / "template.yaml"

# A PynamoDB call in an adapter, and the DynamoDB action it makes.
CALLS = {
    r"\.get\(": "dynamodb:GetItem",
    r"\.query\(": "dynamodb:Query",
    r"\.save\(": "dynamodb:PutItem",
    r"\.update\(": "dynamodb:UpdateItem",
    r"\.delete\(": "dynamodb:DeleteItem",
    r"\.scan\(": "dynamodb:Scan",
    r"\.batch_write\(": "dynamodb:BatchWriteItem",
    r"\.batch_get\(": "dynamodb:BatchGetItem",
    r"\._batch_get_page\(": "dynamodb:BatchGetItem",  # carebird.storage.table.whole_raw
    r"\bTransactWrite\b": "dynamodb:TransactWriteItems",
    r"\bTransactGet\b": "dynamodb:TransactGetItems",
}
# Powertools' DynamoDB persistence layer (the agent API's Idempotency-Key records).
POWERTOOLS_IDEMPOTENCY = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
}
READ_ONLY = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}
# Functions whose import closure reaches writing code they never run (classify shares route's wiring
# module): held to READ_ONLY instead of to their closure.
READERS = {"ClassifyFunction": "calls only carebird.wiring.classify.brand (get_brand) and the classifier"}
# Grants the code analysis cannot see, each with why. (None today.)
DOCUMENTED: dict[str, dict[str, str]] = {}


def module_file(name: str) -> Path | None:
    base = LAYER / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def imports_of(path: Path) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return frozenset(n for n in found if n.split(".")[0] == "carebird" and module_file(n) is not None)


def closure(handler_file: Path) -> set[str]:
    seen: set[str] = set()
    todo = list(imports_of(handler_file))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        assert path is not None
        todo.extend(imports_of(path))
    return seen


def actions_used(modules: set[str]) -> set[str]:
    used: set[str] = set()
    for name in modules:
        if name.startswith("carebird.storage."):
            source = module_file(name).read_text()  # type: ignore[union-attr]
            used |= {action for pattern, action in CALLS.items() if re.search(pattern, source)}
        if name == "carebird.agent_api.idempotency":
            used |= POWERTOOLS_IDEMPOTENCY
    return used


def functions() -> dict[str, dict[str, Any]]:
    template = yaml_parse(TEMPLATE.read_text())
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def table_actions(properties: dict[str, Any]) -> set[str]:
    granted: set[str] = set()
    for policy in properties.get("Policies", []):
        if not isinstance(policy, dict):
            continue
        if any(name.startswith("DynamoDB") for name in policy):  # a SAM template: CRUD, read, write...
            granted.add(f"{next(iter(policy))} (a SAM policy template: list the actions instead)")
        for statement in policy.get("Statement", []):
            actions = statement.get("Action", [])
            granted |= {
                a for a in ([actions] if isinstance(actions, str) else actions) if a.startswith("dynamodb:")
            }
    return granted


def handler_file(properties: dict[str, Any]) -> Path:
    module = properties.get("Handler", "app.handler").rsplit(".", 1)[0]
    return REPO / properties["CodeUri"] / f"{module}.py"


FUNCTIONS = sorted(functions())


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_a_function_is_granted_only_the_table_actions_its_code_uses(logical_id: str) -> None:
    properties = functions()[logical_id]
    used = actions_used(closure(handler_file(properties)))
    granted = table_actions(properties)
    extra = granted - used - set(DOCUMENTED.get(logical_id, {}))
    assert not extra, (
        f"{logical_id} is granted {sorted(extra)}, which its code never calls (uses {sorted(used)})"
    )
    if logical_id not in READERS:
        assert used <= granted, f"{logical_id} needs {sorted(used - granted)}, which its policy lacks"


def test_the_classify_function_only_reads_the_table_and_may_read_brand_models_from_s3() -> None:
    properties = functions()["ClassifyFunction"]
    assert table_actions(properties) <= READ_ONLY
    (conditional,) = [p["Fn::If"] for p in properties["Policies"] if isinstance(p, dict) and "Fn::If" in p]
    condition, granted, otherwise = conditional
    assert condition == "HasBrandModelBucket" and otherwise == {"Ref": "AWS::NoValue"}
    (statement,) = granted["Statement"]
    assert statement["Action"] == ["s3:GetObject"]
    assert "${BrandModelBucket}/*" in str(statement["Resource"])


def test_the_analysis_sees_what_the_adapters_call() -> None:
    reply = actions_used(closure(handler_file(functions()["AgentApiFunction"])))
    assert {
        "dynamodb:TransactWriteItems",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    } <= reply
    assert "dynamodb:Scan" not in reply
