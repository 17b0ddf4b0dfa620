"""Seeded faults: the same seed and request sequence give the same failures, in X's shapes."""

from __future__ import annotations

import pytest

from carebird_ops.xemu.app import ConnectionDropped
from carebird_ops.xemu.credentials import user_id_for
from carebird_ops.xemu.faults import FaultInjector, FaultRule
from tests.unit.xemu.harness import BRAND, X

MENTIONS = f"/2/users/{user_id_for(BRAND)}/mentions"


def _statuses(x: X, n: int) -> list[int | str]:
    out: list[int | str] = []
    for _ in range(n):
        try:
            out.append(x.get(MENTIONS).status_code)
        except ConnectionDropped:
            out.append("drop")
    return out


RULE = {"match": "getUsersMentions", "error_p": 0.2, "rate_limit_p": 0.2, "drop_p": 0.1}


def test_same_seed_same_faults(x: X) -> None:
    x.control("PUT", "faults", {"seed": 7, "rules": [RULE]})
    first = _statuses(x, 40)
    x.control("PUT", "faults", {"seed": 7, "rules": [RULE]})
    second = _statuses(x, 40)
    assert first == second
    assert {500, 503, 429, "drop", 200} <= set(first)
    x.control("PUT", "faults", {"seed": 8, "rules": [RULE]})
    assert _statuses(x, 40) != first


def test_other_traffic_does_not_shift_the_sequence(x: X) -> None:
    x.control("PUT", "faults", {"seed": 7, "rules": [RULE]})
    plain = _statuses(x, 20)
    x.control("PUT", "faults", {"seed": 7, "rules": [RULE]})
    mixed = []
    for _ in range(20):
        x.get(f"/2/users/{user_id_for(BRAND)}")  # unmatched endpoint in between
        mixed += _statuses(x, 1)
    assert mixed == plain


def test_injected_errors_look_like_x(x: X) -> None:
    x.state.faults.configure(
        1, [FaultRule(match="GET /2/users/*/mentions", error_p=1.0, error_statuses=(503,))]
    )
    response = x.get(MENTIONS)
    assert response.status_code == 503
    assert response.headers["x-rate-limit-limit"] == "180"  # the token's real window, not consumed
    unavailable = "Service Unavailable"
    assert response.json == {
        "title": unavailable,
        "detail": unavailable,
        "type": "about:blank",
        "status": 503,
    }
    x.state.faults.configure(1, [FaultRule(match="/2/users/*/mentions", rate_limit_p=1.0)])
    throttled = x.get(MENTIONS)
    assert throttled.status_code == 429
    assert throttled.headers["x-rate-limit-remaining"] == "0"
    assert int(throttled.headers["x-rate-limit-reset"]) > x.state.now()
    x.state.faults.configure(1, [FaultRule(match="getPosts*", drop_p=1.0)])
    assert x.get(MENTIONS).status_code == 200  # rule does not match
    with pytest.raises(ConnectionDropped):
        x.get("/2/tweets/1")
    stats = x.control("GET", "stats").json
    assert stats["faults"] == {"latency": 0, "error": 0, "rate_limit": 0, "drop": 1}  # counts since configure


def test_a_rule_with_a_parameter_fails_only_the_requests_that_carry_it(x: X) -> None:
    # A gap's time-window queries (until_id) fail while the reads that find the gap (since_id) do not.
    x.state.faults.configure(1, [FaultRule(match="getUsersMentions", with_param="until_id", error_p=1.0)])
    assert x.get(MENTIONS, {"since_id": "1"}).status_code == 200
    assert x.get(MENTIONS, {"since_id": "1", "until_id": "9"}).status_code in (500, 503)
    assert x.control("PUT", "faults", {"rules": [{"with_param": "until_id", "drop_p": 1}]}).status_code == 200


def test_latency_is_added(x: X) -> None:
    x.state.faults.configure(1, [FaultRule(latency_ms=1, latency_p=1.0)])
    assert x.get(MENTIONS).status_code == 200
    assert x.state.faults.injected["latency"] == 1


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="probability"):
        FaultRule(error_p=1.5)
    with pytest.raises(ValueError, match="5xx"):
        FaultRule(error_statuses=(404,))
    with pytest.raises(ValueError, match="unknown fault rule fields"):
        FaultRule.from_json({"errors": 0.1})
    injector = FaultInjector(seed=None)
    assert injector.decide("getUsersMentions", "GET", "/2/users/1/mentions").action == "none"


def test_control_rejects_bad_rules(x: X) -> None:
    assert x.control("PUT", "faults", {"rules": [{"error_p": 2}]}).status_code == 400
    assert x.control("PUT", "faults", {"seed": "x", "rules": []}).status_code == 400
