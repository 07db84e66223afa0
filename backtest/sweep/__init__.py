"""Sweeps: many strategy variants on one market, a fast kernel, and overfitting statistics.

Modules: `grid` (the ``[sweep]`` table), `market` (shared prices and contexts), `weights`
(variant weights), `kernel` (the numba accounting kernel), `metrics` (vectorised metrics),
`executor` (local / Dask chunks, resumable files), `run` (the pipeline), `stats` (PSR, DSR,
PBO, SPA), `oos` (train/test and walk-forward), `report` (parquet and the sweep report).
"""
