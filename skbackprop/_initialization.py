"""Initial weights of a network and of stacked restarts.

This module is part of the engine and imports nothing from scikit-learn.
"""

import numpy as np


def draw_layer(rng, init, activation, fan_in, fan_out):
    """Initial ``(W, b)`` of one layer.

    ``'glorot_uniform'`` draws ``U[-s, s]`` with ``s = sqrt(k / (fan_in +
    fan_out))`` (``k = 2`` for logistic units, 6 otherwise), weights then
    biases, in scikit-learn's order, so a fit starts from the same weights as
    ``MLPRegressor``/``MLPClassifier`` with the same random state;
    ``'uniform'`` draws from ``U[-1, 1]``.

    Parameters
    ----------
    rng : numpy.random.RandomState
    init : {"glorot_uniform", "uniform"} or callable
        A callable ``init(rng, fan_in, fan_out)`` returns ``W`` (biases zero)
        or ``(W, b)``.
    activation : str
        The activation of the layer's units (sets ``k``; the output layer
        takes that of the last hidden layer, as scikit-learn's single
        activation does).
    fan_in, fan_out : int

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
    b : ndarray of shape (fan_out,) or float
    """
    if callable(init):
        drawn = init(rng, fan_in, fan_out)
        W, b = drawn if isinstance(drawn, tuple) else (drawn, 0.0)
        W = np.asarray(W)
        if W.shape != (fan_in, fan_out) or np.shape(b) not in ((), (fan_out,)):
            raise ValueError(
                f"init returned weights of shape {W.shape} (and intercepts of "
                f"shape {np.shape(b)}); expected {(fan_in, fan_out)} and "
                f"{(fan_out,)}."
            )
    else:
        factor = 2.0 if activation == "logistic" else 6.0
        bound = 1.0 if init == "uniform" else np.sqrt(factor / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        b = rng.uniform(-bound, bound, fan_out)
    if not np.all(np.isfinite(W)) or not np.all(np.isfinite(b)):
        raise ValueError("init produced non-finite initial weights.")
    return W, b


def restart_rng(rng):
    """A generator for restarts 1, 2, ... derived from ``rng``'s state
    without drawing from it, so that restart 0 sees the same stream (weights,
    validation split, shuffles) as a single fit.

    Parameters
    ----------
    rng : numpy.random.RandomState

    Returns
    -------
    rng : numpy.random.RandomState
    """
    key = np.asarray(rng.get_state()[1], dtype=np.uint32)
    return np.random.RandomState(np.random.SeedSequence(key).generate_state(8))


def derived_seed(rng):
    """An integer seed derived from ``rng``'s state without drawing from it
    (and unrelated to :func:`restart_rng`'s), for a stream of random numbers
    that must not change the draws of ``rng`` (the dropout masks).

    Parameters
    ----------
    rng : numpy.random.RandomState

    Returns
    -------
    seed : int
        A 64-bit seed, the same for the same state.
    """
    _, key, pos, *_ = rng.get_state()
    entropy = [*np.asarray(key, dtype=np.uint32).tolist(), int(pos), _DROPOUT_TAG]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0])


#: mixed into :func:`derived_seed`'s entropy ("drop")
_DROPOUT_TAG = 0x64726F70


def _draw_network(coefs, intercepts, fit_intercept, rng, init, activations):
    # layer i feeds hidden layer i; the output layer takes the last hidden
    # layer's activation (no hidden layer: that of a linear unit)
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        activation = activations[min(i, len(activations) - 1)] if activations else ""
        W[...], drawn = draw_layer(rng, init, activation, *W.shape)
        b[...] = drawn if fit_intercept else 0.0


def initialize(network, rng, init):
    """Draw the initial parameters of ``network`` in place: restart 0 from
    ``rng``, the other stacked restarts from :func:`restart_rng`.

    Parameters
    ----------
    network : Network
    rng : numpy.random.RandomState
    init : {"glorot_uniform", "uniform"} or callable
    """
    layout = network.layout
    for r in range(layout.n_restarts):
        if r == 1:
            rng = restart_rng(rng)
        coefs, biases = network.coefs, network.intercepts
        if layout.stacked:
            coefs, biases = [c[r] for c in coefs], [b[r] for b in biases]
        _draw_network(
            coefs, biases, layout.fit_intercept, rng, init, network.activations
        )


def sequential_starts(make_network, n_restarts, rng, init):
    """Initial networks of restarts trained one after the other, drawn one
    at a time, in the order and from the generators :func:`initialize` uses
    for stacked restarts (so restart ``r`` starts from the same weights).

    Parameters
    ----------
    make_network : callable
        Returns a new single network (zeros).
    n_restarts : int
    rng : numpy.random.RandomState
    init : {"glorot_uniform", "uniform"} or callable

    Yields
    ------
    network : Network
    """
    for r in range(n_restarts):
        if r == 1:
            rng = restart_rng(rng)
        net = make_network()
        layout = net.layout
        _draw_network(
            net.coefs, net.intercepts, layout.fit_intercept, rng, init, net.activations
        )
        yield net
