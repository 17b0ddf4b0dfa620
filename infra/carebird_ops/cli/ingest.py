"""`carebird mentions` and `carebird dms` (what ingestion stored), `carebird poll` (one poll run)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from carebird.brands import Brand, InvalidBrand
from carebird.ingest.model import Feed, IngestedDm, IngestedMention
from carebird.storage.ingest import DynamoIngestStore
from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import TABLE_HELP, aws_target, target_options

# A poll runs for its budget (50 s by default) plus a brand's last page chain.
INVOKE_TIMEOUT_SECONDS = 900


def register(sub: argparse._SubParsersAction) -> None:
    common = target_options()

    mentions = sub.add_parser("mentions", parents=[common], help="mentions stored by ingestion, newest first")
    mentions.add_argument("--brand", metavar="HANDLE", help="only this brand's mentions")
    mentions.add_argument("--limit", type=int, default=50, help="at most this many per brand (default 50)")
    mentions.add_argument("--json", action="store_true", help="print JSON")
    mentions.add_argument(
        "--unreadable", action="store_true", help="only posts X sent that could not be read (stored raw)"
    )
    mentions.add_argument("--table", help=TABLE_HELP)
    mentions.set_defaults(func=cmd_mentions)

    dms = sub.add_parser("dms", parents=[common], help="DMs stored by ingestion, newest first")
    dms.add_argument("--brand", metavar="HANDLE", help="only this brand's DMs")
    dms.add_argument("--limit", type=int, default=50, help="at most this many per brand (default 50)")
    dms.add_argument("--json", action="store_true", help="print JSON")
    dms.add_argument("--table", help=TABLE_HELP)
    dms.set_defaults(func=cmd_dms)

    poll = sub.add_parser("poll", parents=[common], help="invoke the poll function once and print its counts")
    poll.add_argument(
        "--function-name", help="the deployed poll function (default: the local stack's PollFunction)"
    )
    poll.add_argument("--json", action="store_true", help="print the function's result as JSON")
    poll.set_defaults(func=cmd_poll)


def mention_row(stored: IngestedMention, handle: str) -> dict[str, Any]:
    post = stored.mention
    return {
        "id": post.id,
        "brand": handle,
        "author": post.author.username or post.author.id,
        "author_id": post.author.id,
        "text": post.text,
        "created_at": post.created_at.isoformat(),
        "status": stored.status.value,
        "skip_reason": stored.skip_reason.value if stored.skip_reason else post.unreadable,
    }


def dm_row(stored: IngestedDm, handle: str) -> dict[str, Any]:
    event = stored.dm
    return {
        "id": event.id,
        "brand": handle,
        "author": event.sender.username or event.sender.id,
        "author_id": event.sender.id,
        "text": event.text,
        "created_at": event.created_at.isoformat(),
        "dm_conversation_id": event.dm_conversation_id,
        "status": stored.status.value,
        "skip_reason": stored.skip_reason.value if stored.skip_reason else None,
    }


def cmd_mentions(args: argparse.Namespace) -> int:
    store = _store(args)

    def listing(brand_id: str, limit: int) -> list[IngestedMention]:
        if args.unreadable:
            return store.list_unreadable(brand_id, limit)
        return store.list_messages(brand_id, Feed.MENTIONS, limit)

    rows = _rows(args, store, lambda b: [mention_row(m, b.handle) for m in listing(b.id, args.limit)])
    return _print_rows(args, rows, "no mentions stored yet")


def cmd_dms(args: argparse.Namespace) -> int:
    store = _store(args)
    rows = _rows(
        args, store, lambda b: [dm_row(d, b.handle) for d in store.list_messages(b.id, Feed.DMS, args.limit)]
    )
    return _print_rows(args, rows, "no DMs stored yet")


def _store(args: argparse.Namespace) -> DynamoIngestStore:
    target = aws_target(args)
    return DynamoIngestStore(target.resource("CarebirdTable", args.table, "--table"))


def _rows(
    args: argparse.Namespace, store: DynamoIngestStore, rows_of: Callable[[Brand], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    try:
        if args.brand:
            brand = store.brands.find_brand(args.brand)
            if brand is None:
                raise CliError(f"no brand @{args.brand.removeprefix('@')}; see `carebird brand list`")
            brands = [brand]
        else:
            brands = store.list_brands().brands
        rows = [row for b in brands for row in rows_of(b)]
    except InvalidBrand as exc:
        raise CliError(str(exc)) from None
    except (PynamoDBException, BotoCoreError) as exc:
        raise CliError(f"cannot read the table: {exc}") from None
    rows.sort(key=lambda r: (r["created_at"], int(r["id"])), reverse=True)
    return rows


def _print_rows(args: argparse.Namespace, rows: list[dict[str, Any]], none: str) -> int:
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(none)
    for r in rows:
        status = r["status"] + (f" ({r['skip_reason']})" if r["skip_reason"] else "")
        text = " ".join(r["text"].split())
        print(f"{r['created_at']}  @{r['brand']}  {r['id']}  @{r['author']}  [{status}]  {text}")
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    target = aws_target(args)
    function = target.resource("PollFunction", args.function_name, "--function-name")
    client = lambda_client()
    try:
        response = client.invoke(
            FunctionName=function,
            InvocationType="RequestResponse",
            Payload=json.dumps({"source": "carebird.cli"}).encode(),
        )
    except (ClientError, BotoCoreError) as exc:
        raise CliError(f"cannot invoke {function}: {exc}") from None
    body = response["Payload"].read().decode() or "null"
    try:
        result = json.loads(body)
    except ValueError:
        result = body
    if response.get("FunctionError"):
        message = result.get("errorMessage", body) if isinstance(result, dict) else body
        raise CliError(f"{function} failed: {message}")
    if args.json or not isinstance(result, dict):
        print(json.dumps(result, indent=2))
    else:
        print("  ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def lambda_client() -> Any:
    # One attempt: a poll is idempotent, but a silent retry would hide how long the first one took.
    config = Config(read_timeout=INVOKE_TIMEOUT_SECONDS, retries={"max_attempts": 1, "mode": "standard"})
    return boto3.client("lambda", config=config)
