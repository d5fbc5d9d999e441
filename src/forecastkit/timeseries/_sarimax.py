"""Regression with seasonal ARIMA errors (SARIMAX), one statsmodels fit per series (private).

:func:`fit_sarimax` fits to every row of a right-aligned panel
(:mod:`forecastkit.timeseries._panel`) the model ::

    y_t = c + x_t' beta + u_t
    phi(B) Phi(B^m) (1 - B)^d (1 - B^m)^D u_t = theta(B) Theta(B^m) e_t,   e_t ~ N(0, sigma2)

a linear regression on the regressors ``x_t`` (event indicators, prices...)
whose errors ``u_t`` follow a seasonal ARIMA process (Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, 3rd ed., section 10.1; statsmodels
``SARIMAX`` with ``exog``). The intercept ``c`` is only estimated when the
model has no differencing (``d = D = 0``); with differencing there is no
drift, so forecasts never extrapolate a linear trend.

Automatic orders (``order=None`` and ``seasonal_order=None``), chosen per
series by AIC: for ``1 < m <= 24``, ``(0,1,1)x(0,1,1,m)`` (the "airline"
model: a wandering level and a slowly adapting season) and
``(1,0,1)x(0,1,1,m)`` (stationary AR(1) deviations around a slowly adapting
seasonal profile); for ``m == 1`` or ``m > 24``, ``(0,1,1)`` and ``(1,0,1)``
with intercept (a long season costs a Kalman state of size ~``m``: give
weekly data Fourier regressors, or an explicit ``seasonal_order``). The AIC
is ``-2 sum log p(y_t | y_<t) + 2 (n_params + 1)`` over the periods every
candidate predicts, so that candidates with different differencing compare
(statsmodels' own AIC leaves out different initial periods, FPP3 9.8).

Estimation is maximum likelihood by coordinate ascent: ``beta`` starts from
least squares on the differenced data; then, twice, the ARMA coefficients
maximise the exact likelihood of the differenced ``y - x' beta``
(``simple_differencing=True``, ``concentrate_scale=True``, L-BFGS, at most
50 iterations: a search over 2-3 numbers whatever the number of regressors)
and ``beta`` becomes the GLS estimate given them (regression coefficients
as diffuse states of one Kalman filter pass). Two rounds end within a few
hundredths of a log-likelihood unit of statsmodels' joint maximum. One
filter pass of the undifferenced model then gives the residuals, the log
densities and the state at the forecast origin. ``y`` and the regressors
are rescaled while fitting. ``(1,0,1)`` starts from the airline fit (with
``ar.L1 = 0.97``, a nearly equivalent model), which halves its cost.

Per series, a regressor constant over the fitted history (an event never
seen) or collinear with earlier ones after differencing (a duplicated
event; a weekday dummy under weekly differencing) is left out of that
series' model, with a NaN coefficient (``notes["dropped_regressors"]``).

Forecasts from the predicted state ``a`` and its covariance ``P`` at the
origin, with ``g_j = Z T^(j-1)`` (design ``Z``, transition ``T``, selection
``R``)::

    yhat_{T+j} = c + x_{T+j}' beta + g_j a
    Var_j      = g_j P g_j' + sigma2 * sum_{i=0}^{j-2} psi_i ** 2,    psi_i = Z T^i R

exactly statsmodels' ``get_forecast`` mean and ``var_pred_mean`` (Durbin &
Koopman 2012, section 4.10). ``psi_i`` are the MA(infinity) weights of the
integrated model (``psi_0 = 1``) through which ``simulate`` propagates the
errors, differencing and seasonal differencing included.

Rows that cannot be fitted get NaN forecasts, variances, paths and
residuals (so that a selection by error never picks them) and are listed
in ``notes["failed"]``, by reason in ``notes["empty"]``,
``notes["constant"]`` (constant or all-zero history), ``notes["too_short"]``
(fewer than ``d + D m + P m`` + parameters + 10 observations) or
``notes["fit_error"]``. No warning from statsmodels reaches the caller.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecastkit._validation import positive_int
from forecastkit.errors import InvalidParameterError, format_values
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._panel import check_panel

__all__ = ["fit_sarimax"]

logger = logging.getLogger(__name__)

_DEFAULT_HISTORY = 730  # two years of daily data: every yearly event is seen twice
_MAX_AUTO_SEASON = 24  # longest season the automatic orders model with seasonal ARIMA
_SPARE_OBS = 10  # observations beyond burn-in and parameter count a fit needs
_COLLINEAR_TOL = 1e-4  # relative size of a column's part orthogonal to earlier ones, to keep it
_FIT_OPTIONS = {
    "method": "lbfgs",
    "maxiter": 50,
    "factr": 1e10,
    "disp": False,
    "cov_type": "none",
    "return_params": True,
}
_ROUNDS = 2  # coordinate ascent rounds (ARMA given beta, beta given ARMA)
_AR_START = 0.97  # ar.L1 when warm-starting (1,0,1) from the airline fit
_REASONS = ("empty", "constant", "too_short", "fit_error")


@dataclass(frozen=True)
class _Order:
    """A (p, d, q) x (P, D, Q, m) specification."""

    p: int
    d: int
    q: int
    P: int = 0
    D: int = 0
    Q: int = 0
    m: int = 1

    @property
    def burn(self) -> int:
        """Initial periods without a one-step prediction (the differencing's memory)."""
        return self.d + self.D * self.m

    @property
    def n_arma(self) -> int:
        return self.p + self.q + self.P + self.Q

    @property
    def intercept(self) -> bool:
        return self.d + self.D == 0

    @property
    def seasonal(self) -> bool:
        return self.P + self.D + self.Q > 0

    def min_obs(self, n_regressors: int) -> int:
        """Observations needed to fit with ``n_regressors`` columns (intercept included)."""
        return self.burn + self.P * self.m + self.n_arma + n_regressors + _SPARE_OBS

    def label(self) -> str:
        text = f"({self.p},{self.d},{self.q})"
        if self.seasonal:
            text += f"x({self.P},{self.D},{self.Q},{self.m})"
        return text

    def statsmodels_kwargs(self) -> dict[str, tuple[int, ...]]:
        seasonal = (self.P, self.D, self.Q, self.m) if self.seasonal else (0, 0, 0, 0)
        return {"order": (self.p, self.d, self.q), "seasonal_order": seasonal}


@dataclass(frozen=True)
class _SeriesFit:
    """One series' chosen model: coefficients and the state space at the forecast origin."""

    order: _Order
    used: np.ndarray  # (k,) bool: regressors in the model
    beta: np.ndarray  # (k,) per unit of each regressor (NaN where unused)
    intercept: float  # NaN when the model has none
    arma: dict[str, float]  # statsmodels parameter names ("ar.L1", "ma.S.L7"...)
    sigma2: float  # innovation variance (statsmodels' concentrated scale)
    residuals: np.ndarray  # (L,) one-step errors; NaN in burn-in and where y is missing
    design: np.ndarray  # (s,) Z
    transition: np.ndarray  # (s, s) T
    selection: np.ndarray  # (s,) R
    state: np.ndarray  # (s,) predicted state a_{T+1}
    state_cov: np.ndarray  # (s, s) its covariance P_{T+1}

    @property
    def n_params(self) -> int:
        return self.order.n_arma + int(self.used.sum()) + int(self.order.intercept)


# ---------------------------------------------------------------------- arguments
def _check_order(value: Any, name: str) -> tuple[int, int, int]:
    try:
        parts = () if isinstance(value, str) else tuple(int(v) for v in value)
        whole = all(float(v) == int(v) for v in value)
    except (TypeError, ValueError):
        parts, whole = (), False
    if len(parts) != 3 or not whole or min(parts) < 0:
        raise InvalidParameterError(
            f"{name} must be three non-negative integers; got {value!r}. For example "
            f"{name}=(1, 0, 1), or leave both order and seasonal_order as None for the "
            "automatic choice."
        )
    return parts[0], parts[1], parts[2]


def _candidates(order: object | None, seasonal_order: object | None, m: int) -> tuple[_Order, ...]:
    """The orders to try; several only for the automatic choice."""
    if order is None and seasonal_order is None:
        if 1 < m <= _MAX_AUTO_SEASON:
            return (_Order(0, 1, 1, 0, 1, 1, m), _Order(1, 0, 1, 0, 1, 1, m))
        return (_Order(0, 1, 1), _Order(1, 0, 1))
    p, d, q = (0, 0, 0) if order is None else _check_order(order, "order")
    P, D, Q = (
        (0, 0, 0) if seasonal_order is None else _check_order(seasonal_order, "seasonal_order")
    )
    if P + D + Q > 0 and m < 2:
        raise InvalidParameterError(
            f"seasonal_order={seasonal_order!r} needs season_length >= 2; got {m}. Pass the "
            "number of periods per cycle (7 for daily data) or seasonal_order=None."
        )
    return (_Order(p, d, q, P, D, Q, m),)


def _check_exog(
    Y: np.ndarray, exog: np.ndarray | None, exog_names: Sequence[str] | None
) -> tuple[np.ndarray, list[str]]:
    """Regressors as an ``(n, T, k)`` float copy and their names (k may be 0)."""
    n, T = Y.shape
    if exog is None:
        if exog_names:
            raise InvalidParameterError(
                f"exog_names {list(exog_names)} were given without exog; pass the regressor "
                "array too, or drop exog_names."
            )
        return np.zeros((n, T, 0)), []
    X = np.array(exog, dtype=float)
    if X.ndim != 3 or X.shape[:2] != (n, T):
        raise InvalidParameterError(
            f"exog must have shape (n_series, T, k) = ({n}, {T}, k) to match Y; got "
            f"{np.shape(exog)}. Align the regressors with Y's columns."
        )
    k = X.shape[2]
    names = [f"x{j}" for j in range(k)] if exog_names is None else [str(v) for v in exog_names]
    if len(names) != k or len(set(names)) != k:
        raise InvalidParameterError(
            f"exog_names must be {k} distinct names, one per regressor; got {names}."
        )
    reserved = [v for v in names if v in ("intercept", "sigma2") or v[:3] in ("ar.", "ma.")]
    if reserved:
        raise InvalidParameterError(
            f"exog_names {reserved} clash with model parameter names ('intercept', 'sigma2', "
            "'ar.*', 'ma.*'); rename those regressors."
        )
    return X, names


def _check_n_jobs(n_jobs: Any) -> int:
    if (
        isinstance(n_jobs, (bool, np.bool_))
        or not isinstance(n_jobs, (int, np.integer))
        or not n_jobs
    ):
        raise InvalidParameterError(
            f"n_jobs must be a non-zero integer (1 for no parallelism, -1 for all cores); "
            f"got {n_jobs!r}."
        )
    return int(n_jobs)


def _window_starts(Y: np.ndarray, history: int) -> np.ndarray:
    """First column each row is fitted on: its first observation, at most ``history`` back."""
    n, T = Y.shape
    observed = ~np.isnan(Y)
    first = np.where(observed.any(axis=1), np.argmax(observed, axis=1), T)
    return np.maximum(first, T - history).astype(np.int64)


def _offenders(bad: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Panel rows and regressor names of the True cells of ``bad`` (rows, periods, k)."""
    rows = np.flatnonzero(bad.any(axis=(1, 2)))
    return rows, [names[j] for j in np.flatnonzero(bad.any(axis=(0, 1)))]


def _clean_exog(Y: np.ndarray, X: np.ndarray, starts: np.ndarray, names: list[str]) -> None:
    """Refuse non-finite regressors where ``y`` is fitted; zero them elsewhere (in place)."""
    if X.shape[2] == 0:
        return
    T = Y.shape[1]
    in_window = np.arange(T)[None, :] >= starts[:, None]
    needed = (in_window & ~np.isnan(Y))[:, :, None]
    bad = needed & ~np.isfinite(X)
    if bad.any():
        rows, cols = _offenders(bad, names)
        raise InvalidParameterError(
            f"exog has {int(bad.sum())} missing or infinite values where y is observed, in "
            f"regressors {format_values(cols)} of panel rows {format_values(rows.tolist())}; "
            "fill them (0 for an absent event, the last known price...) before fitting."
        )
    X[~np.isfinite(X)] = 0.0


# ---------------------------------------------------------------------- one series
def _difference(Z: np.ndarray, order: _Order) -> np.ndarray:
    """Rows of ``(1 - B)^d (1 - B^m)^D Z`` (fewer rows by ``order.burn``)."""
    for _ in range(order.d):
        Z = Z[1:] - Z[:-1]
    for _ in range(order.D):
        Z = Z[order.m :] - Z[: -order.m]
    return Z


def _identifiable(y: np.ndarray, X: np.ndarray, varying: np.ndarray, order: _Order) -> np.ndarray:
    """Regressors (of those varying) that are not collinear after differencing.

    Columns are taken in order (after the intercept when the model has one):
    a column is dropped when the part of it orthogonal to the earlier ones
    is below ``_COLLINEAR_TOL`` of its norm (the diagonal of R in a QR
    decomposition of the normalised columns).
    """
    keep = varying.copy()
    cols = np.flatnonzero(varying)
    if cols.size == 0:
        return keep
    Z = _difference(np.column_stack([y, X[:, cols]]), order)
    V = Z[~np.isnan(Z[:, 0]), 1:]
    if order.intercept:
        V = np.column_stack([np.ones(V.shape[0]), V])
    norms = np.linalg.norm(V, axis=0)
    ok = np.zeros(V.shape[1], dtype=bool)
    if V.shape[0] > 0:
        R = np.linalg.qr(V / np.where(norms > 0, norms, 1.0), mode="r")
        diag = np.abs(np.diag(R))
        ok[: diag.size] = (diag > _COLLINEAR_TOL) & (norms[: diag.size] > 0)
    keep[cols] = ok[int(order.intercept) :]
    return keep


def _matrix(ssm: Any, name: str) -> np.ndarray:
    value = np.asarray(ssm[name])
    return value[..., 0] if value.ndim == 3 else value


def _filter(model: Any, params: np.ndarray) -> Any:
    """statsmodels' Kalman filter at ``params``, keeping only what the kernel reads.

    Calls the state space filter directly: building statsmodels' results
    object would cost more than the filter itself.
    """
    from statsmodels.tsa.statespace import kalman_filter as kf

    model.update(params)
    flags = (
        kf.MEMORY_NO_FILTERED
        | kf.MEMORY_NO_PREDICTED
        | kf.MEMORY_NO_GAIN
        | kf.MEMORY_NO_SMOOTHING
        | kf.MEMORY_NO_STD_FORECAST
        | kf.MEMORY_NO_FORECAST_COV
    )
    return model.ssm.filter(conserve_memory=flags)


def _start(names: list[str], previous: dict[str, float] | None) -> np.ndarray | None:
    """Start from the previous candidate's coefficients (``ar.L1 = 0.97`` if new), or None."""
    if previous is None:
        return None
    start = [previous.get(name, _AR_START if name == "ar.L1" else np.nan) for name in names]
    return np.array(start) if np.all(np.isfinite(start)) else None


def _estimate(
    y: np.ndarray, exog: np.ndarray, order: _Order, previous: dict[str, float] | None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """ARMA coefficients (names, values) and regression coefficients, by coordinate ascent.

    Starts from ``beta`` by least squares on the differenced data; then, twice:
    the ARMA coefficients maximise the likelihood of ``y - exog @ beta`` (a
    search over 2-3 numbers whatever the number of regressors), and ``beta``
    becomes the GLS estimate given them: the regression coefficients held as
    diffuse states of one Kalman filter pass. Each step raises the joint
    likelihood; two rounds reach statsmodels' joint maximum within a few
    hundredths of a log-likelihood unit on daily retail series.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    options = {**order.statsmodels_kwargs(), "trend": "n", "concentrate_scale": True}
    k = exog.shape[1]
    beta = np.empty(0)
    if k:
        Z = _difference(np.column_stack([y, exog]), order)
        rows = ~np.isnan(Z[:, 0])
        beta = np.linalg.lstsq(Z[rows, 1:], Z[rows, 0], rcond=None)[0]
        gls = SARIMAX(y, exog=exog, simple_differencing=True, mle_regression=False, **options)
    start, names, arma = None, [], np.empty(0)
    for _ in range(_ROUNDS if k else 1):
        search = SARIMAX(y - exog @ beta, simple_differencing=True, **options)
        names = list(search.param_names)
        if names:  # else (0,d,0)x(0,D,0): nothing to optimise
            start = _start(names, previous) if start is None else start
            arma = np.asarray(search.fit(start_params=start, **_FIT_OPTIONS), dtype=float)
            start = arma
        if k:  # the regression states after the last period
            beta = _filter(gls, arma).predicted_state[-k:, -1]
    return names, arma, beta


def _fit_candidate(
    y: np.ndarray,
    X: np.ndarray,
    used: np.ndarray,
    order: _Order,
    previous: dict[str, float] | None,
) -> tuple[_SeriesFit, np.ndarray] | None:
    """Fit one order to a (rescaled) series; the fit and its one-step log densities.

    None when the optimiser or the filter produced non-finite values.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    exog = X[:, used]
    if order.intercept:
        exog = np.column_stack([np.ones(y.size), exog])
    names, arma, beta = _estimate(y, exog, order, previous)
    options = {**order.statsmodels_kwargs(), "trend": "n", "concentrate_scale": True}
    regressors = exog if exog.shape[1] else None
    model = SARIMAX(y, exog=regressors, **options)
    res = _filter(model, np.r_[beta, arma])
    state, state_cov = res.predicted_state[:, -1], res.predicted_state_cov[:, :, -1]
    values = (arma, beta, state, state_cov, res.llf_obs)
    if not all(np.all(np.isfinite(v)) for v in values) or not res.scale > 0:
        return None
    residuals = np.array(res.forecasts_error[0], dtype=np.float64)
    residuals[: order.burn] = np.nan
    residuals[np.isnan(y)] = np.nan
    fit = _SeriesFit(
        order=order,
        used=used,
        beta=beta[int(order.intercept) :],  # rescaled later
        intercept=float(beta[0]) if order.intercept else np.nan,
        arma=dict(zip(names, arma.tolist(), strict=True)),
        sigma2=float(res.scale),
        residuals=residuals,
        design=_matrix(model.ssm, "design")[0].copy(),
        transition=_matrix(model.ssm, "transition").copy(),
        selection=_matrix(model.ssm, "selection")[:, 0].copy(),
        state=state.copy(),
        state_cov=state_cov.copy(),
    )
    return fit, np.asarray(res.llf_obs, dtype=float)


def _select(fits: list[tuple[_SeriesFit, np.ndarray]]) -> _SeriesFit:
    """The candidate with the lowest AIC over the periods all of them predict."""
    start = max(fit.order.burn for fit, _ in fits)
    aic = [-2.0 * float(np.sum(llf[start:])) + 2.0 * (fit.n_params + 1) for fit, llf in fits]
    return fits[int(np.argmin(aic))][0]


def _rescale(fit: _SeriesFit, y_scale: float, x_scale: np.ndarray) -> _SeriesFit:
    """Coefficients and states of a fit to ``y / y_scale``, ``X / x_scale`` in original units."""
    beta = np.full(fit.used.size, np.nan)
    beta[fit.used] = fit.beta * y_scale / x_scale[fit.used]
    return _SeriesFit(
        order=fit.order,
        used=fit.used,
        beta=beta,
        intercept=fit.intercept * y_scale,
        arma=fit.arma,
        sigma2=fit.sigma2 * y_scale**2,
        residuals=fit.residuals * y_scale,
        design=fit.design,
        transition=fit.transition,
        selection=fit.selection,
        state=fit.state * y_scale,
        state_cov=fit.state_cov * y_scale**2,
    )


def _fit_series(y: np.ndarray, X: np.ndarray, candidates: tuple[_Order, ...]) -> _SeriesFit | str:
    """Fit every candidate order that the series supports; the best fit or why none."""
    observed = ~np.isnan(y)
    if not observed.any():
        return "empty"
    if np.ptp(y[observed]) == 0:
        return "constant"
    y_scale = float(np.std(y[observed]))
    x_scale = np.max(np.abs(X[observed]), axis=0) if X.shape[1] else np.ones(0)
    varying = np.ptp(X[observed], axis=0) > 0 if X.shape[1] else np.zeros(0, dtype=bool)
    ys, Xs = y / y_scale, X / np.where(x_scale > 0, x_scale, 1.0)
    fits: list[tuple[_SeriesFit, np.ndarray]] = []
    tried, previous = False, None
    for order in candidates:
        used = _identifiable(ys, Xs, varying, order)
        if observed.sum() < order.min_obs(int(used.sum()) + int(order.intercept)):
            continue
        tried = True
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = _fit_candidate(ys, Xs, used, order, previous)
        except Exception as err:  # one bad series must not sink the batch
            logger.debug("SARIMAX %s failed: %r", order.label(), err)
            continue
        if result is not None:
            fits.append(result)
            previous = result[0].arma
    if not fits:
        return "fit_error" if tried else "too_short"
    return _rescale(_select(fits), y_scale, x_scale)


def _fit_chunk(
    series: list[tuple[np.ndarray, np.ndarray]], candidates: tuple[_Order, ...]
) -> list[_SeriesFit | str]:
    """Fit a block of series; BLAS runs single-threaded (threads only slow down tiny matrices)."""
    try:
        from threadpoolctl import threadpool_limits

        limits: contextlib.AbstractContextManager = threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limits = contextlib.nullcontext()
    with limits:
        return [_fit_series(y, X, candidates) for y, X in series]


def _chunks(n: int, pieces: int) -> Iterator[np.ndarray]:
    yield from (part for part in np.array_split(np.arange(n), pieces) if part.size)


def _fit_rows(
    Y: np.ndarray, X: np.ndarray, starts: np.ndarray, candidates: tuple[_Order, ...], n_jobs: int
) -> list[_SeriesFit | str]:
    """Fit every row, in ``n_jobs`` processes (loky) over contiguous blocks of rows."""
    from joblib import Parallel, delayed, effective_n_jobs

    series = [(Y[i, s:], X[i, s:, :]) for i, s in enumerate(starts)]
    workers = min(effective_n_jobs(n_jobs), len(series))
    if workers <= 1:
        return _fit_chunk(series, candidates)
    blocks = list(_chunks(len(series), 4 * workers))
    parts = Parallel(n_jobs=workers, backend="loky")(
        delayed(_fit_chunk)([series[i] for i in block], candidates) for block in blocks
    )
    return [fit for part in parts for fit in part]


# ---------------------------------------------------------------------- assembly
@dataclass(frozen=True)
class _Stacked:
    """Every row's state space, zero-padded to a common state dimension (NaN if failed)."""

    design: np.ndarray  # (n, s)
    transition: np.ndarray  # (n, s, s)
    selection: np.ndarray  # (n, s)
    state: np.ndarray  # (n, s)
    state_cov: np.ndarray  # (n, s, s)
    sigma2: np.ndarray  # (n,)

    def impulse(self, h: int) -> np.ndarray:
        """``g_j = Z T^(j-1)`` for ``j = 1..h``: ``(n, h, s)``."""
        g = np.empty((*self.design.shape[:1], h, self.design.shape[1]))
        g[:, 0] = self.design
        for j in range(1, h):
            g[:, j] = np.matmul(g[:, j - 1, None, :], self.transition)[:, 0]
        return g

    def psi(self, g: np.ndarray) -> np.ndarray:
        """MA(infinity) weights ``psi_0..psi_{h-1}`` of the integrated model: ``(n, h)``."""
        return np.einsum("nhs,ns->nh", g, self.selection)

    def variance(self, h: int) -> np.ndarray:
        g = self.impulse(h)
        first = np.sum(np.matmul(g, self.state_cov) * g, axis=2)
        cum = np.cumsum(self.psi(g) ** 2, axis=1)
        later = np.concatenate([np.zeros((cum.shape[0], 1)), cum[:, :-1]], axis=1)
        return first + self.sigma2[:, None] * later


def _stack(fits: list[_SeriesFit | str]) -> _Stacked:
    n = len(fits)
    s = max((f.state.size for f in fits if isinstance(f, _SeriesFit)), default=1)
    design, selection, state = np.full((n, s), np.nan), np.zeros((n, s)), np.full((n, s), np.nan)
    transition, state_cov = np.zeros((n, s, s)), np.full((n, s, s), np.nan)
    sigma2 = np.full(n, np.nan)
    for i, f in enumerate(fits):
        if isinstance(f, _SeriesFit):
            r = f.state.size
            design[i], state[i], state_cov[i] = 0.0, 0.0, 0.0
            design[i, :r], selection[i, :r], state[i, :r] = f.design, f.selection, f.state
            transition[i, :r, :r], state_cov[i, :r, :r] = f.transition, f.state_cov
            sigma2[i] = f.sigma2
    return _Stacked(design, transition, selection, state, state_cov, sigma2)


def _params(fits: list[_SeriesFit | str], names: list[str]) -> dict[str, np.ndarray]:
    n = len(fits)
    good = [(i, f) for i, f in enumerate(fits) if isinstance(f, _SeriesFit)]
    arma_names = list(dict.fromkeys(key for _, f in good for key in f.arma))
    params = {name: np.full(n, np.nan) for name in [*names, "intercept", *arma_names, "sigma2"]}
    for i, f in good:
        for j, name in enumerate(names):
            params[name][i] = f.beta[j]
        params["intercept"][i] = f.intercept
        for key, value in f.arma.items():
            params[key][i] = value
        params["sigma2"][i] = f.sigma2
    return params


def _notes(fits: list[_SeriesFit | str], names: list[str]) -> dict[str, object]:
    failed = np.array([i for i, f in enumerate(fits) if isinstance(f, str)], dtype=np.int64)
    notes: dict[str, object] = {"failed": failed}
    for reason in _REASONS:
        rows = np.array([i for i, f in enumerate(fits) if f == reason], dtype=np.int64)
        if rows.size:
            notes[reason] = rows
    dropped = {}
    for j, name in enumerate(names):
        where = [i for i, f in enumerate(fits) if isinstance(f, _SeriesFit) and not f.used[j]]
        if where:
            dropped[name] = np.array(where, dtype=np.int64)
    notes["dropped_regressors"] = dropped
    notes["order"] = np.array(
        [f.order.label() if isinstance(f, _SeriesFit) else None for f in fits], dtype=object
    )
    return notes


def _assemble(
    fits: list[_SeriesFit | str],
    shape: tuple[int, int],
    starts: np.ndarray,
    names: list[str],
    future_exog: Callable[[int], np.ndarray] | None,
) -> KernelFit:
    """Wrap per-series fits into a :class:`KernelFit` with vectorized forecasts."""
    n, T = shape
    k = len(names)
    stacked = _stack(fits)
    residuals = np.full((n, T), np.nan)
    used = np.zeros((n, k), dtype=bool)
    beta = np.zeros((n, k))
    intercept = np.zeros(n)
    fitted = np.zeros(n, dtype=bool)
    for i, f in enumerate(fits):
        if isinstance(f, _SeriesFit):
            residuals[i, starts[i] :] = f.residuals
            used[i], fitted[i] = f.used, True
            beta[i] = np.where(f.used, f.beta, 0.0)
            intercept[i] = f.intercept if f.order.intercept else 0.0

    def regression(h: int) -> np.ndarray:
        base = np.repeat(intercept[:, None], h, axis=1)
        if k == 0:
            return base
        future = _future_exog(future_exog, h, (n, h, k), used & fitted[:, None], names)
        return base + np.einsum("nhk,nk->nh", np.where(used[:, None, :], future, 0.0), beta)

    def mean(h: int) -> np.ndarray:
        h = positive_int(h, "h")
        g = stacked.impulse(h)
        return regression(h) + np.einsum("nhs,ns->nh", g, stacked.state)

    def variance(h: int) -> np.ndarray:
        return stacked.variance(positive_int(h, "h"))

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        h = positive_int(h, "h")
        errors = np.asarray(errors, dtype=float)
        if errors.ndim != 3 or errors.shape[0] != n or errors.shape[2] < h:
            raise InvalidParameterError(
                f"errors must have shape (n_series, n_paths, h) = ({n}, n_paths, {h}); got "
                f"{errors.shape}."
            )
        psi = stacked.psi(stacked.impulse(h))
        out = np.repeat(mean(h)[:, None, :], errors.shape[1], axis=1)
        for i in range(h):  # y_{T+j} = mean_j + sum_i psi_i e_{T+j-i}
            out[:, :, i:] += psi[:, i, None, None] * errors[:, :, : h - i]
        return out

    n_params = np.array(
        [f.n_params if isinstance(f, _SeriesFit) else np.nan for f in fits], dtype=float
    )
    return KernelFit(
        name="sarimax",
        mean=mean,
        residuals=residuals,
        params=_params(fits, names),
        variance=variance,
        simulate=simulate,
        n_params=n_params,
        notes=_notes(fits, names),
    )


def _future_exog(
    future_exog: Callable[[int], np.ndarray] | None,
    h: int,
    shape: tuple[int, int, int],
    needed: np.ndarray,
    names: list[str],
) -> np.ndarray:
    """``future_exog(h)`` checked: right shape, finite where a fitted model uses it."""
    if future_exog is None:
        raise InvalidParameterError(
            f"this SARIMAX fit uses the regressors {format_values(names)}, so forecasts need "
            "their future values: pass future_exog, a function h -> array (n_series, h, k) "
            "of the regressors in the h periods after each series' last observation."
        )
    future = np.asarray(future_exog(h), dtype=float)
    if future.shape != shape:
        raise InvalidParameterError(
            f"future_exog({h}) must return an array of shape {shape} (n_series, h, k); got "
            f"{future.shape}."
        )
    bad = needed[:, None, :] & ~np.isfinite(future)
    if bad.any():
        rows, cols = _offenders(bad, names)
        raise InvalidParameterError(
            f"future_exog({h}) has missing or infinite values in regressors "
            f"{format_values(cols)} of panel rows {format_values(rows.tolist())}; every "
            "regressor a series' model uses needs a value in every forecast period."
        )
    return future


# ---------------------------------------------------------------------- driver
def fit_sarimax(
    Y: np.ndarray,
    season_length: int,
    *,
    exog: np.ndarray | None = None,
    future_exog: Callable[[int], np.ndarray] | None = None,
    exog_names: Sequence[str] | None = None,
    order: tuple[int, int, int] | None = None,
    seasonal_order: tuple[int, int, int] | None = None,
    max_history: int | None = None,
    n_jobs: int = 1,
) -> KernelFit:
    """Fit a regression with seasonal ARIMA errors to every series of a panel.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``, NaN-padded on the left; NaN
        inside a series marks a missing value (the Kalman filter skips it).
    season_length : int
        Season length ``m`` (7 for daily data); 1 for none.
    exog : numpy.ndarray, optional
        ``(n_series, T, k)`` regressors aligned with ``Y``'s columns. Values
        in the padding and where ``y`` is missing are ignored; elsewhere in
        the fitted history they must be finite.
    future_exog : callable, optional
        ``future_exog(h) -> (n_series, h, k)``: the regressors in the ``h``
        periods after each series' last column. Needed by ``mean`` and
        ``simulate`` when ``exog`` is given.
    exog_names : sequence of str, optional
        Names of the ``k`` regressors (keys of ``params``); ``x0, x1, ...``
        when omitted.
    order : (p, d, q), optional
        ARIMA order of the errors. When both ``order`` and ``seasonal_order``
        are None each series chooses among a few orders by AIC (see the
        module notes); when only one is given the other is ``(0, 0, 0)``.
    seasonal_order : (P, D, Q), optional
        Seasonal order, with period ``season_length``.
    max_history : int, optional
        Fit on each series' last ``max_history`` periods only (the cost is
        linear in it); default 730, two years of daily data, so that every
        yearly event is seen twice.
    n_jobs : int, default=1
        Worker processes (joblib's loky backend); -1 for all cores. Results
        do not depend on it.

    Returns
    -------
    KernelFit
        ``name="sarimax"``; ``mean(h)`` and ``variance(h)`` are statsmodels'
        forecast mean and ``var_pred_mean``; ``simulate(h, errors)`` adds the
        errors (in units of ``y``) through the MA(infinity) weights;
        ``residuals`` are the one-step errors over the fitted history (NaN
        before it and during the first ``d + D m`` periods); ``params`` holds
        one array per regressor name (NaN where dropped), ``intercept`` (NaN
        when differenced), the ARMA coefficients by statsmodels name
        (``ar.L1``, ``ma.S.L7``...) and ``sigma2``; ``n_params`` counts ARMA
        coefficients, regressors and the intercept; ``notes`` has ``failed``,
        the reasons, ``dropped_regressors`` (name -> rows) and ``order``.

    Raises
    ------
    InvalidParameterError
        If an argument is not valid, ``exog`` has missing values where ``y``
        is observed, or (from ``mean``) ``future_exog`` is missing or wrong.

    References
    ----------
    Hyndman, R.J. & Athanasopoulos, G. (2021). *Forecasting: Principles and
    Practice*, 3rd ed., sections 9.9 (seasonal ARIMA) and 10.1 (regression
    with ARIMA errors). Durbin, J. & Koopman, S.J. (2012). *Time Series
    Analysis by State Space Methods*, 2nd ed., section 4.10 (forecasting).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> T = 300
    >>> promo = (rng.random((1, T)) < 0.1).astype(float)
    >>> noise = np.zeros(T)
    >>> for t in range(1, T):
    ...     noise[t] = 0.5 * noise[t - 1] + rng.normal(0, 2)
    >>> Y = 50 + 30 * promo + noise
    >>> fit = fit_sarimax(Y, 1, exog=promo[:, :, None], exog_names=["promo"],
    ...                   future_exog=lambda h: np.ones((1, h, 1)), order=(1, 0, 0))
    >>> round(float(fit.params["promo"][0])), round(float(fit.params["ar.L1"][0]), 1)
    (30, 0.5)
    >>> bool(fit.mean(1)[0, 0] > 70)
    True
    """
    Y = check_panel(Y)
    m = positive_int(season_length, "season_length")
    X, names = _check_exog(Y, exog, exog_names)
    if exog is None and future_exog is not None:
        raise InvalidParameterError(
            "future_exog was given without exog; pass the historical regressors as exog too."
        )
    candidates = _candidates(order, seasonal_order, m)
    history = _DEFAULT_HISTORY if max_history is None else positive_int(max_history, "max_history")
    starts = _window_starts(Y, history)
    _clean_exog(Y, X, starts, names)
    began = time.perf_counter()
    fits = _fit_rows(Y, X, starts, candidates, _check_n_jobs(n_jobs))
    kernel = _assemble(fits, Y.shape, starts, names, future_exog)
    logger.info(
        "sarimax: %d series in %.1fs (%d failed), orders %s",
        len(fits),
        time.perf_counter() - began,
        len(kernel.notes["failed"]),
        sorted({c.label() for c in candidates}),
    )
    return kernel
