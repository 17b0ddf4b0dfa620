"""Brands' trained models read from S3: through the client once per process, a missing object a named
ModelUnavailable (on moto), and an s3:// source without an S3 reader unavailable, not a crash."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.aws.s3 import S3ModelObjects
from carebird.classifier import ModelUnavailable, clear_model_cache, load_model
from tests.support.classifier_data import make_examples

# Models are made by the dev extra's trainer: without scikit-learn there is nothing to read.
pytest.importorskip("sklearn")

from carebird_ops.training import fit_text_model


@pytest.fixture
def examples() -> tuple[list[str], list[str]]:
    return make_examples(30, seed=1)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_model_cache()
    yield
    clear_model_cache()


class _FakeS3:
    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects
        self.calls = 0

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls += 1
        return {"Body": BytesIO(self.objects[(Bucket, Key)])}


def test_load_model_reads_s3_uris_through_the_client(examples) -> None:
    s3 = _FakeS3({("models", "brand/sentiment-v2.model"): fit_text_model(*examples).to_bytes()})
    objects = S3ModelObjects(client=s3)
    model = load_model("s3://models/brand/sentiment-v2.model", objects)
    assert model.predict("refund my ticket").label == "refunds"
    load_model("s3://models/brand/sentiment-v2.model", objects)
    assert s3.calls == 1


def test_a_model_in_a_bucket_is_read_and_a_missing_one_is_named(
    monkeypatch: pytest.MonkeyPatch, examples
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="models")
        client.put_object(Bucket="models", Key="acme/skill.model", Body=fit_text_model(*examples).to_bytes())
        objects = S3ModelObjects()
        assert (
            load_model("s3://models/acme/skill.model", objects).predict("where is my bag").label == "baggage"
        )
        with pytest.raises(ModelUnavailable, match=r"^s3://models/acme/gone\.model: .*NoSuchKey"):
            load_model("s3://models/acme/gone.model", objects)


def test_an_s3_source_without_a_reader_is_unavailable() -> None:
    with pytest.raises(ModelUnavailable, match=r"^s3://models/a\.model: no S3 reader"):
        load_model("s3://models/a.model")
    with pytest.raises(ModelUnavailable, match="expected s3://bucket/key"):
        load_model("s3://models", S3ModelObjects(client=_FakeS3({})))
