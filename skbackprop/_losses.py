"""Loss functions, their gradients with respect to the network output, and
the canonical output-activation/loss pairs.

This module is part of the engine and imports nothing from scikit-learn.

Every loss is *averaged over samples* (weighted by ``sample_weight`` when
given) and *summed over outputs*, so that the value reported as ``loss_`` is
exactly the function whose gradient the engine computes, for one output and
for many::

    squared_error    L = 1/(2 W) * sum_i w_i sum_k (y_ik - p_ik)**2
    poisson          L = 1/W     * sum_i w_i sum_k (y_ik log(y_ik/p_ik) - y_ik + p_ik)
    binary_log_loss  L = -1/W    * sum_i w_i sum_k (y_ik log p_ik
                                                    + (1-y_ik) log(1-p_ik))
    log_loss         L = -1/W    * sum_i w_i sum_k y_ik log p_ik
                       (one-hot targets: -1/W * sum_i w_i log p_i,true)
    absolute_error   L = 1/W     * sum_i w_i sum_k |r_ik|
    huber            L = 1/W     * sum_i w_i sum_k h(r_ik),
                       h(r) = r**2 / 2 if |r| <= delta else delta (|r| - delta / 2)
    quantile         L = 1/W     * sum_i w_i sum_k max(q r_ik, (q - 1) r_ik)

with ``W = sum_i w_i`` (``W = n_samples`` without weights) and the residual
``r = y - p``. Huber's threshold ``delta > 0`` and the quantile
``0 < q < 1`` are parameters of their losses (:data:`LOSS_PARAMETERS`);
:func:`loss_functions` binds them.

The absolute error and the quantile (pinball) loss are piecewise linear: not
differentiable where ``p = y``. Their gradients are subgradients that take the
value 0 at the kink (an element of the subdifferential ``[-q, 1 - q]``, and
the choice that makes ``quantile`` with ``q = 1/2`` exactly half the
absolute error, gradient included). The Huber loss is once continuously
differentiable (its gradient ``clip(p - y, -delta, delta)`` has kinks, its
value none). Gradient methods that assume a smooth objective, L-BFGS's line
search in particular, may therefore stop early on the two piecewise linear
losses; the stochastic solvers do not mind.
"""

import functools

import numpy as np
from scipy.special import xlogy


def _weighted_mean(per_sample, sample_weight, weight_sum):
    # per_sample has shape (n,) or, for stacked restarts, (R, n)
    if sample_weight is None:
        total = per_sample.sum(axis=-1) / per_sample.shape[-1]
    else:
        total = np.dot(per_sample, sample_weight) / weight_sum
    return float(total) if np.ndim(total) == 0 else total


def _clip_probability(p):
    eps = np.finfo(p.dtype).eps
    return np.clip(p, eps, 1 - eps)


def squared_error(y, p, sample_weight=None, weight_sum=None):
    """Half the squared error, averaged over samples and summed over outputs."""
    diff = p - y
    per_sample = np.einsum("...ij,...ij->...i", diff, diff)
    return 0.5 * _weighted_mean(per_sample, sample_weight, weight_sum)


def poisson(y, p, sample_weight=None, weight_sum=None):
    """Poisson deviance (halved), averaged over samples and summed over outputs."""
    p = np.maximum(p, np.finfo(p.dtype).tiny)
    per_sample = (xlogy(y, y) - y * np.log(p) - y + p).sum(axis=-1)
    return _weighted_mean(per_sample, sample_weight, weight_sum)


def binary_log_loss(y, p, sample_weight=None, weight_sum=None):
    """Binary cross-entropy of independent logistic outputs."""
    p = _clip_probability(p)
    per_sample = -(xlogy(y, p) + xlogy(1 - y, 1 - p)).sum(axis=-1)
    return _weighted_mean(per_sample, sample_weight, weight_sum)


def log_loss(y, p, sample_weight=None, weight_sum=None):
    """Categorical cross-entropy of a softmax output, for one-hot targets.

    With one-hot ``y`` only the true class's term of ``sum_k y_k log p_k`` is
    non-zero, so the value is ``-log p_true`` with ``p_true = sum_k y_k p_k``:
    one pass over the outputs and a logarithm per sample instead of per
    output (the same numbers as the sum over classes: the other terms are
    exact zeros). The classifier's targets (``LabelBinarizer``) are one-hot;
    soft targets would need ``-sum_k xlogy(y_k, p_k)``.
    """
    if p.shape[-1] == 1:
        return binary_log_loss(y, p, sample_weight, weight_sum)
    p_true = _clip_probability(np.einsum("...ij,...ij->...i", y, p))
    per_sample = -np.log(p_true, out=p_true)
    return _weighted_mean(per_sample, sample_weight, weight_sum)


def absolute_error(y, p, sample_weight=None, weight_sum=None):
    """Absolute error, averaged over samples and summed over outputs."""
    r = np.subtract(p, y)
    per_sample = np.abs(r, out=r).sum(axis=-1)
    return _weighted_mean(per_sample, sample_weight, weight_sum)


def huber(y, p, sample_weight=None, weight_sum=None, delta=1.0):
    """Huber loss with threshold ``delta``, averaged over samples and summed
    over outputs: half the squared residual up to ``delta``, linear beyond."""
    delta = min(delta, float(np.finfo(p.dtype).max))  # castable to p's dtype
    r = np.subtract(p, y)
    np.abs(r, out=r)
    # m (r - m/2) with m = min(r, delta): r**2/2 up to delta, delta (r - delta/2)
    # beyond, and no r**2 that could overflow where the linear branch applies
    m = np.minimum(r, delta)
    r -= 0.5 * m
    r *= m
    return _weighted_mean(r.sum(axis=-1), sample_weight, weight_sum)


def quantile(y, p, sample_weight=None, weight_sum=None, quantile=0.5):
    """Pinball loss of the ``quantile``, averaged over samples and summed
    over outputs: ``q (y - p)`` above the prediction, ``(1 - q) (p - y)``
    below."""
    r = np.subtract(y, p)
    per_sample = np.maximum(quantile * r, (quantile - 1) * r).sum(axis=-1)
    return _weighted_mean(per_sample, sample_weight, weight_sum)


#: Loss values ``LOSSES[name](y, p, sample_weight, weight_sum) -> float``
#: (parameters of the loss, :data:`LOSS_PARAMETERS`, as keyword arguments).
LOSSES = {
    "squared_error": squared_error,
    "poisson": poisson,
    "binary_log_loss": binary_log_loss,
    "log_loss": log_loss,
    "absolute_error": absolute_error,
    "huber": huber,
    "quantile": quantile,
}


def _squared_error_grad(y, p, out):
    return np.subtract(p, y, out=out)


def _poisson_grad(y, p, out):
    # d/dp (y log(y/p) - y + p) = 1 - y / p
    np.maximum(p, np.finfo(p.dtype).tiny, out=out)
    np.divide(y, out, out=out)
    return np.subtract(1.0, out, out=out)


def _binary_log_loss_grad(y, p, out):
    # d/dp = (p - y) / (p (1 - p))
    q = _clip_probability(p)
    np.subtract(p, y, out=out)
    out /= q * (1 - q)
    return out


def _log_loss_grad(y, p, out):
    if p.shape[-1] == 1:
        return _binary_log_loss_grad(y, p, out)
    np.divide(y, _clip_probability(p), out=out)
    return np.negative(out, out=out)


def _absolute_error_grad(y, p, out):
    # sign(p - y): a subgradient, 0 at the kink p = y
    np.subtract(p, y, out=out)
    return np.sign(out, out=out)


def _huber_grad(y, p, out, delta=1.0):
    # the residual clipped to [-delta, delta]
    delta = min(delta, float(np.finfo(p.dtype).max))
    np.subtract(p, y, out=out)
    return np.clip(out, -delta, delta, out=out)


def _quantile_grad(y, p, out, quantile=0.5):
    # 1 - q where p > y, -q where p < y and 0 at the kink: with s = sign(p - y),
    # (s + (1 - 2q) |s|) / 2
    np.subtract(p, y, out=out)
    np.sign(out, out=out)
    tilt = np.abs(out)
    tilt *= 1.0 - 2.0 * quantile
    out += tilt
    out *= 0.5
    return out


#: Gradients of the per-sample loss with respect to the network output ``p``
#: (before averaging): ``LOSS_GRADIENTS[name](y, p, out)`` writes into ``out``
#: (parameters of the loss as keyword arguments).
LOSS_GRADIENTS = {
    "squared_error": _squared_error_grad,
    "poisson": _poisson_grad,
    "binary_log_loss": _binary_log_loss_grad,
    "log_loss": _log_loss_grad,
    "absolute_error": _absolute_error_grad,
    "huber": _huber_grad,
    "quantile": _quantile_grad,
}

#: The parameters of the losses that have some, with their defaults.
LOSS_PARAMETERS = {
    "huber": {"delta": 1.0},
    "quantile": {"quantile": 0.5},
}


def check_loss_params(loss, loss_params):
    """``loss_params`` as a new dict of floats, checked against the names
    the loss takes (:data:`LOSS_PARAMETERS`); missing ones are left to the
    defaults of the loss functions.

    Parameters
    ----------
    loss : str
        A key of :data:`LOSSES`.
    loss_params : dict or None

    Returns
    -------
    loss_params : dict
    """
    params = {} if loss_params is None else dict(loss_params)
    unknown = set(params) - set(LOSS_PARAMETERS.get(loss, ()))
    if unknown:
        raise ValueError(f"loss {loss!r} takes no parameter(s) {sorted(unknown)}.")
    return {name: float(value) for name, value in params.items()}


def loss_functions(loss, loss_params=None):
    """The value and gradient functions of ``loss`` with its parameters bound
    (the plain functions of :data:`LOSSES` and :data:`LOSS_GRADIENTS` when
    there are none).

    Parameters
    ----------
    loss : str
        A key of :data:`LOSSES`.
    loss_params : dict, default=None
        Keyword arguments of both functions (see :data:`LOSS_PARAMETERS`).

    Returns
    -------
    value : callable
        ``value(y, p, sample_weight, weight_sum) -> float``.
    gradient : callable
        ``gradient(y, p, out) -> out``.
    """
    value, gradient = LOSSES[loss], LOSS_GRADIENTS[loss]
    if loss_params:
        value = functools.partial(value, **loss_params)
        gradient = functools.partial(gradient, **loss_params)
    return value, gradient


#: Output activation and loss pairs whose output delta simplifies to
#: ``dL/dz = p - y`` (the canonical link of each loss). A network asked for
#: logistic outputs with ``"log_loss"`` uses ``"binary_log_loss"``.
CANONICAL_PAIRS = frozenset(
    {
        ("identity", "squared_error"),
        ("exp", "poisson"),
        ("logistic", "binary_log_loss"),
        ("softmax", "log_loss"),
    }
)
