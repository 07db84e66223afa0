"""``python -m backtest``: the same entry point as the ``backtest`` console script."""

import sys

from backtest.cli import main

sys.exit(main())
