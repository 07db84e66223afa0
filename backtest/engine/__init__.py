"""The engine: target weights -> equity, holdings, orders and costs (the only vectorbt import)."""
