"""Load a brand's trained model from a local path or S3, once per process."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from carebird.classifier.textmodel import InvalidModel, TextModel


class ModelUnavailable(Exception):
    """The model could not be read (missing file, S3 error); the message names the source."""


def load_model(source: str | Path) -> TextModel:
    """The model at `source`: a local path, or `s3://bucket/key`.

    Cached per process and per source, so a warm Lambda reads it once. Publish a retrained model under a
    new key (and point the brand at it) rather than overwriting one: warm instances keep what they read.
    Raises ModelUnavailable when it cannot be read and InvalidModel when it is not a carebird model.
    """
    return _load_cached(str(source))


def clear_model_cache() -> None:
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=16)
def _load_cached(source: str) -> TextModel:
    return TextModel.from_bytes(_read(source), source)


def _read(source: str) -> bytes:
    if source.startswith("s3://"):
        bucket, _, key = source.removeprefix("s3://").partition("/")
        if not bucket or not key:
            raise ModelUnavailable(f"{source}: expected s3://bucket/key")
        return _read_s3(bucket, key, source)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"{source}: {exc.strerror or exc}") from None


def _read_s3(bucket: str, key: str, source: str) -> bytes:
    # Imported here so that a process using only the built-in classifier never loads botocore.
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body: Any = _s3_client().get_object(Bucket=bucket, Key=key)["Body"]
        return bytes(body.read())
    except (BotoCoreError, ClientError) as exc:
        raise ModelUnavailable(f"{source}: {exc}") from None


@functools.cache
def _s3_client() -> Any:
    import boto3

    return boto3.client("s3")


__all__ = ["InvalidModel", "ModelUnavailable", "clear_model_cache", "load_model"]
