"""Strategies written outside the package: from a config (``kind = "module:Class"``), from Python
(``backtest.run(config, strategies=...)``), pinned by their source hash in manifests and goldens.

The module of the main case is written to a temporary folder outside the repository and found
through ``PYTHONPATH`` by a real ``python -m backtest`` process, as a user's shell would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtest
from backtest.cli import main
from backtest.config import StrategySpec, parse_config
from backtest.errors import ConfigError
from backtest.testing import check_strategy
from strategies.build import build_strategy, parameters_of
from tests.conftest import REPO

PLUGIN = '''
"""Half the weight on the eligible member with the highest price at t_d, the rest equal."""
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, kw_only=True)
class Leader:
    lead: float = 0.5

    def weights(self, context):
        prices = context.prices.to_numpy(dtype=float)
        eligible = context.eligible.to_numpy(dtype=bool)
        out = np.zeros(eligible.shape)
        for k, row in enumerate(context.events["determination_row"].to_numpy()):
            names = np.flatnonzero(eligible[k])
            best = names[np.argmax(prices[row, names])]
            out[k, names] = (1.0 - self.lead) / len(names)
            out[k, best] += self.lead
        return pd.DataFrame(out, index=context.effective_dates, columns=context.tickers)
'''

CONFIG = """
universe = "compute_layer"
[run]
name = "plugin"
start = 2021-01-04
end = 2023-06-30
[data]
source = "demo"
[[strategies]]
name = "leader"
kind = "userplug:Leader"
lead = 0.4
"""


def _cli(args: list[str], pythonpath: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{pythonpath}{os.pathsep}{REPO}"}
    return subprocess.run(
        [sys.executable, "-m", "backtest", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _independent_leader(lead: float, config_path: Path) -> pd.DataFrame:
    """The Leader rule computed here from the context's prices, with pandas, not the plugin."""
    context = backtest.context_for(config_path)
    rows = []
    for k, (t_d, t_e) in enumerate(
        zip(context.events["determination_date"], context.effective_dates, strict=True)
    ):
        eligible = context.eligible.iloc[k]
        members = list(eligible.index[eligible.to_numpy()])
        close = context.prices.loc[t_d, members]
        weights = dict.fromkeys(context.tickers, 0.0)
        for ticker in members:
            weights[ticker] = (1.0 - lead) / len(members)
        weights[str(close.idxmax())] += lead
        rows.append(pd.Series(weights, name=t_e))
    return pd.DataFrame(rows)


def test_a_strategy_from_a_folder_on_pythonpath_runs_is_pinned_and_fails_cleanly(
    tmp_path: Path,
) -> None:
    plugins = tmp_path / "elsewhere"
    plugins.mkdir()
    (plugins / "userplug.py").write_text(PLUGIN, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    config = work / "plugin.toml"
    config.write_text(CONFIG, encoding="utf-8")

    done = _cli(["run", str(config), "--out", str(work / "out")], plugins, work)
    assert done.returncode == 0, done.stderr
    folder = work / "out" / "plugin"
    weights = pd.read_csv(folder / "weights.csv", parse_dates=["effective_date"])
    mine = weights[weights["strategy"] == "leader"].pivot(
        index="effective_date", columns="ticker", values="weight"
    )
    expected = _independent_leader(0.4, config)
    np.testing.assert_allclose(mine[expected.columns].to_numpy(), expected.to_numpy(), atol=1e-15)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (record,) = manifest["strategy_code"]["leader"]
    assert record["class"] == "userplug:Leader"
    assert Path(record["file"]) == (plugins / "userplug.py").resolve()
    assert record["sha256"] == __import__("hashlib").sha256(PLUGIN.encode()).hexdigest()

    golden = work / "golden.json"
    made = _cli(["check", str(config), "--golden", str(golden), "--update"], plugins, work)
    assert made.returncode == 0, made.stderr
    assert _cli(["check", str(config), "--golden", str(golden)], plugins, work).returncode == 0
    (plugins / "userplug.py").write_text(PLUGIN + "\n# a comment: the code changed\n")
    drift = _cli(["check", str(config), "--golden", str(golden)], plugins, work)
    assert drift.returncode == 1, drift.stderr
    assert "| leader | `userplug:Leader` |" in drift.stdout
    assert "**code changed**" in drift.stdout

    config.write_text(CONFIG.replace("lead = 0.4", "lead = 0.4\nleader_of = 3"))
    broken = _cli(["run", str(config), "--out", str(work / "out"), "--force"], plugins, work)
    assert broken.returncode == 2
    assert broken.stderr.count("\n") == 1 and "Traceback" not in broken.stderr
    assert "strategy `leader` (userplug:Leader): unknown parameter `leader_of`" in broken.stderr


def test_strategy_paths_are_relative_to_the_config_and_import_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "pathplug.py").write_text(PLUGIN.replace("Leader", "PathLeader"))
    (tmp_path / "mine" / "brokenplug.py").write_text("import numpy as np\n1 / 0\n")
    config = tmp_path / "c.toml"
    body = CONFIG.replace("userplug:Leader", "pathplug:PathLeader")
    config.write_text('strategy_paths = ["mine"]\n' + body, encoding="utf-8")
    assert main(["config", "validate", str(config)]) == 0
    for kind, message in (
        (
            "brokenplug:X",
            "importing module `brokenplug` for kind `brokenplug:X` failed: "
            "ZeroDivisionError: division by zero",
        ),
        (
            "nosuchplug:X",
            "cannot import module `nosuchplug` for kind `nosuchplug:X`: no such "
            "module in the config's strategy_paths",
        ),
        ("pathplug:Nope", "module `pathplug` ("),
        ("pathplug:np", "`pathplug:np` must be a class"),
    ):
        config.write_text('strategy_paths = ["mine"]\n' + body.replace("pathplug:PathLeader", kind))
        capsys.readouterr()
        assert main(["config", "validate", str(config)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


class Plain:
    """A strategy that is not a dataclass: its parameters come from `inspect.signature`."""

    def __init__(self, tilt: float, *, floor: float = 0.0) -> None:
        if tilt < 0:
            raise ValueError("tilt must be >= 0")
        self.tilt, self.floor = tilt, floor

    def weights(self, context: backtest.Context) -> pd.DataFrame:
        eligible = context.eligible.to_numpy(dtype=float)
        return pd.DataFrame(
            eligible / eligible.sum(axis=1, keepdims=True),
            index=context.effective_dates,
            columns=context.tickers,
        )


class Opaque:
    """Parameters that cannot be read by name (``*args`` only)."""

    def __init__(self, *args: float) -> None:
        self.args = args

    def weights(self, context: backtest.Context) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError


KIND = "tests.strategies.test_user_strategies"


@pytest.mark.parametrize(
    ("kind", "params", "match"),
    [
        (f"{KIND}:Plain", {}, rf"parameter `tilt` of `{KIND}:Plain` is required"),
        (
            f"{KIND}:Plain",
            {"tilt": 1, "flor": 0.1},
            r"unknown parameter `flor`; allowed: tilt, floor",
        ),
        (
            f"{KIND}:Plain",
            {"tilt": -1},
            rf"`{KIND}:Plain` refused its parameters: ValueError: tilt",
        ),
        (f"{KIND}:Opaque", {"x": 1}, r"unknown parameter `x`; allowed: none"),
        ("strategies.build:", {}, r"must be a registry name or `module:Class`"),
    ],
)
def test_a_class_that_cannot_be_built_is_a_config_error_naming_it(
    kind: str, params: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        build_strategy(StrategySpec(name="mine", kind=kind, params=params))


def test_a_plain_class_builds_from_its_signature_and_takes_constraints() -> None:
    assert parameters_of(Plain) == ["tilt", "floor"]
    spec = StrategySpec(
        name="mine",
        kind=f"{KIND}:Plain",
        params={"tilt": 2.0, "constraints": [{"kind": "capped", "max_weight": 0.2}]},
    )
    strategy = build_strategy(spec)
    assert isinstance(strategy.inner, Plain) and strategy.inner.tilt == 2.0  # type: ignore[attr-defined]


def _short_config(**extra: object) -> backtest.Config:
    raw: dict[str, object] = {
        "run": {"name": "py", "start": "2021-01-04", "end": "2022-12-30"},
        "strategies": [{"kind": "equal_weight"}],
        **extra,
    }
    return parse_config(raw)


def test_strategies_given_from_python_run_beside_the_config_and_are_recorded() -> None:
    config = _short_config()
    result = backtest.run(config, strategies={"plain": Plain(tilt=1.0)})
    assert list(result.metrics.index[:2]) == ["equal_weight", "plain"]
    both = result.weights.pivot_table(
        index=["effective_date", "ticker"], columns="strategy", values="weight"
    )
    np.testing.assert_array_equal(both["plain"], both["equal_weight"])
    assert result.manifest["python_strategies"] == {"plain": repr_without_address(Plain(tilt=1.0))}
    assert result.manifest["strategy_code"]["plain"][0]["class"] == f"{KIND}:Plain"
    assert result.manifest["config_sha256"] != backtest.run(config).manifest["config_sha256"]


def repr_without_address(obj: object) -> str:
    import re

    return re.sub(r" at 0x[0-9A-Fa-f]+", "", repr(obj))


@pytest.mark.parametrize(
    ("strategies", "match"),
    [
        ({"equal_weight": Plain(tilt=1.0)}, r"already has a strategy `equal_weight`"),
        ({"baseline": Plain(tilt=1.0)}, r"`baseline` is reserved"),
        ({"ref_X": Plain(tilt=1.0)}, r"`ref_X` is reserved"),
        ({"no good": Plain(tilt=1.0)}, r"the name must be letters"),
        ({"x": object()}, r"must have a method `weights\(context\) -> DataFrame`, got object"),
    ],
)
def test_bad_strategies_from_python_are_refused(strategies: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        backtest.run(_short_config(), strategies=strategies)


@pytest.mark.parametrize(
    ("script", "args"),
    [
        (None, ["run", "examples/user_strategy/config.toml", "--out", "{tmp}", "--json"]),
        ("examples/user_strategy/run.py", []),
    ],
)
def test_the_example_runs_from_the_cli_and_from_python(
    script: str | None, args: list[str], tmp_path: Path
) -> None:
    command = (
        [sys.executable, script]
        if script
        else [sys.executable, "-m", "backtest", *(a.format(tmp=tmp_path) for a in args)]
    )
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "momentum" in done.stdout


def test_check_strategy_passes_the_example_and_names_the_look_ahead_of_a_peeker() -> None:
    sys.path.insert(0, str(REPO / "examples" / "user_strategy"))
    try:
        from momentum import TopMomentum  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "examples" / "user_strategy"))
    context = backtest.context_for(_short_config())
    check_strategy(TopMomentum(lookback_days=21, top=4), context, allow_cash=True)
    with pytest.raises(AssertionError, match=r"^rows sum to 1: `TopMomentum` weights sum to 0.0"):
        check_strategy(TopMomentum(lookback_days=63, top=4), context)

    class Peek(TopMomentum):  # type: ignore[misc]
        def weights(self, context: backtest.Context) -> pd.DataFrame:
            shifted = context.events.assign(
                determination_row=np.minimum(
                    context.events["effective_row"] + 5, len(context.prices) - 1
                )
            )
            import dataclasses

            return TopMomentum.weights(self, dataclasses.replace(context, events=shifted))

    with pytest.raises(AssertionError, match=r"^look-ahead: `Peek` reads the future: its weight"):
        check_strategy(Peek(lookback_days=21, top=4), context, allow_cash=True)


def test_check_strategy_catches_a_strategy_reading_a_later_signal_value() -> None:
    from strategies import ProportionalTilt

    class NextShare(ProportionalTilt):  # type: ignore[misc]
        def weights(self, context: backtest.Context) -> pd.DataFrame:
            import dataclasses

            ahead = context.share.shift(-1).fillna(context.share.iloc[-1])
            return ProportionalTilt.weights(self, dataclasses.replace(context, share=ahead))

    context = backtest.context_for(_short_config())
    with pytest.raises(AssertionError, match=r"^look-ahead: `NextShare` reads the future"):
        check_strategy(NextShare(), context)


def test_a_sweep_kind_may_be_a_user_class() -> None:
    from backtest.sweep.grid import expand_variants, parse_sweep
    from backtest.sweep.weights import variant_weights

    spec = parse_sweep({"kind": f"{KIND}:Plain", "fixed": {"tilt": 1.0}, "grid": {"floor": [0, 1]}})
    context = backtest.context_for(_short_config())
    weights, index = variant_weights(
        context, spec.kind, spec.fixed, expand_variants(spec), columns=context.tickers
    )
    assert weights.shape[0] == 2 and list(index) == [0, 1]
    with pytest.raises(ConfigError, match=r"`sweep.kind`: .*no class `Nope`"):
        parse_sweep({"kind": f"{KIND}:Nope"})
