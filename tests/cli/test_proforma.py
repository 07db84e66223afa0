"""``backtest proforma``: prints the trail, writes CSV and JSON, never replaces without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from backtest.cli import main
from backtest.pipeline.proforma import PROFORMA_COLUMNS
from tests.cli.test_cli import SHORT


def test_proforma_prints_writes_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "short.toml"
    config.write_text(SHORT + 'constraints = [{ kind = "capped", max_weight = 0.15 }]\n')
    argv = ["proforma", str(config), "--as-of", "2024-03-27", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "out" / "short-proforma-2024-03-27"
    assert "determination date 2024-02-29 (the latest on or before 2024-03-27)" in out
    assert "| ticker | scheme | capped |" in out
    assert out.startswith((folder / "proforma.md").read_text())
    table = pd.read_csv(folder / "proforma.csv")
    assert tuple(table.columns) == PROFORMA_COLUMNS
    assert set(table["layer"]) == {"scheme", "capped"}
    capped = table[table["layer"] == "capped"]
    assert capped["weight"].sum() == pytest.approx(1.0, abs=1e-12)  # cash row included
    assert capped.loc[capped["ticker"] != "cash", "weight"].max() <= 0.15 + 1e-12
    assert main(argv) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main([*argv, "--force", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload == json.loads((folder / "proforma.json").read_text())
    assert payload["effective_date"] == "2024-03-01" and not payload["effective_estimated"]
