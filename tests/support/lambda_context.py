"""A Lambda context as the runtime passes it to a handler: what Powertools' decorators read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LambdaContextStub:
    function_name: str = "carebird-Function"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    remaining_ms: int = 60_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
