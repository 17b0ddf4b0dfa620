"""The SLA watches' task tokens kept beside the case (carebird.storage.watch_tokens), on the fake, moto and
DynamoDB Local; and what keeping them out of the case item saves, through the real serializer."""

from __future__ import annotations

import base64
import random

from carebird.brands.desk import load_triage_config
from carebird.cases.model import Case
from carebird.sla import clocks
from carebird.sla.ports import WATCH_TOKEN_PREFIX, watch_key
from carebird.storage.case_items import case_item_for
from carebird.storage.cases import DynamoCaseStore
from carebird.triage.service import TriageService
from tests.integration.storage.conftest import CaseStores
from tests.integration.storage.test_case_store import case, msg
from tests.support.triage_fakes import (
    NOW,
    FakeAgents,
    FakeCases,
    FixedPriority,
    Recorder,
    agent,
    classified,
    message,
)


def aws_like_token(chars: int, seed: int) -> str:
    """A task token as Step Functions gives it on AWS: up to 2,048 characters of random (incompressible)
    base64 text. (moto's are 36-character UUIDs.)"""
    return base64.b64encode(random.Random(seed).randbytes(chars * 3 // 4)).decode()[:chars]


def test_a_kept_token_is_read_back_by_its_clock_and_key_and_never_with_the_case(
    case_stores: CaseStores,
) -> None:
    store = case_stores.cases
    created = store.create(case(), msg())
    token = WATCH_TOKEN_PREFIX + aws_like_token(2048, 1)
    key = watch_key(token)
    store.keep_watch_token(created.id, clocks.RESOLUTION, key, token)
    store.keep_watch_token(created.id, clocks.RESOLUTION, key, token)  # a retried Await: the same item
    store.save(created.model_copy(update={"watched": {clocks.RESOLUTION: key}}))

    assert store.watch_token(created.id, clocks.RESOLUTION, key) == token
    assert store.watch_token(created.id, clocks.NEXT_RESPONSE, key) is None
    assert store.watch_token(created.id, clocks.RESOLUTION, watch_key("another")) is None
    # A stale Await's token goes under its own key: the one the case names is untouched.
    store.keep_watch_token(created.id, clocks.RESOLUTION, watch_key("stale"), "stale")
    assert store.watch_token(created.id, clocks.RESOLUTION, key) == token
    read = store.get(created.id)
    assert read is not None and read.watched == {clocks.RESOLUTION: key} and read.clock_tokens == {}
    assert token not in read.model_dump_json()


def test_a_case_saved_with_its_tokens_inside_still_reads_them(case_stores: CaseStores) -> None:
    store = case_stores.cases
    created = store.create(case(), msg())
    legacy = {clocks.RESOLUTION: aws_like_token(1500, 2)}  # as the release before wrote a case
    store.save(created.model_copy(update={"clock_tokens": legacy}))
    read = store.get(created.id)
    assert read is not None and read.clock_tokens == legacy


def case_item_bytes(store: DynamoCaseStore, stored: Case) -> int:
    """A case item's size as DynamoDB bills it: each attribute's name and value, as the store writes it."""
    item = case_item_for(store._case, stored)
    size = 0
    for name, value in item.serialize().items():
        ((kind, data),) = value.items()
        size += len(name.encode()) + (len(data) if kind == "B" else len(str(data).encode()))
    return size


def routed_case() -> Case:
    """A case as triage routes it (its decisions, classification, clocks), through the real routing."""
    cases, rec = FakeCases(), Recorder()
    triage = TriageService(
        cases, FakeAgents([agent("ana")]), FixedPriority(), clock=lambda: NOW,
        signals=rec.sla, notifier=rec, sla_metrics=rec,
    )  # fmt: skip
    routed = cases.get(triage.triage(message(), classified(), load_triage_config(None)).case_id)
    assert routed is not None
    return routed


def test_tokens_beside_the_case_keep_its_item_within_one_write_unit() -> None:
    """A routed case whose resolution and next-response clocks are watched, with tokens as long as AWS
    gives them: inside the item (the release before) a save costs three write units; with only their
    keys, one. The figures are the README's (Cost)."""
    store = DynamoCaseStore("unused", host="http://127.0.0.1:1")  # serializes only: never reached
    routed = routed_case()
    tokens = {clocks.RESOLUTION: aws_like_token(2048, 3), clocks.NEXT_RESPONSE: aws_like_token(1024, 4)}
    keys = {clock: watch_key(token) for clock, token in tokens.items()}
    plain = case_item_bytes(store, routed)
    inside = case_item_bytes(store, routed.model_copy(update={"clock_tokens": tokens}))
    beside = case_item_bytes(store, routed.model_copy(update={"watched": keys}))
    assert inside > 2 * 1024 and beside <= 1024 and beside - plain < 100, (plain, inside, beside)
