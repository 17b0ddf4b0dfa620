"""`carebird x ...` against a live emulator, as a developer or the demo uses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from carebird_ops.cli import main
from carebird_ops.xemu.server import EmulatorHandle, start


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


@pytest.fixture
def url(emulator: EmulatorHandle) -> str:
    emulator.state.reset()
    return emulator.url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["x", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_post_creates_the_user_and_prints_the_id(
    url: str, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "post", "--url", url, "--as", "alice", "@AcmeHelp where is my refund?")
    assert code == 0
    post_id = out.strip()
    post = emulator.state.posts[int(post_id)]
    assert post.text == "@AcmeHelp where is my refund?"
    assert emulator.state.users[post.author_id].username == "alice"


def test_users_dms_and_threaded_posts(
    url: str, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--url", url, "user", "add", "AcmeHelp", "--followers", "5000", "--verified")[0] == 0
    assert run(capsys, "--url", url, "user", "add", "shy", "--no-dms")[0] == 0
    shy = emulator.state.user_by_username("shy")
    assert shy is not None and not shy.accepts_dms
    brand = emulator.state.user_by_username("AcmeHelp")
    assert brand is not None and brand.verified and brand.followers_count == 5000
    code, _, err = run(capsys, "--url", url, "user", "add", "shy")
    assert code == 1 and "exists already" in err

    _, out, _ = run(capsys, "--url", url, "post", "--as", "alice", "@AcmeHelp broken")
    root = out.strip()
    run(capsys, "--url", url, "post", "--as", "AcmeHelp", "@alice sorry", "--reply-to", root)
    _, listing, _ = run(capsys, "--url", url, "posts")
    lines = listing.splitlines()
    assert lines[0].startswith(f"{root} ") and lines[0].endswith("@alice: @AcmeHelp broken")
    assert lines[1].startswith("└ ") and lines[1].endswith("@AcmeHelp: @alice sorry")
    _, as_json, _ = run(capsys, "--url", url, "posts", "--json")
    assert [p["in_reply_to_tweet_id"] for p in json.loads(as_json)] == [None, root]

    code, out, _ = run(capsys, "--url", url, "dm", "--as", "alice", "--to", "AcmeHelp", "order 42")
    assert code == 0 and int(out.strip()) in emulator.state.dm_events
    _, dms, _ = run(capsys, "--url", url, "dms")
    assert dms.strip().endswith("@alice -> @AcmeHelp: order 42")


def test_faults_and_stats(url: str, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--url", url, "faults", "--seed", "9", "--rule", "getUsersMentions error=0.5 429=0.1"
    )
    assert code == 0 and "seed 9" in out
    assert emulator.state.faults.seed == 9
    assert emulator.state.faults.rules[0].error_p == 0.5
    run(capsys, "--url", url, "faults", "--clear")
    assert emulator.state.faults.rules == []
    code, out, _ = run(capsys, "--url", url, "stats", "--json")
    assert code == 0 and json.loads(out)["totals"]["requests"] == 0


def test_url_from_the_environment_and_a_missing_stack(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAREBIRD_X_API_URL", url)
    assert run(capsys, "user", "list")[0] == 0
    monkeypatch.delenv("CAREBIRD_X_API_URL")
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path))
    code, _, err = run(capsys, "stats")
    assert code == 1
    assert "local stack is not running" in err and "--url" in err


def test_unknown_arguments_are_usage_errors(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["post", "--url", url, "--as", "a", "hi", "--colour"],
        ["frobnicate"],
        ["faults", "--rule", "x=1"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(["x", *args])
        assert caught.value.code == 2
    capsys.readouterr()
