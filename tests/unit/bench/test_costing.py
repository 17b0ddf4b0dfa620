"""make bench-cost's arithmetic: the prices file, DynamoDB's size rules, X's billing, and the dollars."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from carebird_ops.bench import cost
from carebird_ops.bench.costing import (
    PRICES_FILE,
    PricesError,
    Usage,
    add_call_records,
    api_type_of,
    aws_cost,
    dynamodb_units,
    load_prices,
    modelled_ms,
    shape_of,
    sizing,
    x_cost,
    x_usage,
)
from carebird_ops.local.calls import item_size


def _prices(tmp_path: Path, change: Any) -> Path:
    raw = json.loads(PRICES_FILE.read_text())
    change(raw)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(raw))
    return path


def test_the_checked_in_prices_are_dated_and_sourced() -> None:
    prices = load_prices()
    assert prices.dated.year >= 2026
    assert prices("x", "post_create_with_url") / prices("x", "post_create") == pytest.approx(13.33, rel=0.01)
    assert all(url.startswith("https://") for url in prices.sources.values())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda raw: raw.pop("dated"), "field dated"),
        (lambda raw: raw.update(dated="last week"), "field dated"),
        (lambda raw: raw["aws"].pop("lambda"), "field aws.lambda:"),
        (
            lambda raw: raw["aws"]["dynamodb"].pop("per_write_request_unit"),
            "aws.dynamodb.per_write_request_unit",
        ),
        (lambda raw: raw["x"].update(post_read=-0.005), "field x.post_read"),
        (lambda raw: raw["x"].update(dm_create="0.015"), "field x.dm_create"),
        (lambda raw: raw["aws"]["sns"].pop("source"), "field aws.sns.source"),
    ],
)
def test_a_malformed_prices_file_names_its_field(tmp_path: Path, change: Any, named: str) -> None:
    path = _prices(tmp_path, change)
    with pytest.raises(PricesError, match=named) as caught:
        load_prices(path)
    assert str(path) in str(caught.value)


def test_a_missing_or_broken_prices_file_stops_the_bench(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"
    assert cost.main(["--prices", str(missing)]) == 2
    assert f"{missing}: prices file not found" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert cost.main(["--prices", str(broken)]) == 2
    assert f"{broken}: not valid JSON" in capsys.readouterr().err


def test_item_size_follows_dynamodbs_rule() -> None:
    # name bytes + value bytes; numbers ~1 byte per 2 digits + 1; maps and lists 3 bytes + 1 per element
    assert item_size({"pk": {"S": "abc"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"ok": {"BOOL": True}}) == 3
    assert item_size({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + 3 + 1 + 1 + 2
    assert item_size({"l": {"L": [{"S": "a"}, {"S": "b"}]}}) == 1 + 3 + 2 * 2


def _index(key: str, size: int, digest: str = "d") -> dict[str, Any]:
    return {"key": key, "size": size, "digest": digest}


def test_write_units_count_the_item_and_every_index_it_changes() -> None:
    put_new = {
        "operation": "PutItem",
        "writes": [{"old": None, "new": {"size": 1500, "indexes": {"gsi1": _index("a", 1500)}}}],
    }
    assert dynamodb_units(put_new) == (2 + 2, 0.0)
    # the index key moves: a delete and a put in the index; a transaction doubles the table's write
    moved = {
        "operation": "TransactWriteItems",
        "writes": [
            {
                "old": {"size": 900, "indexes": {"gsi1": _index("a", 900)}},
                "new": {"size": 1100, "indexes": {"gsi1": _index("b", 1100, "e")}},
            }
        ],
    }
    assert dynamodb_units(moved) == (2 * 2 + 1 + 2, 0.0)
    # same key, projection unchanged: no index write; a failed condition still costs the table write
    untouched = {
        "operation": "UpdateItem",
        "writes": [
            {
                "old": {"size": 10, "indexes": {"gsi1": _index("a", 10)}},
                "new": {"size": 10, "indexes": {"gsi1": _index("a", 10)}},
            }
        ],
    }
    assert dynamodb_units(untouched) == (1, 0.0)


def test_read_units_by_operation_and_consistency() -> None:
    assert dynamodb_units({"operation": "GetItem", "read": {"consistent": True, "sizes": [5000]}}) == (
        0.0,
        2.0,
    )
    assert dynamodb_units({"operation": "GetItem", "read": {"consistent": False, "sizes": []}}) == (0.0, 0.5)
    query = {"operation": "Query", "read": {"consistent": False, "sizes": [3000, 3000]}}
    assert dynamodb_units(query) == (0.0, 1.0)  # summed, then rounded up to 4 KB: 2 units, halved


def test_x_bills_a_resource_once_per_app_and_utc_day() -> None:
    day = 1_796_500_000.0  # any instant; the next UTC day is 86,400 s on
    mentions = {
        "operation": "getUsersMentions",
        "token": "user:carebird/Brand",
        "status": 200,
        "post_ids": ["1", "2"],
        "users": 1,
        "dm_event_ids": [],
        "own": True,
        "links": 0,
        "at": day,
    }
    again = {**mentions, "post_ids": ["2", "3"], "users": 0}
    tomorrow = {**again, "at": day + 86_400}
    failed = {**again, "status": 429, "post_ids": ["9"]}
    reply = {"operation": "createPosts", "token": "user:carebird/Brand", "status": 201, "links": 1, "at": day}
    dm = {
        "operation": "createDirectMessagesByParticipantId",
        "status": 201,
        "token": "user:carebird/Brand",
        "at": day,
    }
    billed = x_usage([mentions, again, tomorrow, failed, reply, dm], owned_app=False)
    assert billed == Counter(post_read=3 + 2, user_read=1, post_create_with_url=1, dm_create=1)
    owned = x_usage([mentions], owned_app=True)
    assert owned == Counter(owned_read=2, user_read=1)


def test_dollars_per_component() -> None:
    prices = load_prices()
    usage = Usage(standard_transitions=10, log_bytes=1024**3 // 1000)
    records = [
        {
            "kind": "invoke",
            "fn": "f",
            "memory_mb": 1024,
            "duration_ms": 999.2,
            "init_ms": None,
            "source": "apigateway",
        },
        {
            "kind": "invoke",
            "fn": "g",
            "memory_mb": 512,
            "duration_ms": 100,
            "init_ms": None,
            "source": "direct",
        },
        {
            "kind": "call",
            "service": "dynamodb",
            "operation": "GetItem",
            "read": {"consistent": True, "sizes": [10]},
        },
        {"kind": "call", "service": "secretsmanager", "operation": "GetSecretValue"},
        {"kind": "call", "service": "scheduler", "operation": "CreateSchedule"},  # not billed
        {
            "kind": "invoke",
            "fn": "h",
            "memory_mb": 256,
            "duration_ms": 1,
            "init_ms": None,
            "source": "scheduler",
        },
    ]
    add_call_records(usage, records, {"f": "arm64"})
    dollars = aws_cost(usage, prices)
    assert dollars["Step Functions"] == pytest.approx(10 * 0.000025)
    assert dollars["EventBridge Scheduler"] == pytest.approx(0.000001)
    assert dollars["Lambda"] == pytest.approx(
        3 * 0.0000002 + 1.0 * 0.0000133334 + 0.05 * 0.0000166667 + 0.001 * 0.25 * 0.0000166667
    )
    assert dollars["DynamoDB"] == pytest.approx(0.000000125)
    assert dollars["API Gateway"] == pytest.approx(0.0000035)
    assert dollars["CloudWatch Logs"] == pytest.approx(0.5 / 1000, rel=1e-3)
    assert dollars["Secrets Manager"] == pytest.approx(0.000005)
    assert x_cost(Counter(post_read=2, post_create_with_url=1), prices) == pytest.approx(0.21)


def test_api_requests_are_priced_by_the_kind_of_api_the_template_declares() -> None:
    from carebird_ops.local.apigateway import http_api_event
    from carebird_ops.local.calls import event_source
    from carebird_ops.local.template import load

    prices = load_prices()
    assert api_type_of(load(Path(__file__).parents[3] / "template.yaml").resources) == "http"
    rest = {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}}}
    assert api_type_of(rest) == "rest"
    with pytest.raises(ValueError, match="both"):
        api_type_of({**rest, "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {}}})
    with pytest.raises(ValueError, match="WEBSOCKET"):
        api_type_of({"Ws": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}}})
    # A 2.0 event is an API Gateway request too (the invocation records' source).
    v2 = http_api_event(api_id="a", stage="v1", route_key="GET /me", method="GET", raw_path="/v1/me")
    assert event_source(v2) == "apigateway"
    for kind, per_request in (("http", 0.000001), ("rest", 0.0000035)):
        usage = Usage(api_type=kind)
        add_call_records(usage, [{"kind": "invoke", "fn": "f", "memory_mb": 128, "duration_ms": 1,
                                  "source": "apigateway"}] * 4, {})  # fmt: skip
        assert aws_cost(usage, prices)["API Gateway"] == pytest.approx(4 * per_request)


def test_memory_is_sized_from_measured_wall_and_cpu_time() -> None:
    prices = load_prices()
    waits = {"fn": "carebird-PollFunction", "duration_ms": 1000.0, "cpu_ms": 20.0, "memory_mb": 512}
    computes = {"fn": "carebird-ClassifyFunction", "duration_ms": 100.0, "cpu_ms": 90.0, "memory_mb": 512}
    table = sizing([waits, computes], prices)
    # mostly waiting on I/O: 128 MB stretches 20 ms of CPU to ~276 ms, within 1.5x of 1,000 ms
    assert table["PollFunction"]["chosen"] == 128
    assert table["PollFunction"]["options"][128]["ms"] == pytest.approx(980 + 20 * 1769 / 128)
    # mostly CPU: 1,024 MB is the smallest within 100 ms of a full vCPU (10 + 90 * 1769 / 1024 = 165 ms)
    assert table["ClassifyFunction"]["chosen"] == 1024
    assert modelled_ms(100.0, 90.0, 1769) == pytest.approx(100.0)
    # a cold start of 800 ms of import CPU needs 512 MB to stay under 3 s (800 * 1769 / 512 = 2.76 s)
    cold = {
        "fn": "carebird-PollFunction",
        "cpu_ms": None,
        "init_cpu_ms": 800.0,
        "duration_ms": 0,
        "memory_mb": 512,
    }
    assert sizing([waits, cold], prices)["PollFunction"]["chosen"] == 512


def test_a_key_is_shown_by_its_shape() -> None:
    assert shape_of("CASE#646576841112382710-t2129692851951370241") == "CASE#*"
    assert shape_of("MSG#2026-12-06T21:45:27+00:00#m1") == "MSG#*#*"
    assert shape_of("REPORT#b1#2026-12-06#P1#billing") == "REPORT#*#*#P1#*"
    assert shape_of("BRANDS") == "BRANDS"
