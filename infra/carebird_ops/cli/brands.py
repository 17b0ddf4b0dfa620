"""`carebird brand add|list`: the brands this deployment serves (records in the product's table)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from carebird.brands import Brand, InvalidBrand, parse_brand
from carebird.storage.brands import DynamoBrandRepository
from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import TABLE_HELP, aws_target, target_options


def register(sub: argparse._SubParsersAction) -> None:
    common = target_options()
    common.add_argument("--table", help=TABLE_HELP)

    p = sub.add_parser("brand", help="the X accounts this deployment serves")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    add = verbs.add_parser("add", parents=[common], help="add a brand, or update the one with this user id")
    add.add_argument("--handle", required=True, help="X username of the brand, with or without @")
    add.add_argument("--user-id", required=True, help="X numeric user id of the brand account")
    add.add_argument(
        "--secret",
        required=True,
        help="Secrets Manager name or ARN holding the brand's X credentials as JSON "
        "(consumer_key, consumer_secret, access_token, access_token_secret, bearer_token); "
        "deployed functions may read carebird/<stack>/x/*",
    )
    add.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a brand setting; VALUE is JSON if it parses as JSON, else a string (repeatable)",
    )
    add.add_argument("--no-poll", action="store_true", help="store the brand but do not poll its mentions")
    add.set_defaults(func=cmd_add)

    ls = verbs.add_parser("list", parents=[common], help="list brands")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)


def parse_setting(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CliError(f"--setting {text!r}: expected KEY=VALUE")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def repository(args: argparse.Namespace) -> DynamoBrandRepository:
    target = aws_target(args)
    return DynamoBrandRepository(target.resource("CarebirdTable", args.table, "--table"))


def cmd_add(args: argparse.Namespace) -> int:
    settings = dict(parse_setting(s) for s in args.setting)
    data = {
        "handle": args.handle,
        "user_id": args.user_id,
        "credentials_secret": args.secret,
        "poll_enabled": not args.no_poll,
        "settings": settings,
    }
    try:
        brand = parse_brand(data, "brand")
    except InvalidBrand as exc:
        raise CliError(str(exc)) from None
    if brand.config.problems:  # refused here, not found later by a poll or a triage execution
        raise CliError(f"brand: settings: {'; '.join(brand.config.problems)}")
    repo = repository(args)
    try:
        existed = repo.get_brand(brand.id) is not None
    except InvalidBrand:
        existed = True  # a broken record with this id is about to be replaced by a valid one
    except (PynamoDBException, BotoCoreError) as exc:
        raise CliError(f"cannot read the table: {exc}") from None
    try:
        repo.put_brand(brand)
    except (PynamoDBException, BotoCoreError) as exc:
        raise CliError(f"cannot write the brand: {exc}") from None
    print(f"{'updated' if existed else 'added'} @{brand.handle} (user id {brand.user_id})")
    _warn_if_secret_missing(brand)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        listing = repository(args).list_brands()
    except (PynamoDBException, BotoCoreError) as exc:
        raise CliError(f"cannot read brands: {exc}") from None
    for invalid in listing.invalid:
        print(f"warning: {invalid}", file=sys.stderr)
    if args.json:
        print(json.dumps([b.model_dump(mode="json") for b in listing.brands], indent=2))
        return 0
    if not listing.brands:
        print("no brands; add one with `carebird brand add --handle H --user-id ID --secret NAME`")
        return 0
    rows: list[tuple[str, ...]] = [("HANDLE", "USER ID", "POLL", "SECRET", "SETTINGS")]
    for b in listing.brands:
        settings = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(b.settings.items())) or "-"
        poll = "on" if b.poll_enabled else "off"
        rows.append((f"@{b.handle}", b.user_id, poll, b.credentials_secret, settings))
    _print_table(rows)
    return 0


def _warn_if_secret_missing(brand: Brand) -> None:
    try:
        boto3.client("secretsmanager").describe_secret(SecretId=brand.credentials_secret)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(
                f"warning: secret {brand.credentials_secret!r} does not exist yet; polling @{brand.handle} "
                "fails until it holds the brand's X credentials",
                file=sys.stderr,
            )
    except BotoCoreError:
        pass  # the brand is stored; whether the secret is readable is the poll's to report


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
