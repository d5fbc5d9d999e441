"""Conformal forecast quantiles and sample paths from held-out windows (private).

Calibration forecasts ``W`` held-out windows of ``H`` periods at the end of
the history with a model trained before the first of them. Each calibration
forecast ``yhat`` of series ``i`` at step ``k`` leaves a *score*

    s = (y - yhat) / scale_i

where ``scale_i`` is the series' mean absolute one-period change over the
periods before the window's origin (the MASE scale), floored at a tenth of
the median scale so that flat series do not blow up. Scores are pooled
across series and windows in *cells*: horizon bands (steps 1, 2-3, 4-7,
8-15...) crossed with bins of ``yhat`` (up to ``max_bins`` quantile bins, at
least ``min_cell`` scores each), because the shape of count-demand errors
depends on the level (many zeros at low rates) and their spread on the lead
time. This is split conformal prediction with a Mondrian taxonomy (Vovk et
al., 2005; Angelopoulos and Bates, 2023): forecast quantile ``p`` is

    q_p = max(0, yhat + scale_i * Q_cell(p))

with ``Q_cell`` the empirical quantile function of the cell's scores
(Hazen plotting positions ``(j - 0.5) / n``, linear in between).

Sample paths draw each step's value through the same ``Q_cell``, so their
marginal quantiles match ``q_p``. The steps of a path share the dependence
of real errors: a path takes the probability integral transforms (PIT, the
rank of each score in its cell) of one calibration trajectory (a random
series and window) as its uniform draws, an empirical copula in the manner
of the Schaake shuffle (Clark et al., 2004). Steps beyond ``H`` repeat the
PIT of step ``H``.

References
----------
Vovk, V., Gammerman, A. and Shafer, G. (2005). *Algorithmic Learning in a
Random World*, Section 4.5 (Mondrian conformal predictors).
Angelopoulos, A. N. and Bates, S. (2023). Conformal prediction: a gentle
introduction. *Foundations and Trends in Machine Learning* 16(4).
Clark, M. et al. (2004). The Schaake shuffle. *Journal of Hydrometeorology* 5(1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Calibration", "calibrate", "conformal_quantiles", "sample_conformal", "series_scale"]


def _band(steps: np.ndarray) -> np.ndarray:
    """Band of each 1-based step: 1 -> 0, 2-3 -> 1, 4-7 -> 2, 8-15 -> 3..."""
    return np.floor(np.log2(np.maximum(steps, 1))).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Calibration:
    """Cells of pooled scores learned from held-out windows.

    Attributes
    ----------
    steps : int
        Calibrated horizon ``H``.
    edges : list of numpy.ndarray
        Per band, the inner ``yhat`` edges of its bins.
    scores : list of list of numpy.ndarray
        Per band and bin, the sorted scores.
    pit : numpy.ndarray
        ``(n_trajectories, H)`` PIT of each calibration trajectory (NaN: no actual).
    n_scores : int
        Scores used.
    """

    steps: int
    edges: list[np.ndarray]
    scores: list[list[np.ndarray]]
    pit: np.ndarray
    n_scores: int

    def cells(self, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Band and bin of each forecast of an ``(n, h)`` array."""
        h = mean.shape[1]
        steps = np.minimum(np.arange(1, h + 1), self.steps)
        band = np.broadcast_to(np.minimum(_band(steps), len(self.edges) - 1), mean.shape)
        bins = np.zeros(mean.shape, dtype=np.int64)
        for b, edges in enumerate(self.edges):
            at = band == b
            bins[at] = np.searchsorted(edges, mean[at], side="right")
        return band, bins

    def quantile(self, band: np.ndarray, bins: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``Q_cell(p)`` for arrays of bands, bins and probabilities (same shape)."""
        out = np.zeros(np.shape(p))
        for b, per_bin in enumerate(self.scores):
            for j, scores in enumerate(per_bin):
                at = (band == b) & (bins == j)
                if at.any():
                    grid = (np.arange(scores.size) + 0.5) / scores.size
                    out[at] = np.interp(p[at], grid, scores)
        return out


def series_scale(y: np.ndarray, starts: np.ndarray, origin: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute one-period change of each series over ``window`` periods to ``origin``.

    ``origin[i]`` is series ``i``'s last known row (-1 or below its first row:
    none). Series with no change observed get NaN.

    Examples
    --------
    >>> y = np.array([1.0, 3.0, 2.0, 6.0, 5.0, 5.0])
    >>> series_scale(y, np.array([0, 4, 6]), np.array([3, 5]), window=2).tolist()
    [2.5, 0.0]
    """
    n_series = starts.size - 1
    diff = np.abs(np.diff(y, prepend=np.nan))
    diff[starts[:-1][np.diff(starts) > 0]] = np.nan
    ok = ~np.isnan(diff)
    run_sum = np.r_[0.0, np.cumsum(np.where(ok, diff, 0.0))]
    run_n = np.r_[0.0, np.cumsum(ok)]
    first = starts[:-1]
    hi = np.clip(origin + 1, first, starts[1:])
    lo = np.clip(hi - window, first, None)
    count = run_n[hi] - run_n[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (run_sum[hi] - run_sum[lo]) / count
    return np.where(count > 0, scale, np.nan) if n_series else scale


def floor_scale(scale: np.ndarray, reference: float) -> np.ndarray:
    """Scales floored at a tenth of ``reference`` (NaN -> ``reference``)."""
    ref = reference if np.isfinite(reference) and reference > 0 else 1.0
    return np.maximum(np.nan_to_num(scale, nan=ref), 0.1 * ref)


def calibrate(
    pred: np.ndarray,
    actual: np.ndarray,
    scale: np.ndarray,
    *,
    min_cell: int = 200,
    max_bins: int = 8,
) -> Calibration:
    """Pool the scores of calibration forecasts into cells.

    Parameters
    ----------
    pred, actual : numpy.ndarray
        ``(n_trajectories, H)`` calibration forecasts and actuals (NaN: none).
    scale : numpy.ndarray
        ``(n_trajectories,)`` floored series scales.
    min_cell : int, default=200
        Fewest scores per ``yhat`` bin.
    max_bins : int, default=8
        Most bins per band.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pred = np.full((400, 2), 5.0)
    >>> actual = pred + rng.normal(0.0, 2.0, pred.shape)
    >>> cal = calibrate(pred, actual, np.ones(400))
    >>> band, bins = cal.cells(np.full((1, 2), 5.0))
    >>> q90 = cal.quantile(band, bins, np.full((1, 2), 0.9))  # normal: 1.2816 * 2 = 2.56
    >>> bool(np.all(np.abs(q90 - 2.56) < 0.2))
    True
    """
    n, h = pred.shape
    score = (actual - pred) / scale[:, None]
    band = np.broadcast_to(_band(np.arange(1, h + 1)), (n, h))
    ok = ~np.isnan(score)
    edges, scores = [], []
    pit = np.full((n, h), np.nan)
    for b in range(int(band.max()) + 1 if h else 0):
        at = ok & (band == b)
        level = pred[at]
        n_bins = int(np.clip(level.size // max(min_cell, 1), 1, max_bins))
        inner = np.zeros(0)
        if level.size:
            inner = np.unique(np.quantile(level, np.linspace(0, 1, n_bins + 1)[1:-1]))
        which = np.searchsorted(inner, pred, side="right")
        per_bin = []
        for j in range(inner.size + 1):
            cell = at & (which == j)
            values = score[cell]
            order = np.argsort(values, kind="stable")
            ranks = np.empty(values.size)
            ranks[order] = np.arange(values.size)
            pit[cell] = (ranks + 0.5) / max(values.size, 1)
            per_bin.append(values[order] if values.size else np.zeros(1))
        edges.append(inner)
        scores.append(per_bin)
    return Calibration(h, edges, scores, pit, int(ok.sum()))


def conformal_quantiles(
    cal: Calibration, mean: np.ndarray, scale: np.ndarray, quantiles: list[float]
) -> np.ndarray:
    """``(n, h, len(quantiles))`` forecast quantiles, non-negative and ordered in ``p``."""
    band, bins = cal.cells(mean)
    out = np.empty((*mean.shape, len(quantiles)))
    for j, q in enumerate(quantiles):
        shift = cal.quantile(band, bins, np.full(mean.shape, q))
        out[..., j] = mean + scale[:, None] * shift
    out = np.clip(np.nan_to_num(out, nan=0.0), 0.0, None)
    return np.maximum.accumulate(out, axis=-1)


def sample_conformal(
    cal: Calibration,
    mean: np.ndarray,
    scale: np.ndarray,
    n_paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(n, n_paths, h)`` non-negative sample paths (see the module docstring)."""
    n, h = mean.shape
    steps = np.minimum(np.arange(h), cal.steps - 1)
    pick = rng.integers(0, cal.pit.shape[0], size=(n, n_paths))
    u = cal.pit[pick][:, :, steps]
    u = np.where(np.isnan(u), rng.uniform(size=u.shape), u)
    band, bins = cal.cells(mean)
    band = np.broadcast_to(band[:, None, :], u.shape)
    bins = np.broadcast_to(bins[:, None, :], u.shape)
    shift = cal.quantile(band, bins, u)
    paths = mean[:, None, :] + scale[:, None, None] * shift
    return np.clip(np.nan_to_num(paths, nan=0.0), 0.0, None)
