"""`carebird local up|down|status`: the embedded local stack (no AWS account, no Docker)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from carebird_ops.cli import CliError
from carebird_ops.local.endpoints import StackNotRunning, read_endpoints, state_dir, state_file


def register(sub: argparse._SubParsersAction) -> None:
    from carebird_ops.local.stack import DEFAULT_API_PORT, DEFAULT_AWS_PORT, DEFAULT_X_PORT

    p = sub.add_parser("local", help="run the product on the embedded local stack (no AWS, no Docker)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    up = verbs.add_parser("up", help="provision template.yaml into the local stack and serve it")
    up.add_argument(
        "--detach", action="store_true", help="run in the background; stop with `carebird local down`"
    )
    up.add_argument("--template", default=None, help="path to template.yaml (default: found from the cwd)")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument(
        "--aws-port", type=int, default=DEFAULT_AWS_PORT, help="AWS APIs (moto); 0 picks a free port"
    )
    up.add_argument("--x-port", type=int, default=DEFAULT_X_PORT, help="X API emulator; 0 picks a free port")
    up.add_argument("--api-port", type=int, default=DEFAULT_API_PORT, help="agent API; 0 picks a free port")
    up.add_argument(
        "--x-api", metavar="URL", default=None, help="use this X API instead of the built-in emulator"
    )
    up.add_argument("--x-seed", type=int, default=None, help="seed for the X emulator's fault injection")
    up.add_argument(
        "--time-scale", type=float, default=1.0, help="run schedules this many times faster (tests, demo)"
    )
    up.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter override"
    )
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for a detached stack")
    up.set_defaults(func=cmd_up)

    down = verbs.add_parser("down", help="stop the local stack started by `up`")
    down.set_defaults(func=cmd_down)

    status = verbs.add_parser("status", help="print the running stack's endpoints")
    status.set_defaults(func=cmd_status)


def _running_pid() -> int | None:
    try:
        pid = read_endpoints().pid
    except (StackNotRunning, ValueError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def cmd_up(args: argparse.Namespace) -> int:
    from carebird_ops.local.stack import LocalStack, StackError, StackOptions, describe, wait_for_state
    from carebird_ops.local.template import TemplateError, find_template

    pid = _running_pid()
    if pid is not None:
        raise CliError(f"a local stack is already running (pid {pid}); stop it with `carebird local down`")
    overrides: dict[str, str] = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"--parameter takes NAME=VALUE, got {item!r}", exit_code=2)
        overrides[name] = value
    try:
        template = find_template() if args.template is None else os.path.abspath(args.template)
    except TemplateError as exc:
        raise CliError(str(exc)) from None

    if args.detach:
        log_path = state_dir() / "stack.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        child_args = _rebuild_args(args, str(template))
        with log_path.open("w") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "carebird_ops", *child_args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            endpoints = wait_for_state(child.pid, args.timeout, log_path)
        except StackError as exc:
            raise CliError(str(exc)) from None
        print(describe(endpoints))
        print(f"  log               {log_path}")
        return 0

    from pathlib import Path

    options = StackOptions(
        template=Path(template),
        host=args.host,
        aws_port=args.aws_port,
        x_port=args.x_port,
        api_port=args.api_port,
        x_api_url=args.x_api,
        x_seed=args.x_seed,
        time_scale=args.time_scale,
        parameter_overrides=overrides,
    )
    stack = LocalStack(options)
    try:
        endpoints = stack.start()
    except (StackError, TemplateError, OSError, RuntimeError) as exc:
        stack.stop()
        raise CliError(str(exc)) from None
    print(describe(endpoints), flush=True)
    stack.run_forever()
    return 0


def _rebuild_args(args: argparse.Namespace, template: str) -> list[str]:
    out = ["local", "up", "--template", template, "--host", args.host]
    out += ["--aws-port", str(args.aws_port), "--x-port", str(args.x_port), "--api-port", str(args.api_port)]
    out += ["--time-scale", str(args.time_scale)]
    if args.x_api:
        out += ["--x-api", args.x_api]
    if args.x_seed is not None:
        out += ["--x-seed", str(args.x_seed)]
    for item in args.parameter:
        out += ["--parameter", item]
    return out


def cmd_down(args: argparse.Namespace) -> int:
    pid = _running_pid()
    if pid is None:
        state_file().unlink(missing_ok=True)
        print("no local stack is running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    state_file().unlink(missing_ok=True)
    print(f"local stack stopped (pid {pid})")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from carebird_ops.local.stack import describe

    if _running_pid() is None:
        raise CliError("no local stack is running; start it with `carebird local up`")
    print(describe(read_endpoints()))
    return 0
