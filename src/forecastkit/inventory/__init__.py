"""Inventory decisions from demand distributions.

For now the analytic newsvendor building blocks; the budget-constrained
``ReorderOptimizer`` and the policy simulator build on them.
"""

from forecastkit.inventory.newsvendor import critical_ratio, newsvendor_normal, newsvendor_poisson

__all__ = ["critical_ratio", "newsvendor_normal", "newsvendor_poisson"]
