"""The CLI through its real entry point: every command of this module's owner, every exit code.

Most tests call `backtest.cli.main(argv)` in process (the console script is exactly
``sys.exit(main())``); a few go through ``python -m backtest`` in a subprocess to pin what a
shell sees (one stderr line, no traceback, exit codes).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from backtest.cli import main
from backtest.cli.options import progress_enabled
from tests.conftest import REPO

SHORT = """
universe = "compute_layer"
baseline = "NVDA"

[run]
name = "short"
start = 2023-01-02
end = 2024-06-28

[data]
source = "demo"

[costs]
fees_bps = 10.0
slippage_bps = 5.0

[[strategies]]
name = "proportional"
kind = "proportional"
edge_fraction = 0.25
"""


def _sub(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backtest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def short_config(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return path


@pytest.fixture(scope="module")
def golden_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    (folder / "short.toml").write_text(SHORT)
    code = main(
        ["check", str(folder / "short.toml"), "--golden", str(folder / "short.json"), "--update"]
    )
    assert code == 0
    return folder


# ---------------------------------------------------------------- run


def test_demo_run_writes_the_public_files(tmp_path: Path) -> None:
    config = tmp_path / "demo.toml"
    shutil.copy(REPO / "configs" / "demo.toml", config)
    done = _sub(["run", str(config), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "synthetic demo market, not real prices" in done.stdout
    run_dir = tmp_path / "out" / "demo"
    weights = pd.read_csv(run_dir / "weights.csv")
    assert list(weights.columns) == [
        "strategy",
        "determination_date",
        "effective_date",
        "ticker",
        "weight",
    ]
    sums = weights.groupby(["strategy", "effective_date"])["weight"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics.columns[0] == "strategy" and "baseline" in set(metrics["strategy"])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["look_ahead"] is False


def test_existing_run_is_not_overwritten_without_force(tmp_path: Path, short_config: Path) -> None:
    (tmp_path / "out" / "short").mkdir(parents=True)
    (tmp_path / "out" / "short" / "keep.txt").write_text("mine")
    done = _sub(["run", str(short_config), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: results folder") and "pass --force" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (tmp_path / "out" / "short" / "keep.txt").read_text() == "mine"


def test_flags_override_the_config(
    tmp_path: Path, short_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            str(short_config),
            "--out",
            str(tmp_path),
            "--name",
            "renamed",
            "--start",
            "2023-06-01",
            "--end",
            "2024-03-28",
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["path"] == str(tmp_path / "renamed")
    equity = pd.read_csv(tmp_path / "renamed" / "equity.csv", parse_dates=["date"])
    assert equity["date"].min() >= pd.Timestamp("2023-06-01")
    assert equity["date"].max() <= pd.Timestamp("2024-03-28")
    manifest = json.loads((tmp_path / "renamed" / "manifest.json").read_text())
    assert manifest["config"]["run"] == {
        "name": "renamed",
        "start": "2023-06-01",
        "end": "2024-03-28",
        "initial_cash": 1_000_000.0,
    }
    assert {"proportional", "baseline"} <= set(payload["metrics"])


def test_source_files_with_data_dir_works_with_the_default_config(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    done = _sub(
        [
            "run",
            str(REPO / "configs" / "default.toml"),
            "--source",
            "files",
            "--data-dir",
            str(shared_prices_dir),
            "--start",
            "2024-06-03",
            "--end",
            "2025-06-30",
            "--out",
            str(tmp_path),
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "default" / "manifest.json").read_text())
    assert manifest["config"]["data"]["source"] == "files"
    assert manifest["config"]["data"]["dir"] == str(shared_prices_dir.resolve())
    assert manifest["synthetic"] is False


# ---------------------------------------------------------------- usage and errors


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run"], "backtest run: error: the following arguments are required: config"),
        ([], "backtest: error: the following arguments are required: COMMAND"),
        (["run", "x.toml", "--forc"], "backtest: error: unrecognized arguments: --forc"),
        (["nosuch"], "backtest: error: argument COMMAND: invalid choice: 'nosuch'"),
        (
            ["check", "x.toml"],
            "backtest check: error: the following arguments are required: --golden",
        ),
        (["run", "x.toml", "--source", "ftp"], "argument --source: invalid choice: 'ftp'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("run", "check", "compare", "config"):
        assert command in out
    assert "exit codes: 0 ok, 1 check failed, 2 usage, config or data error" in out


def test_config_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[costs]\nfees_bsp = 5\n")
    done = _sub(["run", str(config)], tmp_path)
    assert done.returncode == 2
    assert "unknown key `costs.fees_bsp` (did you mean `fees_bps`?)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    debug = _sub(["run", str(config), "--debug"], tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "ConfigError" in debug.stderr


def test_bad_override_value_is_a_config_error(
    short_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(short_config), "--start", "2023-02-30"]) == 2
    assert "`--start` must be a date (YYYY-MM-DD), got '2023-02-30'" in capsys.readouterr().err
    assert main(["run", str(short_config), "--start", "2025-01-01"]) == 2
    assert (
        "with command-line overrides: `run.end` (2024-06-28) must be after"
        in capsys.readouterr().err
    )


def test_progress_bars_only_on_a_terminal() -> None:
    class Tty(StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_enabled(StringIO()) is False
    assert progress_enabled(Tty()) is True


# ---------------------------------------------------------------- config


def test_config_validate(
    short_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "validate", str(short_config)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {short_config} is valid: run `short`")
    assert main(["config", "validate", str(short_config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["strategies"] == ["proportional"]
    bad = tmp_path / "bad.toml"
    bad.write_text(SHORT.replace("edge_fraction", "edge_fractoin"))
    assert main(["config", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: strategy `proportional`") and "edge_fractoin" in err


def test_config_show_is_resolved_toml_and_json(
    short_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "show", str(short_config), "--source", "files", "--data-dir", "/x"]) == 0
    shown = tomllib.loads(capsys.readouterr().out)
    assert shown["data"]["source"] == "files" and shown["data"]["dir"] == "/x"
    assert shown["schedule"] == {
        "frequency": "monthly",
        "anchor": "first",
        "lag_days": 1,
        "rebalance_band": 0.0,
    }
    assert main(["config", "show", str(short_config), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["config"]["data"]["max_fill_days"] == 5 and len(payload["config_sha256"]) == 64


# ---------------------------------------------------------------- check


def test_check_passes_against_its_own_golden(
    golden_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    md = tmp_path / "report.md"
    code = main(
        [
            "check",
            str(golden_dir / "short.toml"),
            "--golden",
            str(golden_dir / "short.json"),
            "--md",
            str(md),
            "--html",
            str(tmp_path / "r.html"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "**PASS**" in out and md.read_text() == out
    golden = json.loads((golden_dir / "short.json").read_text())["metrics"]
    n_metrics = sum(len(row) for row in golden.values())
    assert f"All {n_metrics} metrics of the strategies on both sides are identical" in out
    assert "<table>" in (tmp_path / "r.html").read_text()


def test_fees_change_fails_check_with_the_fee_rows(
    golden_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / "fees.toml"
    changed.write_text(SHORT.replace("fees_bps = 10.0", "fees_bps = 20.0"))
    code = main(["check", str(changed), "--golden", str(golden_dir / "short.json"), "--json"])
    assert code == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["config_changes"] == [{"key": "costs.fees_bps", "golden": 10.0, "now": 20.0}]
    rows = {(m["strategy"], m["metric"]): m for m in payload["metrics"]}
    golden = json.loads((golden_dir / "short.json").read_text())["metrics"]
    for strategy in ("proportional", "baseline"):
        fee = rows[(strategy, "fees_paid")]
        assert fee["status"] == "drift" and fee["golden"] == golden[strategy]["fees_paid"]
        # the baseline pays fees once, on buying: doubling the rate roughly doubles them
        assert fee["now"] > 1.9 * fee["golden"]
    assert payload["weights_moved"] == []  # targets do not depend on fees
    assert main(["check", str(changed), "--golden", str(golden_dir / "short.json")]) == 1
    out = capsys.readouterr().out
    assert "**DRIFT**" in out and "`costs.fees_bps` `10.0` → `20.0`" in out
    assert "| baseline | fees_paid |" in out and "| **DRIFT** |" in out


def test_a_loose_tolerance_file_lets_the_same_change_pass(
    golden_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / "fees.toml"
    changed.write_text(SHORT.replace("fees_bps = 10.0", "fees_bps = 10.5"))
    tol = tmp_path / "tol.toml"
    tol.write_text("[default]\nabs = 0.01\nrel = 0.01\n[metrics]\nfees_paid = { rel = 0.1 }\n")
    code = main(
        [
            "check",
            str(changed),
            "--golden",
            str(golden_dir / "short.json"),
            "--tolerances",
            str(tol),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "**PASS**" in out and "moved, within" in out


def test_golden_from_other_data_is_refused(
    golden_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = tmp_path / "forged.json"
    raw = json.loads((golden_dir / "short.json").read_text())
    raw["data_sha256"] = "0" * 64
    forged.write_text(json.dumps(raw))
    md = tmp_path / "check.md"
    code = main(["check", str(golden_dir / "short.toml"), "--golden", str(forged), "--md", str(md)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "was made on other price data" in captured.err and "--update" in captured.err
    assert md.read_text().startswith("## backtest check `short`\n\n**ERROR** (exit 2): golden")


def test_golden_from_real_data_is_refused_for_the_demo(
    golden_dir: Path, shared_prices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            str(golden_dir / "short.toml"),
            "--golden",
            str(golden_dir / "short.json"),
            "--source",
            "files",
            "--data-dir",
            str(shared_prices_dir),
        ]
    )
    assert code == 2
    assert "was made on other price data" in capsys.readouterr().err


def test_window_change_is_drift_not_other_data(
    golden_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            str(golden_dir / "short.toml"),
            "--golden",
            str(golden_dir / "short.json"),
            "--start",
            "2023-03-01",
            "--json",
        ]
    )
    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    assert "its panel re-read from the current source matches" in payload["data"]
    removed = {w["effective_date"] for w in payload["weights_moved"] if w["status"] == "removed"}
    assert removed and max(removed) < "2023-04-01"


def test_missing_golden_is_an_error_and_update_creates_then_replaces(
    short_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = tmp_path / "g" / "short.json"
    assert main(["check", str(short_config), "--golden", str(golden)]) == 2
    assert "does not exist; create it with" in capsys.readouterr().err
    assert main(["check", str(short_config), "--golden", str(golden), "--update"]) == 0
    assert "created golden" in capsys.readouterr().err
    first = golden.read_text()
    changed = tmp_path / "fees.toml"
    changed.write_text(SHORT.replace("fees_bps = 10.0", "fees_bps = 20.0"))
    assert main(["check", str(changed), "--golden", str(golden), "--update"]) == 0
    captured = capsys.readouterr()
    assert "**DRIFT**" in captured.out and "the old one drifted" in captured.err
    assert golden.read_text() != first
    assert main(["check", str(changed), "--golden", str(golden)]) == 0
    assert sorted(p.name for p in golden.parent.iterdir()) == ["short.json"]
    not_golden = tmp_path / "notes.json"
    not_golden.write_text("{}")
    assert main(["check", str(short_config), "--golden", str(not_golden), "--update"]) == 2
    assert not_golden.read_text() == "{}"


def test_cap_change_fails_check_on_the_capped_weights_and_compare_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the uncapped scheme reaches 20 % on this window, so a 15 % cap binds and 25 % does not
    cap25 = tmp_path / "cap25.toml"
    cap25.write_text(SHORT + 'constraints = [{ kind = "capped", max_weight = 0.25 }]\n')
    cap15 = tmp_path / "cap15.toml"
    cap15.write_text(SHORT + 'constraints = [{ kind = "capped", max_weight = 0.15 }]\n')
    golden = tmp_path / "cap.json"
    assert main(["check", str(cap25), "--golden", str(golden), "--update"]) == 0
    assert main(["run", str(cap25), "--out", str(tmp_path / "a"), "--json"]) == 0
    assert main(["run", str(cap15), "--out", str(tmp_path / "b"), "--json"]) == 0
    capsys.readouterr()
    # independent answer: which (event, ticker) weights differ between the two runs' files
    a = pd.read_csv(tmp_path / "a" / "short" / "weights.csv")
    b = pd.read_csv(tmp_path / "b" / "short" / "weights.csv")
    both = a.merge(b, on=["strategy", "effective_date", "ticker"], suffixes=("_a", "_b"))
    moved = both[(both["weight_a"] - both["weight_b"]).abs() > 1e-10]
    assert not moved.empty
    assert (b.loc[b["strategy"] == "proportional", "weight"] <= 0.15 + 1e-12).all()
    assert main(["check", str(cap15), "--golden", str(golden), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    flagged = {
        (w["effective_date"], w["ticker"])
        for w in payload["weights_moved"]
        if w["status"] == "drift"
    }
    assert flagged == set(zip(moved["effective_date"], moved["ticker"], strict=True))
    assert payload["config_changes"] == [
        {"key": "strategies.proportional.constraints[1].max_weight", "golden": 0.25, "now": 0.15}
    ]
    # compare the two result folders: the same moved weights, and the largest move per event
    assert (
        main(
            [
                "compare",
                str(tmp_path / "a" / "short"),
                str(tmp_path / "b" / "short"),
                "--json",
                "--fail-on-change",
            ]
        )
        == 1
    )
    cmp = json.loads(capsys.readouterr().out)
    assert {(w["effective_date"], w["ticker"]) for w in cmp["changed_weights"]} == flagged
    assert cmp["strategies"]["baseline"] == "identical"
    assert cmp["strategies"]["proportional"].startswith("changed:")
    assert main(["compare", str(cap25), str(cap15), "--top", "3"]) == 0
    out = capsys.readouterr().out
    gross = (
        both.assign(size=(both["weight_a"] - both["weight_b"]).abs())
        .groupby(["strategy", "effective_date"])["size"]
        .sum()
    )
    expected = [round(100 * g, 2) for g in sorted(gross[gross > 0], reverse=True)[:3]]
    section = out.split("### Target weights: largest moves per event")[1]
    assert "### Bucket weights: events that moved most" in out  # the cap moves bucket weights
    listed = [r.split(" | ")[3] for r in section.splitlines() if r.startswith("| proportional | 2")]
    assert [float(cell.removesuffix(" pp")) for cell in listed] == expected
    assert "`strategies.proportional.constraints[1].max_weight`: `0.25` → `0.15`" in out


# ---------------------------------------------------------------- compare


def test_compare_identical_configs_and_errors(
    short_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "c.html"
    assert (
        main(
            [
                "compare",
                str(short_config),
                str(short_config),
                "--html",
                str(html),
                "--fail-on-change",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "config: identical" in out and "Every metric of every strategy is identical." in out
    assert "No target weight changed at any event both sides have." in out
    assert "<h2>" in html.read_text()
    assert main(["compare", str(short_config), str(tmp_path / "missing")]) == 2
    assert "is neither a config file nor a results folder" in capsys.readouterr().err


# ---------------------------------------------------------------- examples


def test_notebook_example_runs_from_any_working_directory(tmp_path: Path) -> None:
    """From a folder outside the repository; it imports only `backtest` (the public API)."""
    source = (REPO / "examples" / "notebook.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert [i for i in imports if "backtest" in i] == ["import backtest"]
    notebook = subprocess.run(
        [sys.executable, str(REPO / "examples" / "notebook.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert notebook.returncode == 0, notebook.stderr
    assert "## Compare `10 bps` → `25 bps`" in notebook.stdout
    assert "| proportional | fees_paid |" in notebook.stdout
    assert "## backtest check `demo`" in notebook.stdout


def test_universe_file_edit_is_drift_with_the_members_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    universe = tmp_path / "u.toml"
    text = (REPO / "universes" / "compute_layer.toml").read_text()
    universe.write_text(text)
    config = tmp_path / "u_config.toml"
    config.write_text(SHORT.replace('universe = "compute_layer"', f'universe = "{universe}"'))
    golden = tmp_path / "u.json"
    assert main(["check", str(config), "--golden", str(golden), "--update"]) == 0
    intc = text.index('ticker = "INTC"')
    block_end = text.index("[[members]]", intc)
    edited = text[: text.rindex("[[members]]", 0, intc)] + text[block_end:]  # drop INTC
    edited = edited.replace(
        'ticker = "AMD"\nname = "Advanced Micro Devices"\nbucket = "gpu"',
        'ticker = "AMD"\nname = "Advanced Micro Devices"\nbucket = "asic"',
    )
    assert edited.count("[[members]]") == text.count("[[members]]") - 1
    universe.write_text(edited)
    capsys.readouterr()
    assert main(["check", str(config), "--golden", str(golden), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert "its panel re-read from the current source matches" in payload["data"]
    assert payload["config_changes"] == []
    note = next(n for n in payload["notes"] if n.startswith("universe"))
    assert "`AMD.bucket` gpu → asic" in note and "`INTC` {" in note and "→ absent" in note
    removed = {w["ticker"] for w in payload["weights_moved"] if w["now"] == 0.0}
    assert "INTC" in removed


def test_update_over_a_golden_from_other_data_says_so(
    golden_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = tmp_path / "forged.json"
    raw = json.loads((golden_dir / "short.json").read_text())
    raw["data_sha256"] = "0" * 64
    forged.write_text(json.dumps(raw))
    assert main(["check", str(golden_dir / "short.toml"), "--golden", str(forged), "--update"]) == 0
    captured = capsys.readouterr()
    assert "**new data**" in captured.out and "updated golden" in captured.err
    real = json.loads((golden_dir / "short.json").read_text())["data_sha256"]
    assert json.loads(forged.read_text())["data_sha256"] == real


@pytest.mark.parametrize("name", ["demo", "shared-files"])
def test_committed_goldens_belong_to_their_configs(name: str) -> None:
    from backtest.config import load_config
    from backtest.gate.golden import read_golden

    golden = read_golden(REPO / "results" / "golden" / f"{name}.json")
    config = load_config(REPO / "configs" / f"{name}.toml")
    assert golden.manifest["name"] == config.run.name
    assert golden.manifest["config"]["data"]["source"] == config.data.source
    # which strategies it holds is the gate's business (`make check` reports added/removed)


def test_bad_strategy_parameter_fails_before_any_run_naming_the_file(
    tmp_path: Path, short_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad_param.toml"
    bad.write_text(SHORT.replace("edge_fraction", "edge_fractoin"))
    for argv in (
        ["run", str(bad), "--out", str(tmp_path / "out")],
        ["check", str(bad), "--golden", str(tmp_path / "g.json"), "--update"],
        ["compare", str(short_config), str(bad)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {bad}: strategy `proportional`"), err
        assert "unknown parameter `edge_fractoin`" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "g.json").exists()


# --- issue 13: infeasible caps found early and named; every default shown ---

INFEASIBLE = """
universe = "compute_layer"
[run]
name = "k4cap"
start = 2015-01-02
end = 2016-06-30
[data]
source = "demo"
[[strategies]]
name = "linear_tilt_k4"
kind = "linear_tilt"
strength = 4.0
constraints = [{ kind = "capped", max_weight = 0.25 }]
"""


def test_an_infeasible_cap_is_found_by_validate_data_naming_strategy_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k4cap.toml"
    path.write_text(INFEASIBLE, encoding="utf-8")
    assert main(["config", "validate", str(path)]) == 0  # no data read: it cannot know
    capsys.readouterr()
    assert main(["config", "validate", str(path), "--data"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: strategy `linear_tilt_k4`: `max_weight` 0.25 cannot be")
    assert "3 names hold weight 1, and 3 x 0.25 = 0.75 < 1" in err and err.count("\n") == 1
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert f"error: {path}: strategy `linear_tilt_k4`" in capsys.readouterr().err
    path.write_text(INFEASIBLE.replace("0.25 }", '0.25, overflow = "spread" }'))
    assert main(["config", "validate", str(path), "--data", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["events"]["linear_tilt_k4"] == 17


def test_config_show_lists_every_strategy_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", str(REPO / "configs" / "demo.toml")]) == 0
    text = capsys.readouterr().out
    for line in (
        '# default: within = "equal"',
        "# default: lookback_days = 63",
        '# default: empty_bucket = "redistribute"',
        '# default: signal = "inference_share"',
        '# default: constraints[1].overflow = "raise"',
        "[signals.asic_adoption]",
    ):
        assert line in text, line
    assert main(["config", "show", str(REPO / "configs" / "demo.toml"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["strategy_defaults"]["proportional"]["within"] == "equal"
