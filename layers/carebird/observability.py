"""The package's one Logger, Tracer and Metrics.

Powertools configures them from POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and
POWERTOOLS_LOG_LEVEL (set per function in template.yaml). Constructing them makes no AWS call; the
Tracer disables itself outside Lambda, so importing this module in tests or tools is free.

The Tracer is built when a module first imports it (`from carebird.observability import tracer`), not
with this module: it loads the X-Ray SDK (with wrapt and asyncio). A handler that makes no call worth a
subsegment (the classify function: one GetItem around CPU work) does not import it; Lambda's active
tracing still records its invocation.

The Tracer records a subsegment for every AWS call (botocore's client, which PynamoDB's calls go through
too) and for every call to X (requests, under tweepy) once a function has imported requests. Powertools'
default patches every library the X-Ray SDK supports, and so imports each of them (requests, sqlite3)
in every traced function whether it calls them or not, and recorded each DynamoDB call twice (botocore's
subsegment, and PynamoDB's around the same HTTP request).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.logging.types import LogRecord

# Keys that Powertools' inject_lambda_context puts on every line and that say nothing a line's log stream
# does not: each function logs to its own group (/aws/lambda/<function name>, which names the ARN's
# function in its account and region), and the platform's REPORT line gives the memory size. They were
# about a fifth of the application log bytes that CloudWatch Logs bills per GB ingested (make bench-cost).
# The request id, the cold start flag, the correlation id and the X-Ray trace id stay.
REPEATED_CONTEXT_KEYS = ("function_arn", "function_name", "function_memory_size")


class CompactFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines without the keys that repeat the log stream's own name."""

    def serialize(self, log: LogRecord) -> str:
        record = cast(dict[str, Any], log)
        for key in REPEATED_CONTEXT_KEYS:
            record.pop(key, None)
        return super().serialize(log)


logger = Logger(logger_formatter=CompactFormatter())
metrics = Metrics()
tracer: Tracer  # built on first import of the name (module __getattr__ below)


@lru_cache(maxsize=1)
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer
    from wrapt import register_post_import_hook

    tracer = Tracer(patch_modules=("botocore",))
    # The agent API and the follow-up function import requests only when they first call X.
    register_post_import_hook(lambda _requests: tracer.patch(("requests",)), "requests")
    return tracer


def __getattr__(name: str) -> Any:
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
