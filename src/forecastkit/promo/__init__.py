"""Promotion and festival planning: measured lift, what-if plans, festival stock builds.

* :func:`plan` answers "what will this promotion bring?": the fitted
  LightGBM model forecasts the SKUs with and without the promotion (price,
  depth, type), on sample paths, giving units, revenue, margin, cost, profit
  and ROI with intervals, and the dip after it (:class:`PromoPlan`).
* :func:`evaluate` answers "what did that promotion bring?": a counterfactual
  baseline fitted on the history before the promotion, the lift over its
  window with an interval, the pull-forward dip after it, and the ROI;
  :func:`cleanse_promotions` takes earlier promotions out of the history.
* :func:`festival_orders` answers "what must I order, and by when, for
  Double 11?": the demand over the festival window (pre-sale to slump),
  net of the stock carried into it, path by path, and each supplier's lead
  time give one order per item and its order date, sized by
  :class:`~forecastkit.ReorderOptimizer` under the budget.

Scope: sales lift, pull-forward and ROI on sales data. Customer-level
retention, click-through and conversion funnels need customer data that
this library does not take.
"""

from forecastkit.promo._evaluate import cleanse_promotions, evaluate
from forecastkit.promo._festival import festival_orders
from forecastkit.promo._plan import PromoPlan, plan

__all__ = ["PromoPlan", "cleanse_promotions", "evaluate", "festival_orders", "plan"]
