"""Outbound delivery to X: an agent's reply reaches the customer exactly once, whole, in the right thread.

- `text`: X's weighted length, and a long reply split into a numbered thread (" 1/3" suffixes).
- `model`: `OutgoingReply` (what the agent sends), the outbox records, `DeliveryResult`.
- `delivery`: `Deliverer.deliver(reply) -> DeliveryResult`, the exactly-once procedure (read its docstring).
- `ports`: `XPublisher`, `OutboxStore`, `BrandDirectory`, `MetricsSink`.
- `errors`: X's refusals (`ReplyNotAllowed`, `DmNotAllowed`, `DuplicateContent`, ...), `ReplyConflict`.
- Adapters: `carebird.adapters.x.publisher` (`TweepyPublisher`, the XPublisher on tweepy) and
  `carebird.storage.outbox` (`DynamoOutboxStore`); `carebird.wiring.delivery.outbound_deliverer()` wires them.

Nothing is imported here, so `carebird.outbound.text` loads without tweepy.
"""
