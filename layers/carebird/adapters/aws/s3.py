"""Brands' trained models in S3 (carebird.classifier.ports.ModelObjects): GetObject, its failures as
ModelUnavailable naming the s3:// source. The client is built on first use, never at import."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird.classifier.ports import ModelUnavailable


class S3ModelObjects:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    def _s3(self) -> Any:
        if self._client is None:
            self._client = boto3.client("s3")
        return self._client

    def read(self, bucket: str, key: str) -> bytes:
        try:
            body: Any = self._s3().get_object(Bucket=bucket, Key=key)["Body"]
            return bytes(body.read())
        except (BotoCoreError, ClientError) as exc:
            raise ModelUnavailable(f"s3://{bucket}/{key}: {exc}") from None
