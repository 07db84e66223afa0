"""Chunk results gathered into per-variant arrays and per-sweep sums: the trials of the statistics.

`Accumulator` places each chunk's per-variant reductions at its variants' rows as the chunk
arrives (in any order), combines the SPA maxima (order-free) and keeps each chunk's sums of
standardised returns; `Accumulator.finish` adds those sums in chunk-key order (the same bits
whatever the executor or the completion order) and returns the `TrialArrays`.

**Trials** are the distinct return series: variants whose 128-bit hashes of their daily returns
are equal (e.g. every ``neutral_share`` at ``strength = 0``) count once, as the first of them in
chunk order. A chunk sums the z-scores of its own distinct series; a series that also appeared in
an earlier chunk is then counted twice, so `Accumulator.finish` re-simulates those few variants
and subtracts them: the average correlation is that of the distinct trials, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backtest.sweep.spa import SpaPartial
from backtest.sweep.store import ChunkResult

__all__ = ["Accumulator", "TrialArrays"]


@dataclass(frozen=True, kw_only=True)
class TrialArrays:
    """Per-variant reductions of a whole sweep (K variants) and the sums over its trials.

    Attributes
    ----------
    metrics : ndarray, shape (K, 18)
    moments : ndarray, shape (K, 6)
    hashes : ndarray of uint64, shape (K, 2)
    spans : ndarray, shape (K, n_spans)
    blocks : ndarray, shape (K, S, n_columns)
    sensitivity : ndarray, shape (K, n_scenarios, n_metrics)
    trials : ndarray of int
        Rows of the distinct return series (ascending).
    zsums : ndarray, shape (2, n_days)
        Sums of the trials' standardised raw and active returns.
    zcounts : ndarray of int, shape (2,)
    spa : SpaPartial or None
    """

    metrics: np.ndarray
    moments: np.ndarray
    hashes: np.ndarray
    spans: np.ndarray
    blocks: np.ndarray
    sensitivity: np.ndarray
    trials: np.ndarray
    zsums: np.ndarray
    zcounts: np.ndarray
    spa: SpaPartial | None


_PER_VARIANT = ("metrics", "moments", "hashes", "spans", "blocks", "sensitivity")


class Accumulator:
    """Gathers `ChunkResult` objects of one sweep of ``n_variants`` variants."""

    def __init__(self, n_variants: int) -> None:
        self.n_variants = n_variants
        self.arrays: dict[str, np.ndarray] = {}
        self.chunks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.spa: SpaPartial | None = None
        self.filled = 0

    def add(self, result: ChunkResult) -> None:
        """Place ``result`` (each chunk once)."""
        if result.key in self.chunks:
            raise ValueError(f"chunk `{result.key}` was added twice")
        for name in _PER_VARIANT:
            values = getattr(result, name)
            if name not in self.arrays:
                fill = 0 if values.dtype == np.uint64 else np.nan
                self.arrays[name] = np.full(
                    (self.n_variants, *values.shape[1:]), fill, values.dtype
                )
            self.arrays[name][result.variants] = values
        self.chunks[result.key] = (result.variants, result.zsums, result.zcounts)
        if result.spa_simulated.size:
            partial = SpaPartial(statistic=result.spa_statistic, simulated=result.spa_simulated)
            self.spa = partial if self.spa is None else self.spa.combine(partial)
        self.filled += len(result.variants)

    def finish(
        self, recount: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None
    ) -> TrialArrays:
        """Return the `TrialArrays` once every variant has arrived.

        Parameters
        ----------
        recount : callable(rows) -> (sums (2, n_days), counts (2,)), optional
            Standardised-return sums of the given variants (re-simulated); None without
            statistics.
        """
        if self.filled != self.n_variants:
            raise ValueError(f"{self.filled} of {self.n_variants} variants have results")
        hashes = self.arrays["hashes"]
        order = np.concatenate([self.chunks[k][0] for k in sorted(self.chunks)])
        _, first = np.unique(hashes[order], axis=0, return_index=True)
        trials = np.sort(order[first])
        zsums = None
        zcounts = np.zeros(2, dtype=np.int64)
        for key in sorted(self.chunks):  # fixed order: the same bits whatever came first
            variants, sums, counts = self.chunks[key]
            if sums.size:
                zsums = sums.copy() if zsums is None else zsums + sums
                zcounts = zcounts + counts
        if zsums is not None and recount is not None:
            is_trial = np.zeros(self.n_variants, dtype=bool)
            is_trial[trials] = True
            twice = []
            for key in sorted(self.chunks):
                variants = self.chunks[key][0]
                _, local = np.unique(hashes[variants], axis=0, return_index=True)
                twice.append(variants[local][~is_trial[variants[local]]])
            again = np.sort(np.concatenate(twice))
            if len(again):
                sums, counts = recount(again)
                zsums = zsums - sums
                zcounts = zcounts - counts
        return TrialArrays(
            **{name: self.arrays[name] for name in _PER_VARIANT},
            trials=trials,
            zsums=np.zeros((2, 0)) if zsums is None else zsums,
            zcounts=zcounts,
            spa=self.spa,
        )
