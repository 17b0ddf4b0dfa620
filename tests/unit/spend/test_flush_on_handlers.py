"""The functions that call X (poll, the agent API, follow-up) write what an invocation spent on X when it
ends (carebird.wiring.spend.flushes_x_spend): once per brand, day and kind, also when the invocation
fails; a write that fails fails nothing, is logged and counted (XSpendNotSaved), and waits for the next."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import requests

from carebird.brands import Brand
from carebird.ingest.summary import PollSummary
from carebird.observability import metrics
from carebird.sla.unanswered import Oldest
from carebird.wiring import agent_api as agent_api_wiring
from carebird.wiring import followup as followup_wiring
from carebird.wiring import spend as spend_wiring
from tests.support.carebird_table import REPO
from tests.support.lambda_context import LambdaContextStub
from tests.support.spend_fakes import CountingSpendCounters
from tests.support.x_http import CannedX

TABLE = "carebird-CarebirdTable"
BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")


def today() -> date:
    return datetime.now(UTC).date()


def spent_day(table: CountingSpendCounters, days: set[date]) -> date:
    """The one UTC day the invocations wrote their spend under: the day they ran in (two days if a
    test's invocations straddle midnight: either is right)."""
    (day,) = {day for _, day, _ in table.writes}
    assert day in days
    return day


def load_app(function: str) -> ModuleType:
    """The handler as Lambda loads it: the module file from functions/<function>/."""
    spec = importlib.util.spec_from_file_location(f"{function}_app", REPO / "functions" / function / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingSpendCounters]:
    """The spend counters the wiring builds for TABLE, in a dict; this container's pending spend fresh."""
    counters = CountingSpendCounters()
    monkeypatch.setattr(
        metrics, "namespace", "carebird"
    )  # template.yaml sets it in each function's environment
    monkeypatch.setattr(spend_wiring, "DynamoSpendCounters", lambda table_name: counters)
    monkeypatch.setattr(spend_wiring, "_pending", {})
    spend_wiring.spend_book.cache_clear()
    spend_wiring.spend_meter.cache_clear()
    yield counters
    spend_wiring.spend_book.cache_clear()
    spend_wiring.spend_meter.cache_clear()


@pytest.fixture
def emf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[], dict[str, float]]:
    """Totals per metric of the EMF documents printed so far."""

    def totals() -> dict[str, float]:
        emitted: dict[str, float] = {}
        for line in capsys.readouterr().out.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                document = json.loads(line)
                for definition in document["_aws"]["CloudWatchMetrics"]:
                    for metric in definition["Metrics"]:
                        value = document[metric["Name"]]
                        emitted[metric["Name"]] = emitted.get(metric["Name"], 0) + (
                            sum(value) if isinstance(value, list) else value
                        )
        return emitted

    return totals


def talk_to_x(pages: int, replies: int) -> None:
    """What an invocation does on X, through the meter the wiring mounts on the brand's session."""
    session = requests.Session()
    answers = [(200, {"data": [{"id": f"{i}-{j}"} for j in range(3)]}, {}) for i in range(pages)]
    session.mount("https://", CannedX(*answers, then=(201, {"data": {"id": "9"}}, {})))
    session.hooks["response"].append(spend_wiring.spend_meter(TABLE).hook_for(BRAND, owned_app=False))
    for _ in range(pages):
        session.get("https://api.x.com/2/users/1000/mentions")
    for _ in range(replies):
        session.post("https://api.x.com/2/tweets", json={"text": "@wanda on its way"})


class Poll:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.settings = SimpleNamespace()

    def run(self, invocation_id: str, remaining_seconds: float) -> PollSummary:
        talk_to_x(pages=12, replies=0)
        if self.fail:
            raise RuntimeError("the run failed after reading")
        return PollSummary(reads=36)


def invoke(function: str, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> Any:
    """Invoke one function's handler with its X work replaced by `talk_to_x`."""
    app = load_app(function)
    if function == "poll":
        monkeypatch.setattr(app, "runtime", lambda: Poll(fail))
        return app.handler({"id": "tick"}, LambdaContextStub())
    if function == "reply":  # the reconcile schedule: replies a dead invocation left in flight, sent again

        def reconcile() -> Any:
            talk_to_x(pages=0, replies=3)
            return SimpleNamespace(as_dict=lambda: {"resent": 3})

        monkeypatch.setattr(agent_api_wiring, "delivery_reconciler", lambda: SimpleNamespace(run=reconcile))
        return app.handler({"detail-type": "Scheduled Event"}, LambdaContextStub())

    def sweep() -> Any:  # follow-up: surveys sent
        talk_to_x(pages=0, replies=2)
        return SimpleNamespace(as_dict=lambda: {"sent": 2})

    monkeypatch.setattr(followup_wiring, "followup_service", lambda: SimpleNamespace(sweep=sweep))
    monkeypatch.setattr(followup_wiring, "survey_answers", lambda: SimpleNamespace(expire=lambda: 0))
    monkeypatch.setattr(
        followup_wiring, "sla_sweep_now", lambda: followup_wiring.SlaSweep(Oldest(0.0, None, 0))
    )
    return app.handler({}, LambdaContextStub())


@pytest.mark.parametrize(
    ("function", "written"),
    [
        ("poll", {"post_read": (36, 180_000)}),
        ("reply", {"post": (3, 45_000)}),
        ("followup", {"post": (2, 30_000)}),
    ],
)
def test_an_invocation_writes_its_x_spend_once_per_kind_when_it_ends(
    function: str,
    written: dict[str, tuple[int, int]],
    table: CountingSpendCounters,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    days = {today()}
    invoke(function, monkeypatch)
    day = spent_day(table, days | {today()})
    assert table.writes == [("1000", day, kind) for kind in written]  # one UpdateItem per kind
    assert table.counters == {("1000", day, kind): figures for kind, figures in written.items()}


def test_a_poll_that_fails_still_writes_what_it_spent(
    table: CountingSpendCounters, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = {today()}
    with pytest.raises(RuntimeError, match="failed after reading"):
        invoke("poll", monkeypatch, fail=True)
    day = spent_day(table, days | {today()})
    assert table.counters == {("1000", day, "post_read"): (36, 180_000)}


@pytest.mark.filterwarnings("ignore:No application metrics")  # the second run re-reads: X bills nothing new
def test_a_write_that_fails_fails_no_poll_is_counted_and_is_written_by_the_next_invocation(
    table: CountingSpendCounters, monkeypatch: pytest.MonkeyPatch, emf: Callable[[], dict[str, float]]
) -> None:
    table.failing = 1
    days = {today()}
    assert invoke("poll", monkeypatch)["reads"] == 36  # the poll's own answer, as if nothing happened
    assert table.counters == {}
    assert emf()["XSpendNotSaved"] == 1

    invoke("poll", monkeypatch)  # the next invocation reads the same posts again: X bills them once a day

    day = spent_day(table, days | {today()})
    assert table.counters == {("1000", day, "post_read"): (36, 180_000)}
    assert "XSpendNotSaved" not in emf()
