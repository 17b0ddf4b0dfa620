"""`carebird brand ...`, `carebird mentions`, `carebird dms`, `carebird poll`: as an operator types them
(AWS on moto)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird.ingest.model import (
    Author,
    DirectMessage,
    DmSender,
    Feed,
    IngestedDm,
    IngestedMention,
    Mention,
    MentionStatus,
    SkipReason,
)
from carebird.storage.ingest import DynamoIngestStore
from carebird_ops.cli import ingest, main
from tests.support.carebird_table import create_carebird_table

TABLE = "carebird-CarebirdTable-test"
AWS_KEYS = (
    "AWS_ENDPOINT_URL",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path / "no-stack"))
    for key in AWS_KEYS:  # recorded, so whatever the CLI puts in the environment is undone
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        create_carebird_table(boto3.client("dynamodb"), TABLE)
        yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_brand_is_added_with_settings_and_listed(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("secretsmanager").create_secret(Name="carebird/test/x/acme", SecretString="{}")
    code, out, err = run(
        capsys,
        "brand", "add", "--table", TABLE, "--handle", "@Acme", "--user-id", "1000",
        "--secret", "carebird/test/x/acme", "--setting", 'skills=["billing","shipping"]',
        "--setting", "tone=friendly", "--setting", "repeat_window_seconds=600",
    )  # fmt: skip
    assert (code, out.strip(), err) == (0, "added @Acme (user id 1000)", "")

    code, out, _ = run(capsys, "brand", "list", "--table", TABLE, "--json")
    (listed,) = json.loads(out)
    assert listed["handle"] == "Acme" and listed["poll_enabled"] is True
    assert listed["settings"] == {
        "skills": ["billing", "shipping"],
        "tone": "friendly",
        "repeat_window_seconds": 600,
    }

    code, out, _ = run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme", "--user-id", "1000",
                       "--secret", "carebird/test/x/acme", "--no-poll")  # fmt: skip
    assert out.startswith("updated @acme")
    code, out, _ = run(capsys, "brand", "list", "--table", TABLE)
    assert "@acme" in out and " off " in out


def test_a_bad_brand_is_refused_with_the_field_named(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme corp", "--user-id", "x1",
                       "--secret", "s")  # fmt: skip
    assert code == 1
    assert "handle:" in err and "user_id:" in err


def test_a_brand_whose_secret_does_not_exist_yet_is_added_with_a_warning(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme", "--user-id", "1000",
                         "--secret", "carebird/test/x/missing")  # fmt: skip
    assert code == 0 and "added" in out
    assert "carebird/test/x/missing" in err and "does not exist" in err


def test_without_the_local_stack_the_table_must_be_named(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "brand", "list")
    assert code == 1 and "--table" in err and "carebird local up" in err


def test_mentions_lists_what_was_stored_with_status(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme", "--user-id", "1000", "--secret", "s")
    run(capsys, "brand", "add", "--table", TABLE, "--handle", "globex", "--user-id", "2000", "--secret", "s")
    store = DynamoIngestStore(TABLE)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    stored = [
        ("1000", "11", MentionStatus.HANDED_OFF),
        ("1000", "12", MentionStatus.SKIPPED),
        ("2000", "13", MentionStatus.PENDING),
    ]
    for brand_id, tid, status in stored:
        post = Mention(id=tid, author=Author(id="55", username="wanda"), text=f"hello {tid}", created_at=at)
        skip = SkipReason.RETWEET if status is MentionStatus.SKIPPED else None
        record = IngestedMention(
            brand_id=brand_id, mention=post, status=status, skip_reason=skip, ingested_at=at
        )
        store.put_message(record)

    code, out, _ = run(capsys, "mentions", "--table", TABLE, "--brand", "@acme", "--json")
    rows = json.loads(out)
    assert [(r["id"], r["author"], r["text"], r["status"], r["skip_reason"]) for r in rows] == [
        ("12", "wanda", "hello 12", "skipped", "retweet"),
        ("11", "wanda", "hello 11", "handed_off", None),
    ]
    assert rows[0]["created_at"] == "2026-03-02T09:00:00+00:00"

    code, out, _ = run(capsys, "mentions", "--table", TABLE)
    assert code == 0 and len(out.splitlines()) == 3 and "[skipped (retweet)]" in out

    code, _, err = run(capsys, "mentions", "--table", TABLE, "--brand", "initech")
    assert code == 1 and "no brand @initech" in err


def test_supervisors_list_the_posts_x_sent_unreadable_with_the_reason(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme", "--user-id", "1000", "--secret", "s")
    store = DynamoIngestStore(TABLE)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    raw = '{"id": "14", "created_at": "yesterday"}'
    for tid, status, reason in [("14", MentionStatus.UNREADABLE, "ValueError: bad created_at"),
                                ("15", MentionStatus.PENDING, None)]:  # fmt: skip
        post = Mention(id=tid, author=Author(id="55"), text=raw if reason else "hi", created_at=at,
                       unreadable=reason)  # fmt: skip
        store.put_message(IngestedMention(brand_id="1000", mention=post, status=status, ingested_at=at))

    code, out, _ = run(capsys, "mentions", "--table", TABLE, "--unreadable", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["status"], r["skip_reason"], r["text"]) for r in rows] == [
        ("14", "unreadable", "ValueError: bad created_at", raw)
    ]
    assert store.get_message("1000", Feed.MENTIONS, "14").mention.unreadable == "ValueError: bad created_at"  # type: ignore[union-attr]
    assert [m.mention.id for m in store.pending_handoffs("1000", Feed.MENTIONS, 10)] == [
        "15"
    ]  # never handed to triage


def test_dms_lists_what_was_stored_with_status(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "brand", "add", "--table", TABLE, "--handle", "acme", "--user-id", "1000", "--secret", "s")
    store = DynamoIngestStore(TABLE)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for eid, sender, status in [
        ("21", "55", MentionStatus.HANDED_OFF),
        ("22", "1000", MentionStatus.SKIPPED),
    ]:
        event = DirectMessage(
            id=eid, text=f"dm\n{eid}", created_at=at, sender=DmSender(id=sender, username=f"u{sender}")
        )
        skip = SkipReason.OWN_MESSAGE if status is MentionStatus.SKIPPED else None
        store.put_message(
            IngestedDm(brand_id="1000", dm=event, status=status, skip_reason=skip, ingested_at=at)
        )

    code, out, _ = run(capsys, "dms", "--table", TABLE)
    assert code == 0 and out.splitlines() == [
        "2026-03-02T09:00:00+00:00  @acme  22  @u1000  [skipped (own_message)]  dm 22",
        "2026-03-02T09:00:00+00:00  @acme  21  @u55  [handed_off]  dm 21",
    ]
    code, out, _ = run(capsys, "dms", "--table", TABLE, "--brand", "acme", "--json", "--limit", "1")
    assert [r["id"] for r in json.loads(out)] == ["22"]


def test_a_closed_pipe_ends_any_command_quietly() -> None:
    # `carebird mentions | head -1`: the reader leaves long before the command has printed everything.
    script = (
        "from carebird_ops.cli import ingest, main\n"
        "ingest.cmd_mentions = lambda args: [print(f'row {i} ' * 20) for i in range(100_000)] and 0\n"
        "raise SystemExit(main(['mentions', '--table', 't']))\n"
    )
    shell = f'{sys.executable} -c "$SCRIPT" | head -1; exit ${{PIPESTATUS[0]}}'
    result = subprocess.run(
        ["bash", "-c", shell],
        env={**os.environ, "SCRIPT": script},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.startswith("row 0 ")
    assert result.stderr == ""  # no BrokenPipeError traceback, nor "Exception ignored" at exit
    assert result.returncode == 141  # 128 + SIGPIPE, as a Unix tool cut off by its reader


class FakeLambda:
    def __init__(self, payload: Any, error: str | None = None) -> None:
        self.payload, self.error = payload, error
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": io.BytesIO(json.dumps(self.payload).encode()),
        }
        if self.error:
            response["FunctionError"] = self.error
        return response


def test_poll_invokes_the_local_stacks_function_once_and_prints_its_counts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in AWS_KEYS:
        monkeypatch.setenv(key, "before")
    state = tmp_path / "stack"
    state.mkdir()
    resources = {"CarebirdTable": "carebird-local-table", "PollFunction": "carebird-local-PollFunction"}
    (state / "stack.json").write_text(json.dumps({
        "aws": "http://127.0.0.1:4566", "x_api": "http://127.0.0.1:4567", "agent_api": "http://127.0.0.1:4568",
        "region": "us-east-1", "pid": 1, "resources": resources,
    }))  # fmt: skip
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(state))
    fake = FakeLambda({"brands": 1, "ingested": 3, "skipped": 1, "reads": 4, "gaps": 0, "errors": 0})
    monkeypatch.setattr(ingest, "lambda_client", lambda: fake)

    code, out, _ = run(capsys, "poll")

    assert code == 0 and out.strip() == "brands=1  ingested=3  skipped=1  reads=4  gaps=0  errors=0"
    assert [c["FunctionName"] for c in fake.calls] == ["carebird-local-PollFunction"]
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"  # boto3 pointed at the local stack


def test_poll_reports_a_failed_function(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = FakeLambda({"errorMessage": "TABLE_NAME: Field required"}, error="Unhandled")
    monkeypatch.setattr(ingest, "lambda_client", lambda: failed)
    code, _, err = run(capsys, "poll", "--aws", "--function-name", "carebird-prod-PollFunction")
    assert code == 1 and "carebird-prod-PollFunction failed: TABLE_NAME: Field required" in err
