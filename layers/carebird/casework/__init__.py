"""Case work: what agents do with cases once triage has routed them.

- `model`: who is asking (`Principal`), what they see (`QueueSummary`, `CaseDetail`, `SlaClock`,
  `ReplyView`), routing corrections and canned responses.
- `errors`: each refusal an agent can get, with a stable code (the API maps them to 4xx).
- `ports`: the stores, the outbound delivery and the workflow signal the service talks through.
- `service`: `CaseWorkService`, the facade the API calls, one method per thing an agent does. Each job
  is a module of its own on one shared `context` (the ports, the clock): `access` (who asks, what they
  see), `changes` (conflict-safe updates), `queries`, `presence`, `claims`, `replies` (previews, replies,
  notes), `assignment` (reassign, routing corrections), `resolution` (resolve, reopen), `restore` (cases
  closed automatically), `engagement` (like, follow on X), `canned_library`; `views` shapes the SLA
  clocks and reply deliveries an agent sees; `reconcile` settles deliveries a dead function left.
- `canned`: placeholders in canned responses, filled without evaluating anything.

Adapters: `carebird.storage.cases` and `carebird.storage.casework` (DynamoDB), `carebird.outbound`
(delivery to X),
`carebird.adapters.aws.sla_signal` (Step Functions). The HTTP surface is `carebird.agent_api`.
"""
