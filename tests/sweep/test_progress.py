"""The progress bar: variants done, the rate of this run and the time left, by hand."""

from __future__ import annotations

import io

from backtest.sweep.progress import ProgressBar


def test_rate_and_eta_by_hand() -> None:
    times = iter([100.0, 102.0, 104.0])
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10, clock=lambda: next(times))
    bar(2_000, 10_000)  # resumed: 2,000 variants already on disk, the clock starts here
    bar(4_000, 10_000)  # 2,000 variants in 2 s: 1,000/s, 6,000 left: 6 s
    bar(10_000, 10_000)
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0] == "[##--------] 2,000/10,000 variants  0/s  ETA --:--"
    assert frames[1] == "[####------] 4,000/10,000 variants  1,000/s  ETA 0:06"
    assert frames[2] == "[##########] 10,000/10,000 variants  2,000/s  4s\n"
