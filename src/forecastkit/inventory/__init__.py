"""Inventory decisions from demand distributions.

* analytic building blocks: newsvendor (normal, Poisson, any scipy
  distribution, samples), critical fractile, EOQ, (r, Q), (s, S), safety
  stock for a cycle service level or a fill rate, the budget-constrained
  multi-item newsvendor;
* :class:`ReorderOptimizer`: order quantities under budgets, supplier
  budgets, capacity, MOQs, case packs and service floors (PuLP + HiGHS), fed
  by :func:`protection_demand` or :func:`demand_from_quantiles`;
* :func:`allocate`: limited stock split across channels and locations;
* :func:`simulate`: base-stock, (s, S), (R, S), :class:`OptimizerPolicy` (the
  optimizer re-run at each review) or custom policies over demand histories
  or sample paths.
"""

from forecastkit.inventory.allocation import allocate
from forecastkit.inventory.budget import budget_newsvendor
from forecastkit.inventory.demand import demand_from_quantiles, protection_demand
from forecastkit.inventory.eoq import eoq, r_q_cost_normal, r_q_normal
from forecastkit.inventory.newsvendor import (
    NewsvendorOutcomes,
    critical_fractile,
    critical_ratio,
    expected_outcomes,
    newsvendor_dist,
    newsvendor_normal,
    newsvendor_poisson,
    newsvendor_samples,
)
from forecastkit.inventory.optimizer import ReorderOptimizer
from forecastkit.inventory.policy import OptimizerPolicy
from forecastkit.inventory.projection import budget_curve, project_stock
from forecastkit.inventory.safety import (
    safety_stock_csl,
    safety_stock_fill_rate,
    standard_normal_loss,
)
from forecastkit.inventory.simulate import (
    RS,
    SS,
    BaseStock,
    PolicyState,
    SimulationResult,
    simulate,
)
from forecastkit.inventory.ss import ss_cost, ss_poisson

__all__ = [
    "budget_curve",
    "project_stock",
    "RS",
    "SS",
    "BaseStock",
    "NewsvendorOutcomes",
    "OptimizerPolicy",
    "PolicyState",
    "ReorderOptimizer",
    "SimulationResult",
    "allocate",
    "budget_newsvendor",
    "critical_fractile",
    "critical_ratio",
    "demand_from_quantiles",
    "eoq",
    "expected_outcomes",
    "newsvendor_dist",
    "newsvendor_normal",
    "newsvendor_poisson",
    "newsvendor_samples",
    "protection_demand",
    "r_q_cost_normal",
    "r_q_normal",
    "safety_stock_csl",
    "safety_stock_fill_rate",
    "simulate",
    "ss_cost",
    "ss_poisson",
    "standard_normal_loss",
]
