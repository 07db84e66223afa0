"""The bad-input matrix (`tests.trust.bad_inputs.CASES`) through the real command line.

Every row: exit code 2, exactly one line on stderr matching the row's pattern (file, field,
value, rule), no traceback, nothing on stdout, nothing written under ``results/`` (a user's
existing run untouched), and the price cache byte-for-byte unchanged. A few rows that fail
before the engine is imported also run as a real ``python -m backtest`` process (a process that
imports vectorbt costs ~10 s here). ``docs/bad-inputs.md`` must list exactly these rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backtest.config import load_config
from backtest.pipeline.runner import run
from tests.trust.bad_inputs import (
    CASES,
    DOC,
    REPO,
    BadInput,
    Workspace,
    doc_rows,
    make_workspace,
    run_case,
)


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root`` (empty when it does not exist)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def test_the_matrix_has_at_least_40_distinct_rows() -> None:
    keys = [c.key for c in CASES]
    assert len(keys) == len(set(keys)) >= 40
    assert len({c.what for c in CASES}) == len(CASES)
    assert {c.area for c in CASES} == {"config", "universe", "signal", "prices", "cache", "cli"}


def test_the_unspoiled_workspace_runs(workspace: Workspace) -> None:
    """Each row changes one thing in inputs that are otherwise valid: both base configs run."""
    for path in (workspace.demo, workspace.files):
        result = run(load_config(path))
        assert len(result.events) >= 12
        assert result.equity.notna().all().all()


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_bad_input_gets_one_line_and_exit_2(case: BadInput, workspace: Workspace) -> None:
    cache_before = tree_digest(workspace.cache)
    results_before = tree_digest(workspace.results)
    outcome = run_case(case, workspace)
    lines = outcome.stderr.strip().splitlines()
    assert outcome.code == 2, outcome
    assert len(lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert re.search(case.match, lines[0]), lines[0]
    assert outcome.stdout == ""
    if case.key == "cli-results-exist":  # the user's run is still there, untouched
        assert results_before == {}  # the row itself made it
        assert tree_digest(workspace.results) == {
            "bad/mine.txt": hashlib.sha256(b"a user's earlier run\n").hexdigest()
        }
    else:
        assert not workspace.results.exists()
    assert tree_digest(workspace.cache) == cache_before
    assert not [p for p in workspace.root.rglob("*") if ".tmp" in p.name]


def test_a_single_nan_inside_a_listing_is_filled_and_reported_not_silent(
    workspace: Workspace,
) -> None:
    """One `nan` cell is a missing day (DESIGN section 2): forward-filled, in the manifest, and
    said on stderr (a `UserWarning`, one `warning:` line from the command line)."""
    lines = workspace.price_lines("AVGO")
    date = lines[350].split(",")[0]
    lines[350] = f"{date},nan"
    workspace.write_prices("AVGO", lines)
    with pytest.warns(UserWarning, match=rf"`AVGO` {date} missing_filled: .* cell `nan` read as"):
        result = run(load_config(workspace.files))
    gaps = result.manifest["filled_gaps"]
    assert [(g["ticker"], g["first_missing"], g["last_missing"]) for g in gaps] == [
        ("AVGO", date, date)
    ]
    previous = float(lines[349].split(",")[1])
    assert result.prices.loc[date, "AVGO"] == previous


def _subprocess(argv: list[str], ws: Workspace) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INFERENCE_SHIFT_CACHE": str(ws.cache), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "backtest", *argv],
        cwd=ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SUBPROCESS_ROWS = ("config-negative-fees", "cli-bad-start", "cli-unknown-command")


@pytest.mark.parametrize("key", SUBPROCESS_ROWS)
def test_the_real_entry_point_behaves_the_same(key: str, workspace: Workspace) -> None:
    case = next(c for c in CASES if c.key == key)
    done = _subprocess(case.prepare(workspace), workspace)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert re.search(case.match, lines[0].replace(str(workspace.root), "<ws>"))
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not workspace.results.exists()


def test_debug_shows_the_traceback_so_the_check_above_can_fail(workspace: Workspace) -> None:
    case = next(c for c in CASES if c.key == "config-negative-fees")
    done = _subprocess([*case.prepare(workspace), "--debug"], workspace)
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "ConfigError" in done.stderr


def test_the_document_lists_exactly_the_matrix() -> None:
    """docs/bad-inputs.md has one row per case, in order, each message matching its pattern."""
    rows = doc_rows(DOC.read_text(encoding="utf-8"))
    assert [r[1].strip("`") for r in rows] == [c.key for c in CASES], (
        "docs/bad-inputs.md is out of date: run `.venv/bin/python -m tests.trust.bad_inputs`"
    )
    for row, case in zip(rows, CASES, strict=True):
        assert row[2] == case.area and row[3] == case.what and row[4] == "2"
        assert re.search(case.match, row[5]), (case.key, row[5])
