"""What the classifier reads its brands' trained models through. Adapter: carebird.adapters.aws.s3."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol


class ModelUnavailable(Exception):
    """The model could not be read (missing file, S3 error); the message names the source."""


class ModelObjects(Hashable, Protocol):  # hashable: the loaded models are cached per source and reader
    def read(self, bucket: str, key: str) -> bytes:
        """The stored object's bytes (a model at s3://bucket/key). Raises ModelUnavailable, naming the
        source, when it cannot be read."""
        ...
