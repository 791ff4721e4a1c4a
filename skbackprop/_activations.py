"""Activation functions and their derivatives, computed in place.

This module is part of the engine and imports nothing from scikit-learn.

Every activation overwrites its argument (the pre-activation ``z``) with
``f(z)``. Every derivative is expressed in terms of the stored *activation*
``a = f(z)`` rather than ``z`` (for the logistic unit ``f'(z) = a (1 - a)``,
for tanh ``f'(z) = 1 - a**2``), so the backward pass never needs the
pre-activations and the forward buffers can be reused in place.
"""

import numpy as np
from scipy.special import expit


def _identity(z):
    return z


def _logistic(z):
    return expit(z, out=z)


def _tanh(z):
    return np.tanh(z, out=z)


def _relu(z):
    return np.maximum(z, 0, out=z)


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
    "exp": _exp,
    "softmax": _softmax,
}


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


def _relu_derivative(a, delta, work):
    # delta *= (a > 0); the mask is written into the float work buffer.
    np.greater(a, 0, out=work)
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
    "relu": _relu_derivative,
    "exp": _exp_derivative,
    "softmax": _softmax_derivative,
}

#: Activations allowed in hidden layers.
HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
