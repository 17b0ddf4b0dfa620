"""Models bound to the table at run time (carebird.storage.table.bind): one class per model and endpoint
for the process, and one connection (one botocore client) for every model of the table."""

from __future__ import annotations

import pytest

from carebird.storage.case_items import CaseItem
from carebird.storage.ingest_items import MessageItem
from carebird.storage.table import bind


@pytest.fixture(autouse=True)
def endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # never the instance metadata service
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_a_model_bound_twice_is_one_class_whose_client_is_made_once() -> None:
    first, again = bind(CaseItem, "t1"), bind(CaseItem, "t1")
    assert first is again
    assert first._get_connection().connection.client is again._get_connection().connection.client


def test_every_model_of_a_table_shares_one_connection_that_knows_both_indexes() -> None:
    cases, mentions = bind(CaseItem, "t2"), bind(MessageItem, "t2")
    assert cases is not mentions
    shared = cases._get_connection()
    assert mentions._get_connection() is shared
    meta = shared.get_meta_table()
    assert {meta.get_index_hash_keyname("gsi1"), meta.get_index_hash_keyname("gsi2")} == {"gsi1pk", "gsi2pk"}


def test_another_table_or_endpoint_gets_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    here = bind(CaseItem, "t3")
    assert bind(CaseItem, "t4")._get_connection() is not here._get_connection()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2")
    moved = bind(CaseItem, "t3")
    assert moved is not here
    assert moved._get_connection().connection.client.meta.endpoint_url == "http://127.0.0.1:2"
