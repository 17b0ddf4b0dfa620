"""Load a brand's trained model from a local path or S3, once per process."""

from __future__ import annotations

import functools
from pathlib import Path

from carebird.classifier.ports import ModelObjects, ModelUnavailable
from carebird.classifier.textmodel import InvalidModel, TextModel


def load_model(source: str | Path, objects: ModelObjects | None = None) -> TextModel:
    """The model at `source`: a local path, or `s3://bucket/key` read through `objects` (the wiring
    passes carebird.adapters.aws.s3.S3ModelObjects; without it an s3:// source is unavailable).

    Cached per process, source and reader, so a warm Lambda (one reader) reads it once. Publish a
    retrained model under a new key (and point the brand at it) rather than overwriting one: warm
    instances keep what they read.
    Raises ModelUnavailable when it cannot be read and InvalidModel when it is not a carebird model.
    """
    return _load_cached(str(source), objects)


def clear_model_cache() -> None:
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=16)
def _load_cached(source: str, objects: ModelObjects | None) -> TextModel:
    return TextModel.from_bytes(_read(source, objects), source)


def _read(source: str, objects: ModelObjects | None) -> bytes:
    if source.startswith("s3://"):
        bucket, _, key = source.removeprefix("s3://").partition("/")
        if not bucket or not key:
            raise ModelUnavailable(f"{source}: expected s3://bucket/key")
        if objects is None:
            raise ModelUnavailable(f"{source}: no S3 reader is configured in this process")
        return objects.read(bucket, key)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"{source}: {exc.strerror or exc}") from None


__all__ = ["InvalidModel", "ModelObjects", "ModelUnavailable", "clear_model_cache", "load_model"]
