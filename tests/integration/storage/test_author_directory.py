"""The author directory on the unit tests' fake, moto and DynamoDB Local: a profile per author, replaced
when read again, found only when read recently enough; in DynamoDB an item that expires by TTL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.ingest.model import Author
from carebird.storage.authors import DynamoAuthorDirectory
from tests.integration.storage.conftest import FAKE_AND_ENGINES, Engine, fake_or_adapter
from tests.support.ingest_fakes import FakeAuthorDirectory

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WANDA = Author(
    id="55", username="wanda", name="Wanda", followers_count=321, verified=True, verified_type="blue"
)
RICK = Author(id="56", username="rick")  # a profile X returned without metrics


@pytest.fixture(params=FAKE_AND_ENGINES)
def directory(
    request: pytest.FixtureRequest, aws_env: None
) -> Iterator[FakeAuthorDirectory | DynamoAuthorDirectory]:
    with fake_or_adapter(request, FakeAuthorDirectory, DynamoAuthorDirectory) as directory:
        yield directory


def test_a_remembered_profile_is_found_whole_and_an_unknown_author_is_not(
    directory: FakeAuthorDirectory | DynamoAuthorDirectory,
) -> None:
    directory.remember([WANDA, RICK], NOW)
    found = directory.profiles(["55", "56", "57"], NOW - timedelta(days=7))
    assert found == {"55": WANDA, "56": RICK}
    assert directory.profiles([], NOW) == {}


def test_a_profile_read_before_the_cutoff_is_not_found_and_a_new_read_replaces_it(
    directory: FakeAuthorDirectory | DynamoAuthorDirectory,
) -> None:
    directory.remember([WANDA], NOW - timedelta(days=8))
    assert directory.profiles(["55"], NOW - timedelta(days=7)) == {}
    renamed = WANDA.model_copy(update={"username": "wanda_w", "followers_count": 400})
    directory.remember([renamed], NOW)
    assert directory.profiles(["55"], NOW - timedelta(days=7)) == {"55": renamed}


def test_more_authors_than_one_batch_are_all_found(
    directory: FakeAuthorDirectory | DynamoAuthorDirectory,
) -> None:
    authors = [Author(id=str(1000 + i), username=f"c{i}") for i in range(130)]
    directory.remember(authors, NOW)
    found = directory.profiles([a.id for a in authors], NOW)
    assert found == {a.id: a for a in authors}


def test_a_profile_is_an_item_that_expires_by_ttl(engine: Engine) -> None:
    directory = DynamoAuthorDirectory(engine.table_name, keep_for=timedelta(days=8), host=engine.host)
    directory.remember([WANDA], NOW)
    item = engine.client.get_item(
        TableName=engine.table_name, Key={"pk": {"S": "AUTHOR#55"}, "sk": {"S": "PROFILE"}}
    )["Item"]
    assert int(item["expires_at"]["N"]) == int((NOW + timedelta(days=8)).timestamp())
    assert item["read_at"]["S"] == NOW.isoformat()
