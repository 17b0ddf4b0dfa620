"""The brand registry on moto and DynamoDB Local: brands are data, and bad data says which field is bad."""

from __future__ import annotations

import pytest

from carebird.brands import Brand, InvalidBrand
from carebird.storage.brands import DynamoBrandRepository
from tests.integration.storage.conftest import Engine

ACME = Brand(
    handle="Acme",
    user_id="1000",
    credentials_secret="carebird/prod/x/acme",
    settings={"skills": ["billing", "shipping"], "sla": {"first_response_minutes": 30}},
)
GLOBEX = Brand(
    handle="globex", user_id="2000", credentials_secret="carebird/prod/x/globex", poll_enabled=False
)


@pytest.fixture
def repo(engine: Engine) -> DynamoBrandRepository:
    return DynamoBrandRepository(engine.table_name, host=engine.host)


def test_brands_are_stored_listed_by_handle_and_found_case_insensitively(repo: DynamoBrandRepository) -> None:
    repo.put_brand(GLOBEX)
    repo.put_brand(ACME)

    assert repo.get_brand("1000") == ACME
    assert repo.find_brand("@ACME") == ACME
    assert repo.find_brand("initech") is None
    listing = repo.list_brands()
    assert listing.brands == [ACME, GLOBEX] and listing.invalid == []


def test_putting_a_brand_again_replaces_its_record(repo: DynamoBrandRepository) -> None:
    repo.put_brand(ACME)
    renamed = ACME.model_copy(update={"handle": "AcmeHelp", "settings": {}})
    repo.put_brand(renamed)

    assert repo.get_brand("1000") == renamed
    assert repo.find_brand("acme") is None
    assert len(repo.list_brands().brands) == 1


def test_a_hand_edited_record_that_is_wrong_is_reported_by_field_and_the_others_still_load(
    repo: DynamoBrandRepository, engine: Engine
) -> None:
    repo.put_brand(ACME)
    common = {"pk": {"S": "BRAND#3000"}, "sk": {"S": "BRAND"}, "gsi1pk": {"S": "BRANDS"}}
    engine.client.put_item(
        TableName=engine.table_name,
        Item={**common, "gsi1sk": {"S": "initech"}, "handle": {"S": "initech"}, "user_id": {"S": "3000"}},
    )
    engine.client.put_item(
        TableName=engine.table_name,
        Item={
            "pk": {"S": "BRAND#4000"},
            "sk": {"S": "BRAND"},
            "gsi1pk": {"S": "BRANDS"},
            "gsi1sk": {"S": "umbrella"},
            "handle": {"S": "umbrella"},
            "user_id": {"S": "4000"},
            "credentials_secret": {"S": "carebird/prod/x/umbrella"},
            "poll_enabled": {"S": "yes"},
        },
    )

    listing = repo.list_brands()

    assert listing.brands == [ACME]
    messages = sorted(str(e) for e in listing.invalid)
    assert len(messages) == 2
    assert "BRAND#3000" in messages[1] and "credentials_secret" in messages[1]
    assert "poll_enabled" in messages[0]
    with pytest.raises(InvalidBrand, match="credentials_secret"):
        repo.get_brand("3000")
