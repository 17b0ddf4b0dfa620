"""The local stack process: moto server, X API emulator, template provisioning, Lambda runner, scheduler, API.

`carebird local up` runs `LocalStack.run()` in the foreground, or in a detached child process with
--detach; the state file it writes (carebird_ops.local.endpoints) is how the CLI, the demo and the
integration tests find it, and `carebird local down` stops it by the pid recorded there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from carebird_ops.local.endpoints import StackEndpoints, state_dir, state_file

REGION = "us-east-1"
DEFAULT_AWS_PORT = 4566
DEFAULT_X_PORT = 4567
DEFAULT_API_PORT = 4568


class StackError(RuntimeError):
    pass


@dataclass
class StackOptions:
    template: Path
    host: str = "127.0.0.1"
    aws_port: int = DEFAULT_AWS_PORT
    x_port: int = DEFAULT_X_PORT
    api_port: int = DEFAULT_API_PORT
    x_api_url: str | None = None  # another X API instead of the built-in emulator
    x_seed: int | None = None
    time_scale: float = 1.0
    parameter_overrides: dict[str, str] = field(default_factory=dict)


def ensure_port_free(host: str, port: int, what: str) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise StackError(
                f"port {port} ({what}) is already in use on {host}; free it or choose another port"
            ) from None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self._stopping = threading.Event()
        self._parts: list[Any] = []

    def start(self) -> StackEndpoints:
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer

        from carebird_ops.local import sfn_integrations
        from carebird_ops.local import template as template_module
        from carebird_ops.local.alarms import AlarmEvaluator
        from carebird_ops.local.apigateway import ApiGateway
        from carebird_ops.local.cognito import JwtVerifier, LocalSigningKey
        from carebird_ops.local.logs import LogShipper
        from carebird_ops.local.provision import Provisioner
        from carebird_ops.local.runner import LambdaRunner, install_into_moto
        from carebird_ops.local.scheduler import OneTimeSchedules, Scheduler

        o = self.options
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the stack's log
        aws_port = o.aws_port or free_port(o.host)
        api_port = o.api_port or free_port(o.host)
        ensure_port_free(o.host, aws_port, "AWS emulator")
        ensure_port_free(o.host, api_port, "agent API")
        if o.x_api_url is None:
            ensure_port_free(o.host, o.x_port, "X API emulator")

        # Read the template first: a broken template should fail before anything listens.
        template = template_module.load(o.template, REGION)

        # moto: real ASL execution; Lambda code runs through the local runner, never Docker.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        sfn_integrations.install()  # the Step Functions integration's request and response, as AWS maps them
        os.environ["MOTO_PORT"] = str(aws_port)  # where moto's ASL interpreter calls back for Lambda tasks
        aws_url = f"http://{o.host}:{aws_port}"
        moto_server = ThreadedMotoServer(ip_address=o.host, port=aws_port, verbose=False)
        moto_server.start()
        self._parts.append(moto_server)

        if o.x_api_url is None:
            from carebird_ops.xemu.server import start as start_x_emulator

            x_handle = start_x_emulator(host=o.host, port=o.x_port, seed=o.x_seed)
            self._parts.append(x_handle)
            x_url = str(x_handle.url)
        else:
            x_url = o.x_api_url

        aws_env = {
            "AWS_ENDPOINT_URL": aws_url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            # no X-Ray daemon locally
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        sdir = state_dir()
        runner = LambdaRunner(base_env=aws_env, log_dir=sdir / "logs")
        install_into_moto(runner)
        self._parts.append(runner)
        shipper = LogShipper(aws_url, REGION)
        runner.add_log_listener(shipper)
        shipper.start()
        self._parts.append(shipper)
        self.runner = runner

        # Before any user pool exists: its tokens are signed with a key only this stack holds.
        signing = LocalSigningKey()
        signing.install_into_moto()

        overrides = {"XApiBaseUrl": x_url, **o.parameter_overrides}
        deployment = Provisioner(template, aws_url, REGION, parameter_overrides=overrides).deploy()
        runner.register(deployment.functions)
        self.deployment = deployment

        def invoke_sync(arn: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
            payload, errored, _ = runner.invoke(arn, event)
            return payload, errored

        verifier = JwtVerifier(signing.jwks)  # the issuers are the stack's user pools
        gateway = ApiGateway(deployment.apis, invoke_sync, REGION, verifier)
        gateway.start(o.host, api_port)
        self._parts.append(gateway)
        stage = gateway.stages[0] if gateway.stages else ""

        scheduler = Scheduler(deployment.schedules, runner.invoke_async, REGION, o.time_scale)
        scheduler.start()
        self._parts.append(scheduler)
        self.scheduler = scheduler

        # The SLA clocks' alarms: one-time schedules the product creates in the template's groups.
        import boto3

        scheduler_client = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION
        ).client("scheduler", endpoint_url=aws_url)
        one_time = OneTimeSchedules(scheduler_client, deployment.schedule_groups, runner.invoke_async)
        one_time.start()
        self._parts.append(one_time)

        # moto keeps alarms but never evaluates them: CloudWatch's part, on the scheduler's clock.
        alarms = AlarmEvaluator(aws_url, REGION, o.time_scale)
        alarms.start()
        self._parts.append(alarms)

        self.endpoints = StackEndpoints(
            aws=aws_url,
            x_api=x_url,
            agent_api=f"http://{o.host}:{api_port}/{stage}".rstrip("/"),
            region=REGION,
            pid=os.getpid(),
            resources=dict(deployment.physical),
        )
        sdir.mkdir(parents=True, exist_ok=True)
        tmp = state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.endpoints), indent=2))
        tmp.replace(state_file())  # readers never see a half-written file
        return self.endpoints

    def stop(self) -> None:
        for part in reversed(self._parts):
            for method in ("stop", "shutdown"):
                if hasattr(part, method):
                    with contextlib.suppress(Exception):  # best effort: the process is about to exit
                        getattr(part, method)()
                    break
        self._parts.clear()
        path = state_file()
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self._stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self._stopping.set())
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()


def describe(endpoints: StackEndpoints) -> str:
    lines = [
        "carebird local stack is up",
        f"  AWS APIs (moto)   {endpoints.aws}",
        f"  X API             {endpoints.x_api}",
        f"  agent API         {endpoints.agent_api}",
        f"  agent inbox: {endpoints.agent_inbox}",
        f"  pid               {endpoints.pid}   (stop with: carebird local down)",
        "  resources from template.yaml:",
    ]
    lines += [f"    {logical:<32} {physical}" for logical, physical in sorted(endpoints.resources.items())]
    return "\n".join(lines)


def wait_for_state(pid: int, timeout: float, log_path: Path) -> StackEndpoints:
    """Wait for a detached stack (process `pid`) to write its state file, or report why it did not."""
    from carebird_ops.local.endpoints import read_endpoints

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            endpoints = read_endpoints()
            if endpoints.pid == pid:
                return endpoints
        except Exception:
            pass
        finished, _status = os.waitpid(pid, os.WNOHANG)
        if finished:
            tail = log_path.read_text()[-2000:] if log_path.exists() else ""
            raise StackError(f"the local stack failed to start:\n{tail.strip()}")
        time.sleep(0.1)
    os.kill(pid, signal.SIGTERM)
    raise StackError(f"the local stack did not come up within {timeout:.0f} s; see {log_path}")
