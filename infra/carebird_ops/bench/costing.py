"""What a scenario would cost on AWS and X: the prices file, the usage observed, and the arithmetic.

Pure functions over what the local stack recorded (carebird_ops.local.calls in the Lambda sandboxes,
the X emulator's request log, Step Functions' execution histories, the functions' log files), so they are
unit-tested without a stack. carebird_ops.bench.cost runs the scenarios and prints the table.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")

# Every number the arithmetic reads, by section; each section also names its source (a URL).
REQUIRED: dict[str, tuple[str, ...]] = {
    "aws.stepfunctions": (
        "standard_per_state_transition", "express_per_request", "express_per_gb_second",
        "express_billed_memory_mb", "express_billing_increment_ms",
    ),
    "aws.lambda": ("per_request", "per_gb_second_x86_64", "per_gb_second_arm64"),
    "aws.dynamodb": ("per_write_request_unit", "per_read_request_unit"),
    "aws.apigateway": ("per_rest_api_request", "per_http_api_request"),
    "aws.logs": ("per_gb_ingested",),
    "aws.secretsmanager": ("per_api_call",),
    "aws.sns": ("per_publish",),
    "aws.scheduler": ("per_invocation",),
    "x": (
        "post_read", "owned_read", "user_read", "dm_event_read", "post_create", "post_create_with_url",
        "dm_create", "user_interaction_create",
    ),
}  # fmt: skip
X_KINDS = REQUIRED["x"]


class PricesError(ValueError):
    """The prices file is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Prices:
    dated: date
    sections: dict[str, dict[str, float]]
    sources: dict[str, str]

    def __call__(self, section: str, name: str) -> float:
        return self.sections[section][name]


def load_prices(path: Path = PRICES_FILE) -> Prices:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise PricesError(f"{path}: prices file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PricesError(f"{path}: cannot read the prices file ({exc})") from None
    except ValueError as exc:
        raise PricesError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise PricesError(f"{path}: expected a JSON object at the top")
    dated_text = raw.get("dated")
    try:
        dated = date.fromisoformat(dated_text) if isinstance(dated_text, str) else None
    except ValueError:
        dated = None
    if dated is None:
        raise PricesError(f"{path}: field dated: expected the date the prices were read, as YYYY-MM-DD")
    sections: dict[str, dict[str, float]] = {}
    sources: dict[str, str] = {}
    for section, names in REQUIRED.items():
        node: Any = raw
        for part in section.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise PricesError(f"{path}: field {section}: missing (an object of prices)")
        source = node.get("source")
        if not isinstance(source, str) or not source.startswith("https://"):
            raise PricesError(
                f"{path}: field {section}.source: expected the https:// page the prices come from"
            )
        sources[section] = source
        values: dict[str, float] = {}
        for name in names:
            value = node.get(name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 0
                or math.isnan(value)
            ):
                raise PricesError(f"{path}: field {section}.{name}: expected a number of dollars, 0 or more")
            values[name] = float(value)
        sections[section] = values
    return Prices(dated=dated, sections=sections, sources=sources)


# ---------------------------------------------------------------------------------------------- usage
API_TYPES = {"AWS::ApiGateway::RestApi": "rest", "AWS::ApiGatewayV2::Api": "http"}


def api_type_of(resources: dict[str, dict[str, Any]]) -> str:
    """ "rest" or "http": the kind of API Gateway API a transformed template declares (AWS::Serverless::Api
    becomes a RestApi, AWS::Serverless::HttpApi an ApiGatewayV2 Api), which API Gateway prices apart."""
    kinds: set[str] = set()
    for logical_id, resource in resources.items():
        kind = API_TYPES.get(str(resource.get("Type")))
        if kind is None:
            continue
        protocol = str(resource.get("Properties", {}).get("ProtocolType", "HTTP"))
        if kind == "http" and protocol != "HTTP":
            raise ValueError(f"{logical_id}: a {protocol} API is not priced by the bench")
        kinds.add(kind)
    if len(kinds) > 1:
        raise ValueError("the template declares both a REST and an HTTP API: requests cannot be priced apart")
    return kinds.pop() if kinds else "rest"


@dataclass
class Usage:
    """What one scenario made AWS and X do."""

    standard_transitions: int = 0
    scheduler_invocations: int = 0  # EventBridge Scheduler schedules that invoked their target
    express_executions: list[float] = field(default_factory=list)  # durations in ms
    lambda_runs: list[dict[str, Any]] = field(default_factory=list)  # fn, arch, memory_mb, billed_ms
    write_units: float = 0.0
    read_units: float = 0.0
    engine_units: dict[str, float] = field(default_factory=lambda: {"write": 0.0, "read": 0.0})
    api_requests: int = 0
    api_type: str = "rest"  # what the template's API is (api_type_of), which decides the request price
    log_bytes: int = 0
    aws_calls: Counter[str] = field(default_factory=Counter)  # "service:Operation"
    x: Counter[str] = field(default_factory=Counter)  # X_KINDS
    # each DynamoDB call: fn, operation, the items it named (shape_of), write_units, read_units
    dynamodb_calls: list[dict[str, Any]] = field(default_factory=list)


def _write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _read_units(size: int) -> int:
    return max(1, math.ceil(size / 4096))


def dynamodb_units(record: dict[str, Any]) -> tuple[float, float]:
    """(write request units, read request units) one recorded DynamoDB call is billed, from the sizes of
    the items it touched (DynamoDB's rules: 1 KB per write unit, 4 KB per read unit, eventually consistent
    reads half, transactions double; an index is written when its projection changes, twice when its
    key moves)."""
    operation = record["operation"]
    transactional = operation.startswith("Transact")
    if "writes" in record:
        units = 0.0
        for write in record["writes"]:
            old, new = write.get("old"), write.get("new")
            sizes = [x["size"] for x in (old, new) if x]
            units += _write_units(max(sizes, default=0)) * (2 if transactional else 1)
            old_indexes = (old or {}).get("indexes", {})
            new_indexes = (new or {}).get("indexes", {})
            for name in set(old_indexes) | set(new_indexes):
                before, after = old_indexes.get(name), new_indexes.get(name)
                if before and after and before["key"] == after["key"]:
                    if before["digest"] != after["digest"]:
                        units += _write_units(max(before["size"], after["size"]))
                else:
                    units += sum(_write_units(x["size"]) for x in (before, after) if x)
        return units, 0.0
    read = record.get("read")
    if read is None:
        return 0.0, 0.0
    factor = 1.0 if read.get("consistent") else 0.5
    sizes = read.get("sizes", [])
    if operation in ("Query", "Scan"):
        return 0.0, _read_units(sum(sizes)) * factor
    if operation == "TransactGetItems":
        return 0.0, sum(_read_units(s) * 2.0 for s in sizes)
    if operation == "GetItem" and not sizes:
        return 0.0, factor  # a miss is still a read
    return 0.0, sum(_read_units(s) * factor for s in sizes)


def shape_of(key: str) -> str:
    """A key with its ids left out: CASE#123-t9 -> CASE#*, MSG#2026-12-06T...#m1 -> MSG#*#*."""
    return "#".join(part if re.fullmatch(r"[A-Z][A-Z0-9_]*|", part) else "*" for part in key.split("#"))


def _named(record: dict[str, Any]) -> list[str]:
    """The items a recorded call wrote (with their size), or the key (or index and values) it read, by
    shape."""
    if "writes" in record:
        return [
            " ".join(shape_of(v) for v in w.get("key", {}).values()) + f" ({_largest(w):,} B)"
            for w in record["writes"]
        ]
    read = record.get("read") or {}
    values = " ".join(shape_of(v) for v in read.get("key", {}).values())
    return [f"{read['index']}: {values}" if read.get("index") else values]


def _largest(write: dict[str, Any]) -> int:
    """The item's size in bytes before or after the write, whichever is larger (what it is billed by)."""
    return max((x["size"] for x in (write.get("old"), write.get("new")) if x), default=0)


def add_call_records(usage: Usage, records: list[dict[str, Any]], architectures: dict[str, str]) -> None:
    """Fold the sandboxes' records (carebird_ops.local.calls) into usage."""
    for record in records:
        if record.get("kind") == "invoke":
            billed = math.ceil(record["duration_ms"] + (record.get("init_ms") or 0.0))
            usage.lambda_runs.append(
                {
                    "fn": record["fn"],
                    "arch": architectures.get(record["fn"], "x86_64"),
                    "memory_mb": record["memory_mb"],
                    "billed_ms": billed,
                    "duration_ms": record["duration_ms"],
                    "cpu_ms": record.get("cpu_ms"),
                    "init_ms": record.get("init_ms"),
                    "init_cpu_ms": record.get("init_cpu_ms"),
                }
            )
            if record.get("source") == "apigateway":
                usage.api_requests += 1
            elif record.get("source") == "scheduler":
                usage.scheduler_invocations += 1
        elif record.get("kind") == "call":
            usage.aws_calls[f"{record['service']}:{record['operation']}"] += 1
            if record["service"] == "dynamodb":
                writes, reads = dynamodb_units(record)
                usage.write_units += writes
                usage.read_units += reads
                usage.dynamodb_calls.append(
                    {
                        "fn": record.get("fn", ""),
                        "operation": record["operation"],
                        "items": _named(record),
                        "write_units": writes,
                        "read_units": reads,
                    }
                )
                engine = record.get("engine_capacity")
                for entry in engine if isinstance(engine, list) else [engine] if engine else []:
                    usage.engine_units["write" if writes else "read"] += float(entry.get("CapacityUnits", 0))


def x_usage(
    requests: list[dict[str, Any]], owned_app: bool, seen: set[tuple[str, str, str]] | None = None
) -> Counter[str]:
    """What X bills for the emulator's logged requests. Reads are billed per resource returned, once per
    resource and app in a UTC day (`seen` carries that across scenarios); a read of the caller's own
    timeline is an owned read when the developer app belongs to the brand account (`owned_app`)."""
    seen = set() if seen is None else seen
    billed: Counter[str] = Counter()
    for request in requests:
        if not 200 <= int(request.get("status", 0)) < 300:
            continue
        operation = str(request["operation"])
        app = str(request["token"]).split(":", 1)[-1].split("/", 1)[0]
        day = datetime.fromtimestamp(float(request.get("at") or 0), UTC).date().isoformat()
        for post_id in request.get("post_ids", []):
            if (app, f"post:{post_id}", day) not in seen:
                seen.add((app, f"post:{post_id}", day))
                billed["owned_read" if owned_app and request.get("own") else "post_read"] += 1
        for event_id in request.get("dm_event_ids", []):
            if (app, f"dm:{event_id}", day) not in seen:
                seen.add((app, f"dm:{event_id}", day))
                billed["dm_event_read"] += 1
        user_ids = request.get("user_ids")
        if user_ids is None:  # a log without ids: every user returned is billed
            billed["user_read"] += int(request.get("users", 0))
        for user_id in user_ids or []:
            if (app, f"user:{user_id}", day) not in seen:
                seen.add((app, f"user:{user_id}", day))
                billed["user_read"] += 1
        if operation == "createPosts":
            billed["post_create_with_url" if request.get("links") else "post_create"] += 1
        elif operation.startswith("createDirectMessages"):
            billed["dm_create"] += 1
        elif operation in ("followUser", "likePost"):
            billed["user_interaction_create"] += 1
    return +billed


# ---------------------------------------------------------------------------------------------- dollars
COMPONENTS = (
    "Step Functions", "EventBridge Scheduler", "Lambda", "DynamoDB", "API Gateway", "CloudWatch Logs",
    "Secrets Manager", "SNS",
)  # fmt: skip


def aws_cost(usage: Usage, prices: Prices) -> dict[str, float]:
    sfn = "aws.stepfunctions"
    increment = prices(sfn, "express_billing_increment_ms")
    express_gb_s = sum(
        math.ceil(ms / increment) * increment / 1000 * prices(sfn, "express_billed_memory_mb") / 1024
        for ms in usage.express_executions
    )
    lam = "aws.lambda"
    lambda_usd = sum(
        prices(lam, "per_request")
        + r["billed_ms"] / 1000 * r["memory_mb"] / 1024 * prices(lam, f"per_gb_second_{r['arch']}")
        for r in usage.lambda_runs
    )
    return {
        "Step Functions": usage.standard_transitions * prices(sfn, "standard_per_state_transition")
        + len(usage.express_executions) * prices(sfn, "express_per_request")
        + express_gb_s * prices(sfn, "express_per_gb_second"),
        # Past the free invocations (14 million a month), as every line here is priced past its free tier;
        # creating and deleting schedules is not billed.
        "EventBridge Scheduler": usage.scheduler_invocations * prices("aws.scheduler", "per_invocation"),
        "Lambda": lambda_usd,
        "DynamoDB": usage.write_units * prices("aws.dynamodb", "per_write_request_unit")
        + usage.read_units * prices("aws.dynamodb", "per_read_request_unit"),
        "API Gateway": usage.api_requests * prices("aws.apigateway", f"per_{usage.api_type}_api_request"),
        "CloudWatch Logs": usage.log_bytes / 1024**3 * prices("aws.logs", "per_gb_ingested"),
        "Secrets Manager": usage.aws_calls["secretsmanager:GetSecretValue"]
        * prices("aws.secretsmanager", "per_api_call"),
        "SNS": usage.aws_calls["sns:Publish"] * prices("aws.sns", "per_publish"),
    }


def x_cost(billed: Counter[str], prices: Prices) -> float:
    return sum(count * prices("x", kind) for kind, count in billed.items())


# ---------------------------------------------------------------------------------------------- sizing
FULL_VCPU_MB = 1769  # Lambda gives a function one full vCPU at 1,769 MB, CPU in proportion below it
MEMORY_CHOICES = (128, 256, 512, 1024, 1769)
# The smallest memory whose warm duration stays within 1.5x a full vCPU's (or 100 ms more, for the
# functions that take a few ms), and whose cold start (the import's CPU time, stretched alike) stays
# under INIT_LIMIT_MS.
SLOWDOWN_ALLOWED = 1.5
SLOWDOWN_ALLOWED_MS = 100.0
INIT_LIMIT_MS = 3000.0


def modelled_ms(wall_ms: float, cpu_ms: float, memory_mb: int) -> float:
    """Duration at `memory_mb` of an invocation measured with a full CPU: its waiting (wall - CPU) as
    it was, its CPU time stretched by the share of a vCPU Lambda gives that memory."""
    cpu = min(cpu_ms, wall_ms)
    return (wall_ms - cpu) + cpu / min(1.0, memory_mb / FULL_VCPU_MB)


def sizing(runs: list[dict[str, Any]], prices: Prices, arch: str = "arm64") -> dict[str, dict[str, Any]]:
    """Per function: mean warm duration and CPU measured, the modelled duration and cost per million
    invocations at each memory size, and the memory chosen (SLOWDOWN_ALLOWED)."""
    per_fn: dict[str, list[dict[str, Any]]] = {}
    inits: dict[str, list[float]] = {}
    for run in runs:
        if run.get("cpu_ms") is not None:
            per_fn.setdefault(run["fn"].rsplit("-", 1)[-1], []).append(run)
        if run.get("init_cpu_ms") is not None:
            inits.setdefault(run["fn"].rsplit("-", 1)[-1], []).append(run["init_cpu_ms"])
    table: dict[str, dict[str, Any]] = {}
    gb_s = prices("aws.lambda", f"per_gb_second_{arch}")
    for fn, fn_runs in sorted(per_fn.items()):
        wall = sum(r["duration_ms"] for r in fn_runs) / len(fn_runs)
        cpu = sum(r["cpu_ms"] for r in fn_runs) / len(fn_runs)
        full = modelled_ms(wall, cpu, FULL_VCPU_MB)
        init_cpu = max(inits.get(fn, [0.0]))
        options = {
            m: {
                "ms": modelled_ms(wall, cpu, m),
                "init_ms": modelled_ms(init_cpu, init_cpu, m),
                "usd_per_million": 1e6
                * (
                    prices("aws.lambda", "per_request")
                    + m / 1024 * math.ceil(modelled_ms(wall, cpu, m)) / 1000 * gb_s
                ),
            }
            for m in MEMORY_CHOICES
        }
        allowed = max(SLOWDOWN_ALLOWED * full, full + SLOWDOWN_ALLOWED_MS)
        fitting = [
            m
            for m in MEMORY_CHOICES
            if options[m]["ms"] <= allowed and options[m]["init_ms"] <= INIT_LIMIT_MS
        ]
        chosen = min(fitting, default=MEMORY_CHOICES[-1])
        table[fn] = {
            "invocations": len(fn_runs),
            "wall_ms": wall,
            "cpu_ms": cpu,
            "init_cpu_ms": init_cpu,
            "options": options,
            "chosen": chosen,
        }
    return table
