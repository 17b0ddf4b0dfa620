"""The `Idempotency-Key` header, on Powertools idempotency with DynamoDB.

A request with a key runs once: a retry with the same key (and the same body) gets the first answer
without running again, a retry while the first is still running gets 409, and the same key with another
body gets 422. Only final answers are kept (a reply sent, or refused by X for good): an answer that says
"try again" (X unavailable, delivery still in progress) is not, so the retry really tries again, and the
outbox (carebird.outbound) makes sure that retry never posts a part twice.

The records live in the product's table (pk IDEMPOTENCY#reply, sk the hashed key, expiring through the
table's TTL attribute `expires_at`): Powertools' DynamoDBPersistenceLayer takes the table's own key
attribute names, so no second table is needed.

Powertools' idempotency package loads boto3 with its DynamoDB layer (any of its modules does, through the
package's `__init__`), which only requests with a key need: it is imported when the first of them runs,
and the routes see this module's own `AlreadyRunning` and `KeyReused`, not Powertools' exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

KEY_PREFIX = "reply"
STATIC_PK = "IDEMPOTENCY#reply"
DEFAULT_TTL_SECONDS = 24 * 3600


class NotFinal(Exception):
    """Raised by an action whose answer must not be remembered; carries the answer to give this time."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__("not final")
        self.answer = answer


class AlreadyRunning(Exception):
    """A request with this key is still running (its first attempt has not answered yet)."""


class KeyReused(Exception):
    """This key was used for a request with another payload."""


class Once(Protocol):
    def run(
        self,
        key: str,
        payload: dict[str, Any],
        action: Callable[[], dict[str, Any]],
        context: LambdaContext | None,
    ) -> dict[str, Any]:
        """`action()`'s answer, computed once per `key`. Raises AlreadyRunning, KeyReused (same key, other
        payload); NotFinal passes through unremembered."""
        ...


def table_persistence(table_name: str) -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

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
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

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

        try:
            result: dict[str, Any] = once(request={"key": key, "payload": payload})
        except IdempotencyAlreadyInProgressError as exc:
            raise AlreadyRunning(str(exc)) from exc
        except IdempotencyValidationError as exc:
            raise KeyReused(str(exc)) from exc
        return result
