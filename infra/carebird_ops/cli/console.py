"""The terminal client of the agent API: `carebird queues|cases|case|claim|unclaim|reply|note|reassign|
resolve|reopen|closed|restore|like|follow`.

They act as the agent signed in with `carebird agent login` (or with --token / $CAREBIRD_TOKEN), against
the local stack's agent API or --api / $CAREBIRD_API_URL (the stack output AgentApiUrl on AWS).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from carebird_ops.agent_auth import AuthError, load_session, refresh, save_session
from carebird_ops.agent_client import AgentApiClient, ApiError
from carebird_ops.cli import CliError
from carebird_ops.local.endpoints import StackNotRunning, read_endpoints

API_ENV = "CAREBIRD_API_URL"
TOKEN_ENV = "CAREBIRD_TOKEN"


def local_api_url() -> str | None:
    try:
        return read_endpoints().agent_api
    except StackNotRunning:
        return None


def register(sub: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api", help=f"the agent API's URL (default: ${API_ENV}, the session's, the local stack's)"
    )
    common.add_argument(
        "--token", help=f"an ID token (default: ${TOKEN_ENV}, else the `agent login` session)"
    )
    common.add_argument("--json", action="store_true", help="print the API's JSON")

    def command(name: str, help: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common], help=help)
        parser.set_defaults(func=func)
        return parser

    command("queues", "your queues: open, waiting, oldest waiting, at risk", cmd_queues)
    cases = command("cases", "cases in your queues, soonest SLA due first", cmd_cases)
    cases.add_argument("--queue")
    cases.add_argument("--status", choices=["queued", "assigned", "pending_customer", "resolved", "closed"])
    cases.add_argument("--assignee", help="an agent id")
    cases.add_argument("--mine", action="store_true", help="only the cases you hold")
    cases.add_argument("--limit", type=int, default=50)

    command("case", "one case: thread, customer, classification, SLA", cmd_case).add_argument("case_id")
    command("claim", "claim a case (fails naming the holder if someone has it)", cmd_claim).add_argument(
        "case_id"
    )
    command("unclaim", "give a case back to its queue", cmd_unclaim).add_argument("case_id")

    reply = command("reply", "reply on X (a long reply becomes a numbered thread)", cmd_reply)
    reply.add_argument("case_id")
    reply.add_argument("text", nargs="?", help="what to send (or --canned)")
    reply.add_argument("--dm", action="store_true", help="by direct message instead of in the thread")
    reply.add_argument("--canned", metavar="ID", help="send this canned response")
    reply.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="canned placeholder")
    reply.add_argument(
        "--idempotency-key",
        "--key",
        dest="key",
        help="Idempotency-Key (default: a new one, printed; pass it again to retry the same reply, which is "
        "then never sent twice)",
    )

    note = command("note", "add an internal note", cmd_note)
    note.add_argument("case_id")
    note.add_argument("text")

    reassign = command("reassign", "move a case to a queue or an agent", cmd_reassign)
    reassign.add_argument("case_id")
    target = reassign.add_mutually_exclusive_group(required=True)
    target.add_argument("--queue")
    target.add_argument("--agent")
    reassign.add_argument("--reason", default="")

    resolve = command(
        "resolve", "resolve one case, or a batch (the acknowledge lane's thank-yous)", cmd_resolve
    )
    resolve.add_argument("case_ids", nargs="+", metavar="case_id")
    resolve.add_argument("--reason", default="")
    for name, func, help in (
        ("reopen", cmd_reopen, "reopen a case"),
        ("restore", cmd_restore, "undo an automatic close: route the case (kept as a correction)"),
    ):
        parser = command(name, help, func)
        parser.add_argument("case_id")
        parser.add_argument("--reason", default="")
    closed = command("closed", "cases triage closed automatically (sure spam), newest first", cmd_closed)
    closed.add_argument("--limit", type=int, default=50)
    command("like", "like the customer's post on X (acknowledge praise)", cmd_like).add_argument("case_id")
    command(
        "follow", "follow the customer on X (they asked to DM), then reply with --dm", cmd_follow
    ).add_argument("case_id")


def client(args: argparse.Namespace) -> AgentApiClient:
    token = args.token or os.environ.get(TOKEN_ENV)
    api = args.api or os.environ.get(API_ENV)
    if token:
        api = api or local_api_url()
        if api is None:
            raise CliError(f"which API? pass --api or set ${API_ENV}")
        return AgentApiClient(api, token)
    try:
        session = load_session()
    except AuthError as exc:
        raise CliError(str(exc)) from None
    if session is None:
        raise CliError("sign in first: carebird agent login --id YOUR_AGENT_ID")
    holder = {"session": session}

    def current_token() -> str:
        if holder["session"].expired():
            try:
                holder["session"] = refresh(holder["session"])
            except AuthError as exc:
                raise CliError(str(exc)) from None
            save_session(holder["session"])
        return holder["session"].id_token

    return AgentApiClient(api or session.api_url, current_token)


def _call(args: argparse.Namespace, action: Callable[[AgentApiClient], Any]) -> Any:
    try:
        return action(client(args))
    except ApiError as exc:
        holder = (exc.body or {}).get("error", {}).get("holder") if isinstance(exc.body, dict) else None
        extra = f" (held by {holder})" if holder and holder not in exc.message else ""
        raise CliError(f"{exc.message}{extra} [{exc.status} {exc.code}]") from None
    except requests.ConnectionError as exc:
        raise CliError(f"cannot reach the agent API: {exc}") from None


def _out(args: argparse.Namespace, data: Any, text: Callable[[Any], str]) -> int:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text(data))
    return 0


def _age(seconds: float) -> str:
    seconds = abs(int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def _due(value: str | None) -> str:
    if not value:
        return "-"
    left = (datetime.fromisoformat(value) - datetime.now(UTC)).total_seconds()
    return f"in {_age(left)}" if left >= 0 else f"LATE {_age(left)}"


def cmd_queues(args: argparse.Namespace) -> int:
    queues = _call(args, lambda c: c.queues())

    def text(rows: list[dict[str, Any]]) -> str:
        lines = [f"{'queue':<14} {'open':>4} {'free':>4} {'wait':>4} {'oldest':>7} {'risk':>4} {'late':>4}"]
        for q in rows:
            oldest = _age(q["oldest_waiting_seconds"]) if q["oldest_waiting_seconds"] is not None else "-"
            lines.append(
                f"{q['queue']:<14} {q['open']:>4} {q['unassigned']:>4} {q['awaiting_first_response']:>4} "
                f"{oldest:>7} {q['at_risk']:>4} {q['breached']:>4}"
            )
        return "\n".join(lines)

    return _out(args, queues, text)


def cmd_cases(args: argparse.Namespace) -> int:
    assignee = "me" if args.mine else args.assignee
    found = _call(
        args, lambda c: c.cases(queue=args.queue, status=args.status, assignee=assignee, limit=args.limit)
    )

    def text(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "no cases"
        return "\n".join(
            f"{c['priority']}  {c['id']:<28} {c['status']:<16} {c['queue']:<12} "
            f"@{c['customer']['username']:<14} {c['assignee'] or '-':<10} due {_due(c['first_response_due'])}"
            for c in rows
        )

    return _out(args, found, text)


def describe_case(case: dict[str, Any]) -> str:
    customer = case["customer"]
    sla = case["sla"]
    lines = [
        f"case {case['id']}  {case['priority']}  {case['status']}  queue {case['queue']}  "
        f"held by {case['assignee'] or 'nobody'}",
        f"customer @{customer['username']} ({customer['name'] or '-'}), {customer['followers']} followers"
        + (", verified" if customer["verified"] else ""),
        f"first response: {sla['state']}, due {sla['due_at'] or '-'}"
        + (f", answered {sla['stopped_at']}" if sla.get("stopped_at") else ""),
        "why:",
        *[f"  {r['kind']}: {r['value']} ({r['reason']})" for r in case["reasons"]],
        "thread:",
    ]
    for m in case["thread"]:
        who = {
            "in": f"@{customer['username']}",
            "out": f"{m['author_id']} ->",
            "note": f"{m['author_id']} (note)",
        }
        status = ""
        if m.get("delivery"):
            d = m["delivery"]
            status = f"  [{d['status']}{' ' + ','.join(d['x_ids']) if d['x_ids'] else ''}]"
            if d.get("error"):
                status += f" {d['error']}"
        lines.append(
            f"  {m['created_at'][:19]} {who.get(m['direction'], '?')} {m['channel']}: {m['text']}{status}"
        )
    return "\n".join(lines)


def cmd_case(args: argparse.Namespace) -> int:
    return _out(args, _call(args, lambda c: c.case(args.case_id)), describe_case)


def cmd_claim(args: argparse.Namespace) -> int:
    case = _call(args, lambda c: c.claim(args.case_id))
    return _out(args, case, lambda c: f"claimed {c['id']} ({c['queue']}, {c['status']})")


def cmd_unclaim(args: argparse.Namespace) -> int:
    case = _call(args, lambda c: c.unclaim(args.case_id))
    return _out(args, case, lambda c: f"unclaimed {c['id']}: back in {c['queue']}")


def cmd_reply(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.canned is None):
        raise CliError("give the reply's text, or --canned ID", exit_code=2)
    variables = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep:
            raise CliError(f"--var {item!r}: expected NAME=VALUE", exit_code=2)
        variables[name] = value
    # Printed before anything is sent: if this run dies or gives up, rerunning with the same key resumes
    # the same reply instead of sending a second one.
    args.key = args.key or uuid.uuid4().hex
    print(f"Idempotency-Key: {args.key} (to retry this reply: --idempotency-key {args.key})", file=sys.stderr)
    sent = _call(
        args,
        lambda c: c.reply(
            args.case_id,
            args.text,
            canned_response_id=args.canned,
            variables=variables or None,
            channel="dm" if args.dm else None,
            idempotency_key=args.key,
        ),
    )
    return _out(
        args,
        sent,
        lambda r: (
            f"sent {r['channel']} reply {r['id']} on case {r['case_id']}: "
            f"{len(r['parts']) or 1} part(s), X ids {', '.join(r['x_ids'])}"
        ),
    )


def cmd_note(args: argparse.Namespace) -> int:
    note = _call(args, lambda c: c.note(args.case_id, args.text))
    return _out(args, note, lambda n: f"note {n['id']} added")


def cmd_reassign(args: argparse.Namespace) -> int:
    case = _call(
        args, lambda c: c.reassign(args.case_id, queue=args.queue, agent_id=args.agent, reason=args.reason)
    )
    return _out(args, case, lambda c: f"{c['id']} now in {c['queue']}, held by {c['assignee'] or 'nobody'}")


def cmd_resolve(args: argparse.Namespace) -> int:
    if len(args.case_ids) == 1:
        case = _call(args, lambda c: c.resolve(args.case_ids[0], args.reason))
        return _out(args, case, lambda c: f"resolved {c['id']}")
    results = _call(args, lambda c: c.resolve_many(args.case_ids, args.reason))
    _out(args, results, lambda r: "\n".join(f"{case_id}: {outcome}" for case_id, outcome in r.items()))
    return 0 if all(outcome == "resolved" for outcome in results.values()) else 1


def cmd_closed(args: argparse.Namespace) -> int:
    found = _call(args, lambda c: c.closed_automatically(args.limit))

    def text(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "nothing closed automatically"
        return "\n".join(
            f"{c['id']:<28} @{c['customer']:<14} {c['created_at'][:19]}  {c['text']!r}\n"
            f"    {c['closed_reason']}"
            for c in rows
        )

    return _out(args, found, text)


def cmd_restore(args: argparse.Namespace) -> int:
    case = _call(args, lambda c: c.restore(args.case_id, args.reason))
    return _out(args, case, lambda c: f"restored {c['id']}: {c['priority']} in {c['queue']}")


def cmd_like(args: argparse.Namespace) -> int:
    done = _call(args, lambda c: c.like(args.case_id))
    return _out(args, done, lambda d: f"liked post {d['post_id']} of case {d['case_id']}")


def cmd_follow(args: argparse.Namespace) -> int:
    done = _call(args, lambda c: c.follow(args.case_id))
    return _out(args, done, lambda d: f"following @{d['username']} (case {d['case_id']}): reply with --dm")


def cmd_reopen(args: argparse.Namespace) -> int:
    case = _call(args, lambda c: c.reopen(args.case_id, args.reason))
    return _out(args, case, lambda c: f"reopened {c['id']}: back in {c['queue']}")
