"""`carebird export-corrections` turns recorded routing corrections into a CSV that `carebird train` reads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from carebird.brands import Brand
from carebird.casework.model import RoutingCorrection
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.casework import DynamoCorrectionLog
from carebird_ops.cli import main
from tests.support.carebird_table import create_carebird_table

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def correction(i: int, kind: str = "queue", skill: str | None = "billing") -> RoutingCorrection:
    return RoutingCorrection(
        id=f"r{i}", brand_id="1000", case_id=f"c{i}", kind=kind, text=f"charged twice, refund {i}",
        language="en", original_queue="triage", original_skill=None, corrected_queue="billing",
        corrected_skill=skill, agent_id="ana", at=AT,
    )  # fmt: skip


def test_queue_corrections_become_labelled_examples(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path / "no-stack"))
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        create_carebird_table(boto3.client("dynamodb", region_name="us-east-1"), "t")
        DynamoBrandRepository("t").put_brand(Brand(handle="AcmeHelp", user_id="1000", credentials_secret="s"))
        log = DynamoCorrectionLog("t")
        log.record(correction(1))
        log.record(correction(2, kind="agent"))  # a hand-over between agents is no topic label
        log.record(correction(3, skill=None))  # moved to a queue with no skill: no skill label
        log.record(correction(4, kind="restore"))  # closed as spam, restored by an agent: kept
        assert main(["export-corrections", "--aws", "--table", "t", "--brand", "@AcmeHelp"]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert [(r["text"], r["label"], r["original_label"], r["kind"]) for r in rows] == [
            ("charged twice, refund 1", "billing", "", "queue"),
            ("charged twice, refund 4", "billing", "", "restore"),
        ]
        assert (
            main(["export-corrections", "--aws", "--table", "t", "--brand", "AcmeHelp", "--label", "queue"])
            == 0
        )
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert [(r["label"], r["original_label"]) for r in rows] == [
            ("billing", "triage"),
            ("billing", "triage"),
            ("billing", "triage"),
        ]
        assert main(["export-corrections", "--aws", "--table", "t", "--brand", "Nobody"]) == 1
        assert "no brand @Nobody" in capsys.readouterr().err
