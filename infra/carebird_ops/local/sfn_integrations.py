"""Step Functions' own integration (`arn:aws:states:::states:startExecution`) as AWS runs it, on moto.

moto's ASL interpreter (ported from LocalStack) leaves out one step of the Step Functions integration:
turning the state's parameters, cased as the ASL writes them (`StateMachineArn`, `Name`, `Input`), into
the API's request members (`stateMachineArn`, `name`, `input`), and the API's response back
(`ExecutionArn`, `StartDate`). Without it botocore cannot serialise the request and the Task fails with
States.Runtime. The triage workflow hands each case's clock to the SLA watch this way, so the local
stack restores that step from the service's botocore model. Only the emulator changes: the product's
ASL is what AWS runs.
"""

from __future__ import annotations

from typing import Any

import botocore.session

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )

    model = botocore.session.get_session().get_service_model("stepfunctions")
    original_parameters = StateTaskServiceSfn._normalise_parameters

    def _operation(self: Any, service_action_name: str | None) -> Any:
        action = service_action_name or self.resource.api_action
        name = next((op for op in model.operation_names if op.lower() == action.lower()), None)
        return model.operation_model(name) if name else None

    def normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        original_parameters(self, parameters, boto_service_name, service_action_name)
        operation = _operation(self, service_action_name)
        if operation is not None and operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)

    def normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        operation = _operation(self, service_action_name)
        if operation is not None and operation.output_shape is not None:
            self._from_boto_response(response, operation.output_shape)

    StateTaskServiceSfn._normalise_parameters = normalise_parameters  # type: ignore[method-assign]
    StateTaskServiceSfn._normalise_response = normalise_response  # type: ignore[method-assign]
    _installed = True
