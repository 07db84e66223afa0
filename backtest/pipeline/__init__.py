"""The run pipeline: prepare the inputs, simulate every strategy, write and read the result.

(Not ``backtest.run``: that name is the public function `backtest.run`.)
"""
