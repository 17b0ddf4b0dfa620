"""The benchmark skips cleanly when ../shared is absent, as on a fresh clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebird_ops.bench import classify


def test_bench_skips_with_a_message_when_the_data_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert classify.main(["--data", str(tmp_path / "absent" / "dev.csv")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_bench_looks_for_the_data_beside_the_repository() -> None:
    repo = Path(__file__).resolve().parents[3]
    expected = repo.parent / "shared" / "datasets" / "airline" / "dev.csv"
    assert expected == classify.DEFAULT_DATA
