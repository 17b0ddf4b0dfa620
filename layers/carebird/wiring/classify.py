"""Wiring for the Classify function: one classifier per set of brand models, and the brand read from the
table for the executions that do not carry its settings. Nothing here runs at import.

The triage execution's input carries what Classify reads of the brand (carebird.triage.classify), so the
function's cold start loads no DynamoDB code (PynamoDB, with the botocore it needs), nor the settings
model (pydantic): only an execution started without them (by the release before, or for a brand whose
settings were invalid at its hand-off) loads them, on its first call to `brand`. bench-coldstart
measures the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from carebird.classifier import MentionClassifier
from carebird.classifier import classifier_for as _classifier_for

if TYPE_CHECKING:
    from carebird.adapters.aws.s3 import S3ModelObjects
    from carebird.brands import Brand
    from carebird.storage.brands import DynamoBrandRepository
    from carebird.wiring.settings import FunctionSettings


@lru_cache(maxsize=1)
def classify_settings() -> FunctionSettings:
    from carebird.wiring.settings import FunctionSettings, load_settings  # pydantic: for the brand's read

    return load_settings(FunctionSettings, "classify function environment")


@lru_cache(maxsize=1)
def brand_repository() -> DynamoBrandRepository:
    from carebird.storage.brands import DynamoBrandRepository  # PynamoDB: only for an input without them

    return DynamoBrandRepository(classify_settings().table_name)


def brand(brand_id: str) -> Brand | None:
    """The brand as stored now, for an execution whose input does not carry its settings."""
    return brand_repository().get_brand(brand_id)


@lru_cache(maxsize=1)
def model_objects() -> S3ModelObjects:
    from carebird.adapters.aws.s3 import S3ModelObjects  # boto3, only for a brand with a model in S3

    return S3ModelObjects()


@lru_cache(maxsize=32)
def _classifier(sources: tuple[str, ...]) -> MentionClassifier:
    return _classifier_for(sources, model_objects())


def classifier_for(sources: Sequence[str]) -> MentionClassifier:
    """One classifier per set of model sources, kept while the sandbox is warm (models load once)."""
    return _classifier(tuple(sources))
