"""Case work: what agents do with cases once triage has routed them.

- `model`: who is asking (`Principal`), what they see (`QueueSummary`, `CaseDetail`, `SlaClock`,
  `ReplyView`), routing corrections and canned responses.
- `errors`: each refusal an agent can get, with a stable code (the API maps them to 4xx).
- `ports`: the stores, the outbound delivery and the workflow signal the service talks through.
- `service`: `CaseWorkService`, one method per thing an agent does: list queues and cases, read a case,
  claim and unclaim, reply, write a note, reassign, resolve, reopen, manage canned responses.
- `canned`: placeholders in canned responses, filled without evaluating anything.

Adapters: `carebird.storage.cases` and `carebird.storage.casework` (DynamoDB), `carebird.outbound`
(delivery to X),
`carebird.adapters.aws.sla_signal` (Step Functions). The HTTP surface is `carebird.agent_api`.
"""
