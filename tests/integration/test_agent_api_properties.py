"""Property-based run of the agent API on the local stack, generated from the OpenAPI document it serves:
for every operation, requests that fit the document and requests that do not (schemathesis positive and
negative generation), sent with a supervisor's token. None may be answered with a 5xx.

Hypothesis drives schemathesis's strategies directly (its pytest plugin does not run on this pytest), with
a bounded number of examples per operation and mode so the run stays well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from carebird_ops.local.endpoints import StackEndpoints
from tests.integration.agent_desk import Desk, open_desk, stack_env

EXAMPLES = 20


@pytest.fixture(scope="module")
def desk(local_stack: StackEndpoints) -> Iterator[Desk]:
    with stack_env(local_stack):
        yield open_desk(local_stack)


def test_no_generated_request_gets_a_5xx(desk: Desk) -> None:
    schema = schemathesis.openapi.from_url(f"{desk.api}/openapi?format=json", timeout=60)
    # The token is ours, not generated: requests must get past the authorizer to reach the function.
    schema.config.generation.update(with_security_parameters=False)
    # A real case claimed by the supervisor: generated requests on it get past "no such case".
    case_id = desk.open_case(customer="itprop").id
    desk.client("it-sue").claim(case_id)
    headers = {"Authorization": desk.tokens["it-sue"]}
    failures: list[str] = []
    untestable: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            path_parameters = {"case_id": case_id} if "{case_id}" in operation.path else None
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            label = f"{operation.label} {mode.value}"
            send = _sender(strategy, desk.api, headers, label, statuses, failures)
            try:
                send()
            except Unsatisfiable:
                # Nothing to get wrong: an operation without parameters or body has no negative cases.
                assert mode is GenerationMode.NEGATIVE, operation.label
                untestable.append(operation.label)
    assert not failures, "\n".join(failures)
    assert operations >= 14
    assert statuses.get(401, 0) < sum(statuses.values()) / 10, statuses  # the requests got past the gateway
    assert not {"POST /cases/{case_id}/replies", "POST /cases/{case_id}/notes"} & set(untestable)


def _sender(
    strategy: Any,
    base_url: str,
    headers: dict[str, str],
    label: str,
    statuses: dict[int, int],
    failures: list[str],
) -> Any:
    """A hypothesis test sending each generated request; a 5xx is recorded with what was sent."""

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def send(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, timeout=60)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.append(
                f"{label}: {case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]} (body {case.body!r:.200})"
            )

    return send
