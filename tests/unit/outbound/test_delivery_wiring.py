"""Wiring of the outbound Deliverer from the environment, and its metrics through Powertools."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from carebird.observability import metrics
from carebird.outbound.delivery import Deliverer
from carebird.outbound.model import Channel, DeliveryStatus, OutgoingReply
from carebird.wiring import delivery as service
from tests.support.ingest_fakes import FakeClock
from tests.support.outbound_fakes import BRAND, CUSTOMER_ID, FakeBrands, FakeOutbox, FakeX


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    service.outbound_deliverer.cache_clear()
    yield
    service.outbound_deliverer.cache_clear()


def test_importing_reads_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    importlib.reload(service)  # would raise if settings were read at import


def test_the_deliverer_is_built_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "carebird-CarebirdTable")
    monkeypatch.setenv("X_API_BASE_URL", "")
    monkeypatch.setenv("X_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("DELIVERY_MAX_ATTEMPTS", "2")
    deliverer = service.outbound_deliverer()
    assert isinstance(deliverer, Deliverer)
    assert (deliverer.tuning.max_attempts, deliverer.tuning.call_budget_seconds) == (2, 15.0)
    assert deliverer.metrics is metrics
    assert service.outbound_deliverer() is deliverer  # once per warm container


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "TABLE_NAME"),
        ({"TABLE_NAME": "t", "X_API_BASE_URL": "ftp://x"}, "X_API_BASE_URL"),
        ({"TABLE_NAME": "t", "DELIVERY_LEASE_SECONDS": "30"}, "DELIVERY_LEASE_SECONDS"),
    ],
)
def test_a_wrong_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name in ("TABLE_NAME", "X_API_BASE_URL", "DELIVERY_LEASE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(service.DeliverySettingsError, match=named):
        service.outbound_deliverer()


def test_metrics_reach_cloudwatch_as_emf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(metrics, "namespace", "carebird")
    clock = FakeClock()
    x = FakeX(clock)
    post = x.customer_post()
    stranger = x.customer_post("no mention here", mentions_brand=False)
    deliverer = Deliverer(FakeOutbox(), x, FakeBrands(BRAND), metrics, clock=clock.now, sleep=clock.sleep)

    def reply(reply_id: str, target: str) -> OutgoingReply:
        return OutgoingReply(
            case_id="c1",
            reply_id=reply_id,
            brand_id=BRAND.user_id,
            channel=Channel.PUBLIC,
            customer_id=CUSTOMER_ID,
            in_reply_to_tweet_id=target,
            text=" ".join(["All sorted, thanks for waiting."] * 12),
        )

    assert deliverer.deliver(reply("r1", post)).status is DeliveryStatus.DELIVERED
    assert deliverer.deliver(reply("r2", stranger)).status is DeliveryStatus.FAILED
    metrics.flush_metrics()

    emitted: dict[str, Any] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and "_aws" in line:
            emitted.update(json.loads(line))
    assert emitted["RepliesSent"] == [1.0]
    assert emitted["ReplyParts"] == [1.0, 1.0]
    assert emitted["ReplyFailures"] == [1.0]


def test_the_x_adapter_is_built_on_the_first_call_to_x_and_then_reused() -> None:
    account = FakeX(FakeClock())
    mention = account.customer_post()
    builds: list[FakeX] = []

    def build() -> FakeX:
        builds.append(account)
        return account

    x = service.XOnFirstCall(build)
    assert builds == []  # a deliverer that never calls X never loads tweepy
    reply = x.post_reply(BRAND, mention, "@customer Sorry to hear that!")
    x.like(BRAND, mention)
    assert x.follow(BRAND, CUSTOMER_ID) is True
    assert len(builds) == 1
    assert [post.id for post in account.brand_posts()] == [reply]
    assert mention in account.likes and CUSTOMER_ID in account.following
