"""The package's log lines: Powertools' JSON, without the Lambda context keys that repeat the log stream's
own name (CloudWatch Logs bills each byte), with the keys that tell one invocation from another."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from carebird.observability import REPEATED_CONTEXT_KEYS, logger
from tests.support.lambda_context import LambdaContextStub


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the package's logger writes, through its own formatter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield out
    finally:
        logger.removeHandler(handler)


def test_a_line_keeps_the_invocation_and_drops_what_its_stream_says(lines: io.StringIO) -> None:
    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, object], context: LambdaContextStub) -> None:
        logger.info("poll finished", extra={"brand_id": "b1"})

    handler({}, LambdaContextStub(function_name="carebird-PollFunction"))

    line = json.loads(lines.getvalue().strip().splitlines()[-1])
    assert line["message"] == "poll finished"
    assert line["level"] == "INFO"
    assert line["function_request_id"] == LambdaContextStub.aws_request_id
    assert line["cold_start"] in (True, False)
    assert line["brand_id"] == "b1"
    assert not set(REPEATED_CONTEXT_KEYS) & set(line)
