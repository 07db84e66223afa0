"""Sweeps: many strategy variants on one market, a fast kernel, and overfitting statistics.

Modules: `grid` (the ``[sweep]`` table), `market` (shared prices and contexts), `weights`
(variant weights), `kernel` and `events` (the numba accounting kernel and its two event
paths), `walk` and `reduce` (per-variant metrics, moments, CSCV blocks and hashes in one pass),
`plan` (what every chunk reduces to), `executor` (chunks: local or Dask), `store` (resumable
chunk files), `trials` (gathering the chunks), `run` (the pipeline), `stats` (PSR, DSR,
effective trials), `pbo` (CSCV), `spa` (Hansen's SPA, streamed), `summary` (the statistics and
their reading), `oos` (train/test and walk-forward), `ranking`, `progress`, `detail` (vectorbt
re-runs) and `report` (parquet and the sweep report; charts in `backtest.report.sweep_charts`).
"""
