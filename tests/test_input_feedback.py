"""What a run says about input that yields little: files whose every record was rejected, the
checks' outcome counts, and the files behind too many rejects (through the real CLI)."""

from __future__ import annotations

from pathlib import Path

from sparkify.errors import TooManyErrorsError
from tests.helpers import event, invoke, rows, song, write_log, write_song


def _source(root: Path) -> Path:
    write_log(
        root / "log_data" / "a.json",
        [event(userId="1", ts=1541000000001), "{bad", event(userId="2", ts=1541000000002)],
    )
    write_log(root / "log_data" / "b.json", ["[1]", event(userId="abc"), "nope"])
    (root / "log_data" / "blob.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\nIHDR\xff\xfe\n")
    write_song(root, song())
    return root


def test_files_whose_every_record_was_rejected_are_warned_beside_the_summary(
    tmp_path: Path, target_url: str
) -> None:
    result = invoke("run", "--source", str(_source(tmp_path / "src")), "--target", target_url)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: log_data/b.json: all 3 records were rejected (see load_errors)",
        "warning: log_data/blob.json: all 4 records were rejected (see load_errors)",
    ]
    # the check line counts every check, the warning about rejects included
    assert "17 passed, 1 warned, 0 failed, 1 reported" in result.output


def test_too_many_rejects_name_the_worst_files_and_point_at_dry_run(
    tmp_path: Path, target_url: str
) -> None:
    src = _source(tmp_path / "src")
    result = invoke("run", "--source", str(src), "--target", target_url, "--max-errors", "2")
    assert result.exit_code == 5, result.output
    error = result.exception
    assert isinstance(error, TooManyErrorsError)
    assert error.message == (
        "8 records were rejected, more than --max-errors 2; nothing was committed. Most "
        "rejects: log_data/blob.json (4, first at line 1: invalid UTF-8 at byte 0); "
        "log_data/b.json (3, first at line 1: not a JSON object); "
        "log_data/a.json (1, first at line 2: not valid JSON)."
    )
    assert "sparkify run --dry-run" in str(error.hint)
    assert rows(target_url, "SELECT COUNT(*) FROM load_errors") == [(0,)]
