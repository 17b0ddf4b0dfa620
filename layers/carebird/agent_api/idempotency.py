"""The `Idempotency-Key` header, on Powertools idempotency with DynamoDB.

A request with a key runs once: a retry with the same key (and the same body) gets the first answer
without running again, a retry while the first is still running gets 409, and the same key with another
body gets 422. Only final answers are kept (a reply sent, or refused by X for good): an answer that says
"try again" (X unavailable, delivery still in progress) is not, so the retry really tries again, and the
outbox (carebird.outbound) makes sure that retry never posts a part twice.

The records live in the product's table (pk IDEMPOTENCY#reply, sk the hashed key, expiring through the
table's TTL attribute `expires_at`): Powertools' DynamoDBPersistenceLayer takes the table's own key
attribute names, so no second table is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.typing import LambdaContext

KEY_PREFIX = "reply"
STATIC_PK = "IDEMPOTENCY#reply"
DEFAULT_TTL_SECONDS = 24 * 3600


class NotFinal(Exception):
    """Raised by an action whose answer must not be remembered; carries the answer to give this time."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__("not final")
        self.answer = answer


class Once(Protocol):
    def run(
        self,
        key: str,
        payload: dict[str, Any],
        action: Callable[[], dict[str, Any]],
        context: LambdaContext | None,
    ) -> dict[str, Any]:
        """`action()`'s answer, computed once per `key`. Raises IdempotencyAlreadyInProgressError,
        IdempotencyValidationError (same key, other payload); NotFinal passes through unremembered."""
        ...


def table_persistence(table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=STATIC_PK,
        expiry_attr="expires_at",
        in_progress_expiry_attr="in_progress_expires_at",
        status_attr="idempotency_status",
        data_attr="idempotency_data",
        validation_key_attr="idempotency_validation",
    )


class PowertoolsOnce:
    def __init__(self, persistence: BasePersistenceLayer, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._persistence = persistence
        self._ttl = ttl_seconds

    def run(
        self,
        key: str,
        payload: dict[str, Any],
        action: Callable[[], dict[str, Any]],
        context: LambdaContext | None,
    ) -> dict[str, Any]:
        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self._ttl,
        )
        if context is not None:
            # A sandbox that dies mid-request frees the key when its time is up, not after the whole TTL.
            config.register_lambda_context(context)

        @idempotent_function(
            data_keyword_argument="request",
            persistence_store=self._persistence,
            config=config,
            key_prefix=KEY_PREFIX,
        )
        def once(request: dict[str, Any]) -> dict[str, Any]:
            return action()

        result: dict[str, Any] = once(request={"key": key, "payload": payload})
        return result
