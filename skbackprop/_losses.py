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

with ``W = sum_i w_i`` (``W = n_samples`` without weights).
"""

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


#: Loss values ``LOSSES[name](y, p, sample_weight, weight_sum) -> float``.
LOSSES = {
    "squared_error": squared_error,
    "poisson": poisson,
    "binary_log_loss": binary_log_loss,
    "log_loss": log_loss,
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


#: Gradients of the per-sample loss with respect to the network output ``p``
#: (before averaging): ``LOSS_GRADIENTS[name](y, p, out)`` writes into ``out``.
LOSS_GRADIENTS = {
    "squared_error": _squared_error_grad,
    "poisson": _poisson_grad,
    "binary_log_loss": _binary_log_loss_grad,
    "log_loss": _log_loss_grad,
}

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
