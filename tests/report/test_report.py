"""report.html: self-contained (no network, no script); every chart renders in headless Chromium."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from backtest.config import parse_config
from backtest.metrics import METRIC_NAMES
from backtest.pipeline.result import write_run
from backtest.pipeline.runner import Result, run
from backtest.report.html import CHART_NAMES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Appended to a copy of the page: records load errors, then lists every image's natural size.
_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  window.__errors.push("error " + (e.message || (e.target && e.target.id)));
}, true);
window.addEventListener("load", function () {
  var images = Array.from(document.images).map(function (i) {
    return {id: i.id, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight};
  });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({errors: window.__errors, images: images});
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = parse_config(
        {
            "run": {"name": "rep", "start": dt.date(2023, 1, 3), "end": dt.date(2025, 6, 30)},
            "data": {"source": "demo"},
            "strategies": [
                {"name": "prop", "kind": "proportional"},
                {"name": "prop_edge", "kind": "proportional", "edge_fraction": 0.6},
            ],
        }
    )
    result: Result = run(config)
    folder = write_run(result, tmp_path_factory.mktemp("rep") / "rep", force=False)
    return folder / "report.html"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _embedded(page: str) -> dict[str, bytes]:
    found = re.findall(r'<img id="chart-([a-z_]+)"[^>]*src="data:image/png;base64,([^"]+)"', page)
    return {name: base64.b64decode(data) for name, data in found}


def test_page_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page
    references = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert references and all(r.startswith("data:image/png;base64,") for r in references)
    assert not re.search(r"https?://", page)
    assert list(_embedded(page)) == list(CHART_NAMES)
    for png in _embedded(page).values():
        width, height = _png_size(png)
        assert width >= 600 and height >= 200


def test_page_shows_the_metrics_and_the_synthetic_label(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert 'class="banner synthetic">synthetic demo market, not real prices' in page
    rows = re.findall(r'<tr class="(\w+)"><td>([^<]+)</td>', page)
    one_table = [
        ("strategy", "prop"), ("strategy", "prop_edge"), ("baseline", "baseline"),
        ("reference", "ref_SPY"), ("reference", "ref_QQQ"), ("reference", "ref_SMH"),
    ]  # fmt: skip
    assert rows == one_table * 3  # performance, against the baseline, trading
    metrics = page.split("<h2>Where the active return came from")[0]
    headers = [h for h in re.findall(r"<th>([^<]+)</th>", metrics) if h != "strategy"]
    assert sorted(headers) == sorted(METRIC_NAMES)  # every metric shown exactly once


def _chromium(page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # any network fetch fails loudly
            "--virtual-time-budget=5000", "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _probe(tmp_path: Path, html: str) -> dict[str, list[dict[str, object]]]:
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    done = _chromium(probed, tmp_path / "profile-probe")
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"probe did not run; chromium stderr:\n{done.stderr[-2000:]}"
    result: dict[str, list[dict[str, object]]] = json.loads(found.group(1))
    return result


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_loads_the_page_without_console_errors(report: Path, tmp_path: Path) -> None:
    done = _chromium(report, tmp_path / "profile")
    assert "</html>" in done.stdout or "</body>" in done.stdout
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert 'id="chart-equity"' in done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_renders_every_chart(report: Path, tmp_path: Path) -> None:
    html = report.read_text(encoding="utf-8")
    probe = _probe(tmp_path, html)
    assert probe["errors"] == []
    sizes = {name: _png_size(png) for name, png in _embedded(html).items()}
    rendered = {str(i["id"]): (i["complete"], i["width"], i["height"]) for i in probe["images"]}
    assert rendered == {f"chart-{n}": (True, w, h) for n, (w, h) in sizes.items()}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_probe_catches_a_broken_chart(report: Path, tmp_path: Path) -> None:
    html = report.read_text(encoding="utf-8")
    broken = html.replace('src="data:image/png;base64,iVBOR', 'src="data:image/png;base64,AAAA', 1)
    assert broken != html
    probe = _probe(tmp_path, broken)
    widths = [i["width"] for i in probe["images"]]
    assert widths.count(0) == 1 and probe["errors"]
