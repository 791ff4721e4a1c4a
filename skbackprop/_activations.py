"""Activation functions and their derivatives, computed in place.

This module is part of the engine and imports nothing from scikit-learn.

Every activation overwrites its argument (the pre-activation ``z``) with
``f(z)``. Most derivatives are expressed in terms of the stored *activation*
``a = f(z)`` rather than ``z`` (for the logistic unit ``f'(z) = a (1 - a)``,
for tanh ``f'(z) = 1 - a**2``, for softplus ``f'(z) = 1 - exp(-a)``), so the
backward pass needs no pre-activations and the forward buffers are reused in
place. Training passes keep one buffer more for a few layers
(:data:`KEEPS_BUFFER`, :data:`KEEPING_ACTIVATIONS`, :data:`KEPT_DERIVATIVES`):
GELU and SiLU are not invertible, so their derivatives take ``z`` and the
forward pass keeps a copy of it; for ReLU the forward pass keeps ``f'(z)``
itself, the 0/1 mask, which makes the backward step one multiply.

Every function is finite and warning-free for any finite input (for
instance ``exp`` is only taken of non-positive numbers).
"""

import numpy as np
from scipy.special import expit, ndtr

#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_SLOPE = 0.01

#: ``1 / sqrt(2 pi)``, the scale of the standard normal density.
_INV_SQRT_2PI = 0.3989422804014327

#: Beyond this ``|z|`` the normal density is 0 in float64 (and far below).
_GELU_CLIP = 40.0


def _identity(z):
    return z


def _logistic(z):
    return expit(z, out=z)


def _tanh(z):
    return np.tanh(z, out=z)


def _relu(z):
    return np.maximum(z, 0, out=z)


def _relu_keeping(z, kept):
    # f'(z) = (z > 0) into kept, then f(z) = z f'(z): a compare and a multiply
    # cost less than np.maximum, and the mask serves the backward pass
    np.greater(z, 0, out=kept)
    z *= kept
    return z


def _leaky_relu(z):
    return np.multiply(z, LEAKY_SLOPE, out=z, where=z < 0)


def _elu(z):
    # alpha = 1: z for z > 0, exp(z) - 1 otherwise (expm1 of z <= 0 only)
    return np.expm1(z, out=z, where=z < 0)


def _softplus(z):
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), numpy's stable form
    return np.logaddexp(z, 0.0, out=z)


def _gelu_keeping(z, kept):
    # z Phi(z) with Phi the standard normal CDF: 0.5 z (1 + erf(z / sqrt 2));
    # z itself is kept
    np.copyto(kept, z)
    ndtr(kept, out=z)
    z *= kept
    return z


def _gelu(z):
    return _gelu_keeping(z, np.empty_like(z))


def _silu_keeping(z, kept):
    # z * logistic(z); z itself is kept
    np.copyto(kept, z)
    expit(kept, out=z)
    z *= kept
    return z


def _silu(z):
    return _silu_keeping(z, np.empty_like(z))


def _exp(z):
    # Clip so that exp never overflows to inf; the clipped value is still
    # astronomically large and the loss reports the divergence.
    hi = np.log(np.finfo(z.dtype).max) - 1.0
    np.minimum(z, hi, out=z)
    return np.exp(z, out=z)


def _softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


#: In-place activation functions ``f(z)``, keyed by name.
ACTIVATIONS = {
    "identity": _identity,
    "logistic": _logistic,
    "tanh": _tanh,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "softplus": _softplus,
    "gelu": _gelu,
    "silu": _silu,
    "exp": _exp,
    "softmax": _softmax,
}

#: Hidden activations whose training passes keep a buffer per layer for the
#: backward pass: ``KEEPING_ACTIVATIONS[name](z, kept)`` overwrites ``z`` with
#: ``f(z)`` and writes into ``kept`` what the derivative reads: the
#: pre-activation ``z`` for GELU and SiLU (no temporary array), ``f'(z)`` for
#: ReLU. Inference uses :data:`ACTIVATIONS`.
KEEPING_ACTIVATIONS = {
    "gelu": _gelu_keeping,
    "silu": _silu_keeping,
    "relu": _relu_keeping,
}

#: The activations of :data:`KEEPING_ACTIVATIONS`.
KEEPS_BUFFER = frozenset(KEEPING_ACTIVATIONS)


def _identity_derivative(a, delta, work):
    return delta


def _logistic_derivative(a, delta, work):
    # delta *= a * (1 - a)
    np.subtract(1.0, a, out=work)
    work *= a
    delta *= work
    return delta


def _tanh_derivative(a, delta, work):
    # delta *= 1 - a**2
    np.multiply(a, a, out=work)
    np.subtract(1.0, work, out=work)
    delta *= work
    return delta


def _relu_kept_derivative(kept, a, delta, work):
    # delta *= f'(z), kept by the forward pass
    delta *= kept
    return delta


def _leaky_relu_derivative(a, delta, work):
    # delta *= 1 where a >= 0, the slope where a < 0 (a < 0 exactly if z < 0)
    np.less(a, 0, out=work)
    work *= LEAKY_SLOPE - 1.0
    work += 1.0
    delta *= work
    return delta


def _elu_derivative(a, delta, work):
    # f'(z) = 1 for z > 0, exp(z) = a + 1 otherwise: min(a + 1, 1)
    np.add(a, 1.0, out=work)
    np.minimum(work, 1.0, out=work)
    delta *= work
    return delta


def _softplus_derivative(a, delta, work):
    # f'(z) = logistic(z) = 1 - exp(-a) = -expm1(-a), accurate for small a
    np.negative(a, out=work)
    np.expm1(work, out=work)
    np.negative(work, out=work)
    delta *= work
    return delta


def _gelu_derivative(z, a, delta, work):
    # f'(z) = Phi(z) + z phi(z); phi(z) underflows to 0 beyond |z| = 40, and
    # clipping there keeps z**2 finite
    np.clip(z, -_GELU_CLIP, _GELU_CLIP, out=work)
    density = np.square(work)
    density *= -0.5
    np.exp(density, out=density)
    work *= density
    work *= _INV_SQRT_2PI
    work += ndtr(z, out=density)
    delta *= work
    return delta


def _silu_derivative(z, a, delta, work):
    # f'(z) = s + a (1 - s) with s = logistic(z) and a = z s
    expit(z, out=work)
    rest = np.subtract(1.0, work)
    rest *= a
    work += rest
    delta *= work
    return delta


def _exp_derivative(a, delta, work):
    delta *= a
    return delta


def _softmax_derivative(a, delta, work):
    # Jacobian-vector product of softmax: a * (delta - sum_k delta_k a_k).
    np.multiply(a, delta, out=work)
    delta -= work.sum(axis=-1, keepdims=True)
    delta *= a
    return delta


#: In-place derivatives: ``DERIVATIVES[name](a, delta, work)`` multiplies the
#: back-propagated signal ``delta`` by ``f'(z)`` expressed through ``a = f(z)``.
#: ``work`` is a scratch buffer with the shape of ``a``.
DERIVATIVES = {
    "identity": _identity_derivative,
    "logistic": _logistic_derivative,
    "tanh": _tanh_derivative,
    "leaky_relu": _leaky_relu_derivative,
    "elu": _elu_derivative,
    "softplus": _softplus_derivative,
    "exp": _exp_derivative,
    "softmax": _softmax_derivative,
}

#: Derivatives of the :data:`KEEPS_BUFFER` activations:
#: ``KEPT_DERIVATIVES[name](kept, a, delta, work)`` multiplies ``delta`` by
#: ``f'(z)`` from the buffer the forward pass kept (and ``a = f(z)``).
KEPT_DERIVATIVES = {
    "gelu": _gelu_derivative,
    "silu": _silu_derivative,
    "relu": _relu_kept_derivative,
}

#: Activations allowed in hidden layers.
HIDDEN_ACTIVATIONS = (
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "gelu",
    "silu",
)


def hidden_activations(activation, n_hidden):
    """One activation name per hidden layer.

    Parameters
    ----------
    activation : str or sequence of str
        One name for every hidden layer, or one per hidden layer.
    n_hidden : int
        Number of hidden layers.

    Returns
    -------
    activations : tuple of str of length ``n_hidden``

    Raises
    ------
    ValueError
        If a name is unknown or the sequence has the wrong length.
    """
    if isinstance(activation, str):
        names = (activation,) * n_hidden
    else:
        names = tuple(activation)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} name(s) but the network has "
                f"{n_hidden} hidden layer(s); give one name per hidden layer "
                "or a single name for all."
            )
    for name in names:
        if not isinstance(name, str) or name not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"activation {name!r} is not one of {sorted(HIDDEN_ACTIVATIONS)}."
            )
    return names
