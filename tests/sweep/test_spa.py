"""The streamed SPA test gives arch's p-values, whatever the chunks and their order."""

from __future__ import annotations

import numpy as np
import pytest
from arch.bootstrap import StationaryBootstrap

from backtest.sweep.spa import bootstrap_counts, spa_chunk, spa_pvalues
from backtest.sweep.stats import spa_test


def test_bootstrap_draws_are_archs_own() -> None:
    counts = bootstrap_counts(60, reps=50, block_size=3, seed=11)
    draws = StationaryBootstrap(3, np.arange(60), seed=11).bootstrap(50)
    expected = np.array([np.bincount(data[0][0], minlength=60) for data in draws])
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("seed", range(4))
def test_chunks_in_any_order_give_archs_pvalues(seed: int) -> None:
    rng = np.random.default_rng(seed)
    months = 120
    baseline = rng.normal(0.01, 0.08, months)
    trials = baseline + rng.normal(rng.uniform(-0.01, 0.004), 0.03, (40, months))
    trials[7] = trials[3]  # a duplicate trial changes nothing
    expected = spa_test(trials, baseline, reps=300, block_size=3, seed=seed)
    counts = bootstrap_counts(months, reps=300, block_size=3, seed=seed)
    parts = [spa_chunk(trials[i : i + 7], baseline, counts, block_size=3) for i in range(0, 40, 7)]
    for order in (parts, parts[::-1]):
        combined = order[0]
        for part in order[1:]:
            combined = combined.combine(part)
        got = spa_pvalues(combined)
        assert got == (expected.pvalue_lower, expected.pvalue_consistent, expected.pvalue_upper)
    empty = spa_chunk(trials[:0], baseline, counts, block_size=3)
    assert spa_pvalues(empty.combine(parts[0])) == spa_pvalues(parts[0])
