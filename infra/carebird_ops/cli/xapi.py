"""`carebird x ...`: act on the X API emulator as customers would, and inspect what the product did."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any

from carebird_ops.cli import CliError

URL_ENV = "CAREBIRD_X_API_URL"

RULE_HELP = (
    'MATCH [KEY=VALUE ...], e.g. "GET /2/users/*/mentions error=0.2 429=0.1 drop=0.05 latency=250@0.5". '
    "MATCH is *, an operation name (getUsersMentions) or a path glob with an optional method. "
    "Keys: error=P, status=500,503, 429=P, drop=P, latency=MS[@P]."
)


def parse_rule(text: str) -> dict[str, Any]:
    """A fault rule from the command line's compact form into the control API's JSON form."""
    tokens = shlex.split(text)
    match_parts = [t for t in tokens if "=" not in t]
    rule: dict[str, Any] = {"match": " ".join(match_parts) or "*"}
    try:
        for token in tokens:
            if "=" not in token:
                continue
            key, _, value = token.partition("=")
            key = key.strip().lower()
            if key in ("error", "errors", "5xx"):
                rule["error_p"] = float(value)
            elif key in ("status", "statuses"):
                rule["error_statuses"] = [int(s) for s in value.split(",")]
            elif key in ("429", "rate_limit", "ratelimit", "throttle"):
                rule["rate_limit_p"] = float(value)
            elif key in ("param", "with_param"):  # only requests carrying it: param=until_id
                rule["with_param"] = value
            elif key == "drop":
                rule["drop_p"] = float(value)
            elif key == "latency":
                ms, _, prob = value.removesuffix("ms").partition("@")
                rule["latency_ms"] = int(ms.removesuffix("ms"))
                rule["latency_p"] = float(prob) if prob else 1.0
            else:
                raise argparse.ArgumentTypeError(f"unknown fault key {key!r} in {text!r}")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad fault rule {text!r}: {exc}") from None
    for key in ("error_p", "rate_limit_p", "drop_p", "latency_p"):
        if key in rule and not 0.0 <= rule[key] <= 1.0:
            raise argparse.ArgumentTypeError(f"{key} must be a probability in [0, 1] in {text!r}")
    return rule


def register(sub: argparse._SubParsersAction) -> None:
    url = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: --url may come before or after the verb without one erasing the other.
    url_help = f"emulator base URL (default: ${URL_ENV}, then the running local stack)"
    url.add_argument("--url", default=argparse.SUPPRESS, help=url_help)
    p = sub.add_parser("x", help="the X API emulator: post as customers, see replies, inject faults, stats")
    p.add_argument("--url", default=None, help=url_help)
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    post = verbs.add_parser("post", parents=[url], help="post as a user (created if missing); prints the id")
    post.add_argument("--as", dest="author", required=True, metavar="USERNAME")
    post.add_argument("text", nargs="?", default="", help="the post's text (omit with --retweet)")
    post.add_argument("--reply-to", metavar="POST_ID")
    post.add_argument("--quote", metavar="POST_ID")
    post.add_argument("--retweet", metavar="POST_ID")
    post.add_argument("--lang", help="BCP47 language (default: guessed from the text)")
    post.add_argument("--json", action="store_true", help="print the whole post as JSON")
    post.set_defaults(func=_post)

    user = verbs.add_parser("user", help="emulated X accounts")
    user_verbs = user.add_subparsers(dest="user_verb", required=True, metavar="ACTION")
    add = user_verbs.add_parser("add", parents=[url], help="create an account")
    add.add_argument("username")
    add.add_argument("--name")
    add.add_argument("--followers", type=int, default=0)
    add.add_argument("--following", type=int, default=0)
    add.add_argument("--verified", action="store_true")
    add.add_argument("--protected", action="store_true")
    add.add_argument("--no-dms", dest="accepts_dms", action="store_false", help="does not accept DMs")
    add.add_argument("--description", default="")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=_user_add)
    listing = user_verbs.add_parser("list", parents=[url], help="list accounts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_user_list)

    dm = verbs.add_parser("dm", parents=[url], help="send a DM as a user; prints the event id")
    dm.add_argument("--as", dest="sender", required=True, metavar="USERNAME")
    dm.add_argument("--to", dest="recipient", required=True, metavar="USERNAME")
    dm.add_argument("text")
    dm.set_defaults(func=_dm)

    posts = verbs.add_parser("posts", parents=[url], help="what is on the emulator, threaded")
    posts.add_argument("--author", metavar="USERNAME")
    posts.add_argument("--mentions", metavar="USERNAME", help="only posts that mention this user")
    posts.add_argument("--deleted", action="store_true", help="include deleted posts")
    posts.add_argument("--json", action="store_true")
    posts.set_defaults(func=_posts)

    dms = verbs.add_parser("dms", parents=[url], help="direct messages on the emulator")
    dms.add_argument("--user", metavar="USERNAME")
    dms.add_argument("--json", action="store_true")
    dms.set_defaults(func=_dms)

    faults = verbs.add_parser("faults", parents=[url], help="show or set seeded fault injection")
    faults.add_argument("--seed", type=int)
    faults.add_argument(
        "--rule", dest="rules", action="append", type=parse_rule, default=None, help=RULE_HELP
    )
    faults.add_argument("--clear", action="store_true", help="remove every rule")
    faults.add_argument("--json", action="store_true")
    faults.set_defaults(func=_faults)

    stats = verbs.add_parser("stats", parents=[url], help="requests and posts read, per endpoint and token")
    stats.add_argument("--reset", action="store_true", help="zero the counters after printing them")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=_stats)

    creds = verbs.add_parser("creds", parents=[url], help="credentials for the product or a tweepy.Client")
    creds.add_argument("--user", metavar="USERNAME", help="include this user's access token")
    creds.add_argument("--app", default="carebird")
    creds.set_defaults(func=_creds)

    clock = verbs.add_parser("clock", parents=[url], help="show or move the emulator's clock")
    clock.add_argument("--advance", type=float, metavar="SECONDS")
    clock.add_argument("--set", dest="set_to", metavar="ISO8601")
    clock.set_defaults(func=_clock)

    serve = verbs.add_parser("serve", help="run an emulator in the foreground (no local stack needed)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--seed", type=int)
    serve.set_defaults(func=_serve)


def emulator_url(args: argparse.Namespace) -> str:
    if getattr(args, "url", None):
        return str(args.url)
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    from carebird_ops.local.endpoints import StackNotRunning, read_endpoints

    try:
        return read_endpoints().x_api
    except StackNotRunning as exc:
        raise CliError(f"{exc}; or pass --url or set {URL_ENV}") from None


def _with_client(action: Callable[[Any, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from carebird_ops.xemu.client import EmulatorClient, EmulatorClientError

        client = EmulatorClient(emulator_url(args))
        try:
            return action(client, args)
        except EmulatorClientError as exc:
            raise CliError(str(exc)) from None

    return run


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


@_with_client
def _post(client: Any, args: argparse.Namespace) -> int:
    if not args.text and not args.retweet:
        raise CliError("give the post's text (or --retweet POST_ID)")
    post = client.post(
        args.author,
        args.text,
        in_reply_to=args.reply_to,
        quote_of=args.quote,
        retweet_of=args.retweet,
        lang=args.lang,
    )
    if args.json:
        _print_json(post)
    else:
        print(post["id"])
    return 0


@_with_client
def _user_add(client: Any, args: argparse.Namespace) -> int:
    user = client.create_user(
        args.username,
        name=args.name,
        followers=args.followers,
        following=args.following,
        verified=args.verified,
        protected=args.protected,
        accepts_dms=args.accepts_dms,
        description=args.description,
    )
    if args.json:
        _print_json(user)
    else:
        print(f"@{user['username']} id={user['id']}")
        print(f"access_token={user['access_token']} access_token_secret={user['access_token_secret']}")
    return 0


@_with_client
def _user_list(client: Any, args: argparse.Namespace) -> int:
    users = client.users()
    if args.json:
        _print_json(users)
        return 0
    for u in users:
        marks = (("verified", u["verified"]), ("protected", u["protected"]), ("no-dms", not u["accepts_dms"]))
        flags = [name for name, on in marks if on]
        print(
            f"{u['id']}  @{u['username']:<15}  followers={u['followers_count']:<8} {' '.join(flags)}".rstrip()
        )
    return 0


@_with_client
def _dm(client: Any, args: argparse.Namespace) -> int:
    print(client.dm(args.sender, args.recipient, args.text)["id"])
    return 0


def format_thread(posts: Sequence[dict[str, Any]]) -> list[str]:
    """Posts as reply trees: each reply indented under the post it answers."""
    by_id = {p["id"]: p for p in posts}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for p in posts:
        parent = p["in_reply_to_tweet_id"] if p["in_reply_to_tweet_id"] in by_id else None
        children.setdefault(parent, []).append(p)
    lines: list[str] = []

    def walk(post: dict[str, Any], depth: int) -> None:
        notes = []
        if post["retweet_of"]:
            notes.append(f"retweet of {post['retweet_of']}")
        if post["quote_of"]:
            notes.append(f"quotes {post['quote_of']}")
        if post["in_reply_to_tweet_id"] and depth == 0:
            notes.append(f"reply to {post['in_reply_to_tweet_id']}")
        if post["source"] != "control":
            notes.append(post["source"])
        if post["deleted"]:
            notes.append("deleted")
        prefix = "  " * (depth - 1) + "└ " if depth else ""
        when = post["created_at"].replace("T", " ")[:19]
        text = " ".join(post["text"].split())
        note = f" ({', '.join(notes)})" if notes else ""
        lines.append(f"{prefix}{post['id']}  {when}  @{post['author']}{note}: {text}")
        for child in children.get(post["id"], []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return lines


@_with_client
def _posts(client: Any, args: argparse.Namespace) -> int:
    posts = client.posts(author=args.author, mentions=args.mentions, include_deleted=args.deleted)
    if args.json:
        _print_json(posts)
        return 0
    lines = format_thread(posts)
    print("\n".join(lines) if lines else "no posts")
    return 0


@_with_client
def _dms(client: Any, args: argparse.Namespace) -> int:
    events = client.dms(user=args.user)
    if args.json:
        _print_json(events)
        return 0
    if not events:
        print("no direct messages")
    for e in events:
        other = [p for p in e["participants"] if p != e["sender"]]
        when = e["created_at"].replace("T", " ")[:19]
        print(f"{e['id']}  {when}  @{e['sender']} -> @{', @'.join(other)}: {' '.join(e['text'].split())}")
    return 0


@_with_client
def _faults(client: Any, args: argparse.Namespace) -> int:
    if args.clear:
        client.clear_faults()
    if args.rules is not None or args.seed is not None:
        rules = args.rules if args.rules is not None else client.faults()["rules"]
        client.set_faults(rules, seed=args.seed)
    state = client.faults()
    if args.json:
        _print_json(state)
        return 0
    print(f"seed {state['seed']}")
    if not state["rules"]:
        print("no fault rules")
    for rule, matched in zip(state["rules"], state["matched"], strict=True):
        parts = [
            f"error={rule['error_p']} status={','.join(map(str, rule['error_statuses']))}",
            f"429={rule['rate_limit_p']}",
            f"drop={rule['drop_p']}",
            f"latency={rule['latency_ms']}@{rule['latency_p']}",
        ]
        print(f"{rule['match']}: {' '.join(parts)} (matched {matched} requests)")
    injected = ", ".join(f"{k}={v}" for k, v in state["injected"].items())
    print(f"injected so far: {injected}")
    return 0


@_with_client
def _stats(client: Any, args: argparse.Namespace) -> int:
    stats = client.stats()
    if args.reset:
        client.reset_stats()
    if args.json:
        _print_json(stats)
        return 0
    totals = stats["totals"]
    print(
        f"requests {totals['requests']}, posts read {totals['posts_read']}, "
        f"users read {totals['users_read']}, DM events read {totals['dm_events_read']}"
    )
    if stats["by_endpoint_and_token"]:
        print(f"{'endpoint':<40} {'token':<32} {'requests':>8} {'posts':>7}  statuses")
    for row in stats["by_endpoint_and_token"]:
        statuses = " ".join(f"{code}x{n}" for code, n in sorted(row["statuses"].items()))
        counts = f"{row['requests']:>8} {row['posts_read']:>7}"
        print(f"{row['endpoint']:<40} {row['token']:<32} {counts}  {statuses}")
    faults = {k: v for k, v in stats["faults"].items() if v}
    if faults:
        print("faults injected: " + ", ".join(f"{k}={v}" for k, v in faults.items()))
    return 0


@_with_client
def _creds(client: Any, args: argparse.Namespace) -> int:
    _print_json(client.credentials(args.user, app=args.app))
    return 0


@_with_client
def _clock(client: Any, args: argparse.Namespace) -> int:
    if args.set_to:
        client.set_clock(args.set_to)
    if args.advance is not None:
        if args.advance < 0:
            raise CliError("--advance must not be negative")
        client.advance_clock(args.advance)
    from carebird_ops.xemu.params import rfc3339

    print(rfc3339(client.clock()))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from carebird_ops.xemu.__main__ import serve

    return serve(args.host, args.port, args.seed)
