"""The compact fault-rule syntax of `carebird x faults --rule`."""

from __future__ import annotations

import argparse

import pytest

from carebird_ops.cli.xapi import format_thread, parse_rule


def test_rule_syntax() -> None:
    assert parse_rule("GET /2/users/*/mentions error=0.2 status=503 429=0.1 drop=0.05 latency=250@0.5") == {
        "match": "GET /2/users/*/mentions",
        "error_p": 0.2,
        "error_statuses": [503],
        "rate_limit_p": 0.1,
        "drop_p": 0.05,
        "latency_ms": 250,
        "latency_p": 0.5,
    }
    assert parse_rule("latency=100ms") == {"match": "*", "latency_ms": 100, "latency_p": 1.0}
    assert parse_rule("getUsersMentions param=until_id error=1") == {
        "match": "getUsersMentions",
        "with_param": "until_id",
        "error_p": 1.0,
    }


def test_bad_rules_are_usage_errors() -> None:
    for bad in ("error=2", "drop=x", "colour=1"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_rule(bad)


def _post(post_id: str, parent: str | None, author: str) -> dict[str, object]:
    return {
        "id": post_id,
        "in_reply_to_tweet_id": parent,
        "author": author,
        "text": f"text {post_id}",
        "created_at": "2026-01-01T00:00:00.000Z",
        "retweet_of": None,
        "quote_of": None,
        "source": "control",
        "deleted": False,
    }


def test_threads_nest_replies_under_their_parent() -> None:
    posts = [
        _post("1", None, "alice"),
        _post("2", "1", "brand"),
        _post("3", "2", "alice"),
        _post("4", "99", "bob"),
    ]
    lines = format_thread(posts)
    prefixes = ["1  ", "└ 2  ", "  └ 3  ", "4  "]
    assert all(line.startswith(prefix) for line, prefix in zip(lines, prefixes, strict=True)), lines
    assert lines[3].endswith("@bob (reply to 99): text 4")
