"""Tests of skbackprop._network: the model (Network) and the buffers of one
call (Workspace): gradients, layout, dtypes, plans and workspaces.

Expected values are derived independently: a plain numpy forward pass and
plain numpy loss formulas written below, central finite differences and a
hand-computed back-propagation example.
"""

import copy
import pickle
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.special

import skbackprop._network as network_module
from skbackprop._activations import ACTIVATIONS, KEEPS_BUFFER
from skbackprop._layout import Layout
from skbackprop._network import BatchPlan, Network, Workspace

NEW_ACTIVATIONS = ["leaky_relu", "elu", "softplus", "gelu", "silu"]

# ----------------------------------------------------------------------------
# independent numpy reference


def _ref_act(name, z):
    if name == "identity":
        return z.copy()
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "gelu":
        return z * scipy.special.ndtr(z)
    if name == "silu":
        return z * scipy.special.expit(z)
    if name == "exp":
        return np.exp(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(name)


def _ref_forward(net, X, return_hidden_z=False):
    """Plain numpy forward pass from the public coefs/intercepts."""
    a = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    hidden_z = []
    n_layers = len(net.coefs)
    for i, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        z = a @ W
        if net.layout.fit_intercept:
            z = z + b
        last = i == n_layers - 1
        if not last:
            hidden_z.append(z)
        a = _ref_act(net.out_activation if last else net.activations[i], z)
    return (a, hidden_z) if return_hidden_z else a


def _ref_per_sample_loss(loss, y, p):
    if loss == "squared_error":
        return 0.5 * ((p - y) ** 2).sum(axis=1)
    if loss == "poisson":
        safe_y = np.where(y > 0, y, 1.0)
        ylogy = np.where(y > 0, y * np.log(safe_y / p), 0.0)
        return (ylogy - y + p).sum(axis=1)
    if loss == "binary_log_loss":
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1)
    if loss == "log_loss":
        return -(y * np.log(p)).sum(axis=1)
    raise ValueError(loss)


def _ref_objective(net, X, y, sample_weight, alpha, out_activation, loss):
    p = _ref_forward(net, X)
    if loss == "log_loss" and (out_activation == "logistic" or y.shape[1] == 1):
        loss = "binary_log_loss"  # independent logistic outputs (multilabel)
    per_sample = _ref_per_sample_loss(loss, y, p)
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    W = w.sum()
    penalty = sum(float((c**2).sum()) for c in net.coefs)
    return float(w @ per_sample) / W + 0.5 * alpha * penalty / W


def _numerical_grad(net, X, y, sample_weight, alpha, eps=1e-6):
    params = net.params
    g = np.zeros(params.shape[0])
    for j in range(params.shape[0]):
        old = params[j]
        params[j] = old + eps
        f_plus = net.objective(X, y, sample_weight, alpha)
        params[j] = old - eps
        f_minus = net.objective(X, y, sample_weight, alpha)
        params[j] = old
        g[j] = (f_plus - f_minus) / (2 * eps)
    return g


def _rel_error(g_num, g):
    return np.linalg.norm(g_num - g) / np.linalg.norm(g_num + g)


def _make_targets(rng, out_activation, loss, n, k):
    if loss == "poisson":
        return rng.poisson(1.5, size=(n, k)).astype(np.float64)
    if out_activation == "softmax":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if loss in ("binary_log_loss", "log_loss"):
        y = rng.integers(0, 2, size=(n, k)).astype(np.float64)
        y[0] = 1 - y[1]  # both classes present in every column
        return y
    return rng.normal(size=(n, k))


def _random_network(
    rng,
    layer_units,
    activation,
    out_activation,
    loss,
    fit_intercept=True,
    n_restarts=1,
    dtype=np.float64,
):
    layout = Layout(layer_units, fit_intercept, n_restarts)
    net = Network(layout, activation, out_activation, loss, dtype=dtype)
    net.theta[:] = rng.normal(scale=0.6, size=layout.n_total)
    if not fit_intercept:
        net.theta[layout.n_coef :] = 0.0
    return net


def _loss_grad(net, X, y, sample_weight=None, alpha=0.0):
    """Objective and a copy of the full gradient, from a fresh workspace."""
    ws = net.workspace(X.shape[0])
    value = ws.loss_grad(X, y, sample_weight, alpha)
    return value, ws.grad.copy()


# ----------------------------------------------------------------------------
# finite-difference gradient check over all supported combinations

HIDDEN = ["identity", "logistic", "tanh", "relu"]
OUT_LOSS = [
    ("identity", "squared_error"),
    ("logistic", "squared_error"),
    ("tanh", "squared_error"),
    ("exp", "squared_error"),
    ("exp", "poisson"),
    ("logistic", "poisson"),
    ("logistic", "binary_log_loss"),
    ("softmax", "log_loss"),
    ("softmax", "squared_error"),
    ("logistic", "log_loss"),  # multilabel: independent logistic outputs
]


# softmax needs at least two outputs
OUT_LOSS_K = [
    pytest.param(out, loss, k, id=f"{out}-{loss}-{k}")
    for out, loss in OUT_LOSS
    for k in (1, 3)
    if not (out == "softmax" and k == 1)
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("out_activation, loss, n_outputs", OUT_LOSS_K)
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradient_finite_differences(
    activation, out_activation, loss, n_outputs, fit_intercept, weighted
):
    rng = np.random.default_rng(42)
    n = 9
    layer_units = [4, 5, 3, n_outputs]  # two hidden layers
    net = _random_network(
        rng, layer_units, activation, out_activation, loss, fit_intercept=fit_intercept
    )
    layout = net.layout
    X = rng.normal(size=(n, 4))
    y = _make_targets(rng, out_activation, loss, n, n_outputs)
    sample_weight = None
    if weighted:
        sample_weight = rng.uniform(0.2, 3.0, size=n)
        sample_weight[3] = 0.0  # a zero weight in a positive total
    alpha = 0.3

    # Guard the validity of the check: no hidden pre-activation near a relu
    # kink. An exact zero (a row of dead relu inputs and no bias) stays zero
    # under every perturbation, so it is harmless.
    _, hidden_z = _ref_forward(net, X, return_hidden_z=True)
    assert min(np.abs(z[z != 0]).min() for z in hidden_z) > 1e-4

    ws = net.workspace(n)
    value = ws.loss_grad(X, y, sample_weight, alpha)
    assert isinstance(value, float)
    grad = ws.grad.copy()

    # The objective is the independent numpy formula, and objective() agrees.
    expected = _ref_objective(net, X, y, sample_weight, alpha, out_activation, loss)
    assert value == pytest.approx(expected, rel=1e-10)
    assert net.objective(X, y, sample_weight, alpha) == pytest.approx(value, rel=1e-12)

    g_num = _numerical_grad(net, X, y, sample_weight, alpha)
    g = grad[: layout.n_params]
    assert np.linalg.norm(g) > 0
    assert _rel_error(g_num, g) < 1e-6
    np.testing.assert_array_equal(ws.param_grad, g)

    if fit_intercept:
        assert layout.n_params == layout.n_total
    else:
        assert layout.n_params == layout.n_coef
        assert net.params.shape == (layout.n_coef,)
        assert ws.param_grad.shape == (layout.n_coef,)
        # the bias block of the gradient is exactly zero
        assert np.all(grad[layout.n_coef :] == 0.0)
        for db in layout.views(ws.grad)[1]:
            assert np.all(db == 0.0)


@pytest.mark.parametrize("out_activation, loss", OUT_LOSS)
def test_gradient_no_hidden_layer(out_activation, loss):
    """A network without hidden layer (a GLM) has the right gradient too."""
    rng = np.random.default_rng(3)
    n, k = 8, 3
    net = _random_network(rng, [5, k], "relu", out_activation, loss)
    X = rng.normal(size=(n, 5))
    y = _make_targets(rng, out_activation, loss, n, k)
    sw = rng.uniform(0.5, 2.0, size=n)
    ws = net.workspace(n)
    value = ws.loss_grad(X, y, sw, alpha=0.1)
    assert value == pytest.approx(
        _ref_objective(net, X, y, sw, 0.1, out_activation, loss), rel=1e-10
    )
    g_num = _numerical_grad(net, X, y, sw, 0.1)
    assert _rel_error(g_num, ws.param_grad) < 1e-6


def test_param_views_share_memory():
    layout = Layout([3, 4, 2], fit_intercept=False)
    net = Network(layout, "tanh", "identity", "squared_error")
    ws = net.workspace(5)
    assert np.shares_memory(net.params, net.theta)
    assert np.shares_memory(ws.param_grad, ws.grad)
    assert net.params.shape == (layout.n_coef,)
    assert ws.param_grad.shape == (layout.n_coef,)
    assert ws.grad.shape == (layout.n_total,)
    net.params[:] = 1.0
    assert np.all(net.theta[: layout.n_coef] == 1.0)
    assert np.all(net.theta[layout.n_coef :] == 0.0)
    for block in net.coefs + net.intercepts:
        assert np.shares_memory(block, net.theta)


def test_logistic_log_loss_means_binary_log_loss():
    net = Network(Layout([2, 3]), "tanh", "logistic", "log_loss")
    assert net.loss == "binary_log_loss"
    net = Network(Layout([2, 3]), "tanh", "softmax", "log_loss")
    assert net.loss == "log_loss"


# ----------------------------------------------------------------------------
# hand-computed back-propagation


def test_hand_computed_backprop_2_2_1():
    """2-2-1 logistic network, squared error, one sample, worked out by hand."""
    x = np.array([[0.05, 0.10]])
    y = np.array([[0.01]])
    W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # (fan_in, fan_out)
    b1 = np.array([0.35, 0.35])
    W2 = np.array([[0.40], [0.45]])
    b2 = np.array([0.60])

    net = Network(Layout([2, 2, 1]), "logistic", "logistic", "squared_error")
    net.coefs[0][...] = W1
    net.coefs[1][...] = W2
    net.intercepts[0][...] = b1
    net.intercepts[1][...] = b2

    # forward, by hand
    sig = lambda t: 1.0 / (1.0 + np.exp(-t))  # noqa: E731
    z1 = x @ W1 + b1
    a1 = sig(z1)
    z2 = a1 @ W2 + b2
    y_hat = sig(z2)
    loss = 0.5 * float(((y_hat - y) ** 2).sum())
    # backward, by hand
    delta_out = (y_hat - y) * y_hat * (1 - y_hat)
    delta_hidden = (delta_out @ W2.T) * a1 * (1 - a1)
    dW2 = a1.T @ delta_out
    db2 = delta_out.sum(axis=0)
    dW1 = x.T @ delta_hidden
    db1 = delta_hidden.sum(axis=0)

    ws = net.workspace(1)
    value = ws.loss_grad(x, y)
    np.testing.assert_allclose(ws.forward(x), y_hat, rtol=1e-14)
    np.testing.assert_allclose(net.predict(x), y_hat, rtol=1e-14)
    assert value == pytest.approx(loss, rel=1e-14)
    coef_grads, intercept_grads = net.layout.views(ws.grad)
    np.testing.assert_allclose(coef_grads[0], dW1, rtol=1e-12)
    np.testing.assert_allclose(coef_grads[1], dW2, rtol=1e-12)
    np.testing.assert_allclose(intercept_grads[0], db1, rtol=1e-12)
    np.testing.assert_allclose(intercept_grads[1], db2, rtol=1e-12)
    # and the flat gradient has the documented layout
    expected_flat = np.concatenate([dW1.ravel(), dW2.ravel(), db1, db2])
    np.testing.assert_allclose(ws.grad, expected_flat, rtol=1e-12)


# ----------------------------------------------------------------------------
# loss value consistency


def test_objective_equals_loss_grad_value():
    rng = np.random.default_rng(0)
    net = _random_network(rng, [4, 6, 3], "tanh", "softmax", "log_loss")
    X = rng.normal(size=(10, 4))
    y = np.eye(3)[rng.integers(0, 3, 10)]
    sw = rng.uniform(0.1, 2.0, size=10)
    ws = net.workspace(10)
    for weights in (None, sw):
        for alpha in (0.0, 0.7):
            value = ws.loss_grad(X, y, weights, alpha)
            assert net.objective(X, y, weights, alpha) == pytest.approx(
                value, rel=1e-12
            )


def test_penalty_is_squared_norm_of_the_weights():
    rng = np.random.default_rng(13)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    expected = sum(float((W**2).sum()) for W in net.coefs)
    assert isinstance(net.penalty(), float)
    assert net.penalty() == pytest.approx(expected, rel=1e-12)
    net.intercepts[0][...] = 100.0  # the biases are not penalised
    assert net.penalty() == pytest.approx(expected, rel=1e-12)

    R = 3
    stacked = _random_network(
        rng, [3, 4, 2], "tanh", "identity", "squared_error", n_restarts=R
    )
    penalty = stacked.penalty()
    assert penalty.shape == (R,)
    for r in range(R):
        assert penalty[r] == pytest.approx(stacked.single(r).penalty(), rel=1e-12)


def test_multioutput_squared_error_sums_over_outputs():
    """loss = 0.5 * mean_i sum_k (p - y)**2: consistent with the gradient
    (scikit-learn's MLPRegressor also averages over outputs, issue #8349)."""
    rng = np.random.default_rng(1)
    k = 4
    net = _random_network(rng, [3, 5, k], "relu", "identity", "squared_error")
    X = rng.normal(size=(12, 3))
    y = rng.normal(size=(12, k))
    ws = net.workspace(12)
    value = ws.loss_grad(X, y)
    p = net.predict(X)
    expected = 0.5 * np.mean(np.sum((p - y) ** 2, axis=1))
    assert value == pytest.approx(expected, rel=1e-12)
    # not the per-output average: that would be k times smaller
    assert value != pytest.approx(0.5 * np.mean((p - y) ** 2), rel=1e-3)
    # the gradient is the gradient of that very value
    g_num = _numerical_grad(net, X, y, None, 0.0)
    assert _rel_error(g_num, ws.param_grad) < 1e-6

    # and weighted: 0.5 * sum_i w_i sum_k (p - y)**2 / sum_i w_i
    sw = rng.uniform(0.5, 2.0, size=12)
    value = ws.loss_grad(X, y, sw)
    expected = 0.5 * np.sum(sw * np.sum((p - y) ** 2, axis=1)) / sw.sum()
    assert value == pytest.approx(expected, rel=1e-12)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(5)
    net = _random_network(rng, [3, 4, 2], "logistic", "logistic", "log_loss")
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    sw = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 1.0])
    value_w, grad_w = _loss_grad(net, X, y, sw, alpha=0.5)
    rep = np.repeat(np.arange(6), sw.astype(int))
    value_r, grad_r = _loss_grad(net, X[rep], y[rep], None, alpha=0.5)
    assert value_w == pytest.approx(value_r, rel=1e-12)
    np.testing.assert_allclose(grad_w, grad_r, rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------
# layout and views


def test_gradient_laid_out_like_theta():
    layout = Layout([3, 4, 2])
    net = Network(layout, "relu", "identity", "squared_error")
    ws = net.workspace(4)
    assert ws.grad.shape == net.theta.shape
    coef_grads, intercept_grads = layout.views(ws.grad)
    for v in coef_grads + intercept_grads:
        assert np.shares_memory(v, ws.grad)
    net.theta[:] = np.arange(layout.n_total, dtype=float)
    ws.grad[:] = np.arange(layout.n_total, dtype=float)
    for g, p in zip(coef_grads + intercept_grads, net.coefs + net.intercepts):
        np.testing.assert_array_equal(g, p)


def test_writing_into_views_changes_theta_and_output():
    rng = np.random.default_rng(2)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    ws = net.workspace(5, training=False)
    before = ws.forward(X).copy()  # builds (and caches) the plan for 5 rows
    np.testing.assert_array_equal(net.predict(X), before)
    theta_before = net.theta.copy()

    net.coefs[0][1, 2] = 7.5
    assert net.theta[1 * 4 + 2] == 7.5
    changed = np.flatnonzero(net.theta != theta_before)
    np.testing.assert_array_equal(changed, [1 * 4 + 2])
    after = net.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, _ref_forward(net, X), rtol=1e-12)
    # the cached plan views the parameters: it sees the new weight too
    np.testing.assert_allclose(ws.forward(X), after, rtol=1e-15)

    net.intercepts[1][...] = [1.0, -1.0]
    np.testing.assert_array_equal(net.theta[-2:], [1.0, -1.0])
    np.testing.assert_allclose(ws.forward(X), _ref_forward(net, X), rtol=1e-12)
    # and so does a plan built after writing theta itself
    net.theta[:] = rng.normal(size=net.theta.shape)
    np.testing.assert_allclose(ws.forward(X[:3]), _ref_forward(net, X[:3]), rtol=1e-12)


def test_theta_is_adopted_not_copied():
    layout = Layout([3, 2])
    theta = np.zeros(3 * 2 + 2)
    net = Network(layout, "relu", "identity", "squared_error", theta=theta)
    assert net.theta is theta
    theta[0] = 4.0
    assert net.coefs[0][0, 0] == 4.0
    with pytest.raises(ValueError, match="theta does not match"):
        Network(layout, "relu", "identity", "squared_error", theta=np.zeros(7))
    with pytest.raises(ValueError, match="theta does not match"):
        Network(
            layout,
            "relu",
            "identity",
            "squared_error",
            theta=np.zeros(8, dtype=np.float32),
        )
    with pytest.raises(ValueError, match="theta does not match"):
        Network(
            layout,
            "relu",
            "identity",
            "squared_error",
            dtype=np.float32,
            theta=np.zeros(8),
        )


def test_default_theta_is_zeros_of_the_dtype():
    net = Network(Layout([3, 4, 2]), "relu", "identity", "squared_error", np.float32)
    assert net.theta.dtype == np.float32
    assert net.theta.shape == (net.layout.n_total,)
    assert np.all(net.theta == 0)
    assert net.dtype == np.dtype(np.float32)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
def test_from_weights_packs_a_copy(fit_intercept):
    rng = np.random.default_rng(14)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=4), rng.normal(size=2)]
    if not fit_intercept:
        intercepts = [np.zeros(4), np.zeros(2)]
    net = Network.from_weights(
        coefs, intercepts, "tanh", "logistic", "log_loss", fit_intercept, np.float32
    )
    assert net.layout == Layout([3, 4, 2], fit_intercept)
    assert net.loss == "binary_log_loss"
    assert net.theta.dtype == np.float32
    for given, held in zip(coefs + intercepts, net.coefs + net.intercepts):
        np.testing.assert_array_equal(held, given.astype(np.float32))
        assert not np.shares_memory(held, given)
    coefs[0][0, 0] = 1e3
    assert net.coefs[0][0, 0] != 1e3
    X = rng.normal(size=(5, 3)).astype(np.float32)  # inputs of the network's dtype
    np.testing.assert_allclose(net.predict(X), _ref_forward(net, X), rtol=1e-5)


def test_from_weights_wrong_shapes():
    coefs = [np.zeros((3, 4)), np.zeros((5, 2))]  # 4 outputs, 5 inputs
    intercepts = [np.zeros(4), np.zeros(2)]
    with pytest.raises(ValueError, match=r"coefs_\[1\] has shape \(5, 2\)"):
        Network.from_weights(
            coefs, intercepts, "relu", "identity", "squared_error", True, np.float64
        )
    with pytest.raises(ValueError, match=r"intercepts_\[0\]"):
        Network.from_weights(
            [np.zeros((3, 4)), np.zeros((4, 2))],
            [np.zeros(3), np.zeros(2)],
            "relu",
            "identity",
            "squared_error",
            True,
            np.float64,
        )


# ----------------------------------------------------------------------------
# dtypes, sparse input, chunked prediction, pickling, zero weights


def test_float32_network():
    rng = np.random.default_rng(4)
    layout = Layout([4, 6, 3])
    net32 = Network(layout, "tanh", "softmax", "log_loss", dtype=np.float32)
    theta = rng.normal(scale=0.5, size=layout.n_total)
    net32.theta[:] = theta
    X = rng.normal(size=(8, 4))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    X32, y32 = X.astype(np.float32), y.astype(np.float32)

    ws32 = net32.workspace(8)
    assert net32.theta.dtype == np.float32
    assert ws32.grad.dtype == np.float32
    assert all(c.dtype == np.float32 for c in net32.coefs + net32.intercepts)
    value32 = ws32.loss_grad(X32, y32, alpha=0.1)
    assert ws32.grad.dtype == np.float32
    assert ws32.forward(X32).dtype == np.float32
    assert net32.predict(X32).dtype == np.float32
    w32 = np.ones(8, dtype=np.float32)
    ws32.loss_grad(X32, y32, w32, alpha=0.1)
    assert ws32.grad.dtype == np.float32

    net64 = Network(layout, "tanh", "softmax", "log_loss", theta=theta.copy())
    ws64 = net64.workspace(8)
    value64 = ws64.loss_grad(X, y, alpha=0.1)
    assert value32 == pytest.approx(value64, rel=1e-5)
    ws32.loss_grad(X32, y32, alpha=0.1)
    np.testing.assert_allclose(ws32.grad, ws64.grad, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(net32.predict(X32), net64.predict(X), rtol=1e-5)


@pytest.mark.parametrize("layer_units", [[6, 5, 2], [6, 2]], ids=["hidden", "glm"])
def test_sparse_csr_matches_dense(layer_units):
    rng = np.random.default_rng(6)
    net = _random_network(rng, layer_units, "relu", "logistic", "binary_log_loss")
    X = rng.normal(size=(10, 6))
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    Xs = sp.csr_matrix(X)
    y = rng.integers(0, 2, size=(10, 2)).astype(float)
    sw = rng.uniform(0.5, 1.5, size=10)

    ws = net.workspace(10)
    value_d = ws.loss_grad(X, y, sw, alpha=0.2)
    grad_d = ws.grad.copy()
    ws.grad[:] = np.nan  # a stale gradient must be fully overwritten
    value_s = ws.loss_grad(Xs, y, sw, alpha=0.2)
    assert value_s == pytest.approx(value_d, rel=1e-12)
    np.testing.assert_allclose(ws.grad, grad_d, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.predict(Xs), net.predict(X), rtol=1e-12)
    assert net.objective(Xs, y, sw, 0.2) == pytest.approx(value_d, rel=1e-12)


def test_predict_in_chunks(monkeypatch):
    monkeypatch.setattr(network_module, "PREDICT_CHUNK", 3)
    rng = np.random.default_rng(7)
    net = _random_network(rng, [3, 4, 2], "logistic", "softmax", "log_loss")
    X = rng.normal(size=(11, 3))  # 3 full chunks and a partial one
    out = net.predict(X)
    assert out.shape == (11, 2)
    expected = _ref_forward(net, X)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    ws = net.workspace(11, training=False)
    np.testing.assert_allclose(out, ws.forward(X), rtol=1e-15)
    # predict returns a new array, not a view of any workspace's buffers
    out_copy = out.copy()
    ws.forward(X[::-1].copy())
    net.predict(X[::-1].copy())
    np.testing.assert_array_equal(out, out_copy)
    # empty input
    assert net.predict(X[:0]).shape == (0, 2)


def test_predict_in_chunks_stacked(monkeypatch):
    monkeypatch.setattr(network_module, "PREDICT_CHUNK", 4)
    rng = np.random.default_rng(15)
    R = 2
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error", True, R)
    X = rng.normal(size=(10, 3))
    out = net.predict(X)
    assert out.shape == (R, 10, 2)
    for r in range(R):
        np.testing.assert_allclose(out[r], _ref_forward(net.single(r), X), rtol=1e-12)
    assert net.predict(X[:0]).shape == (R, 0, 2)


def _ref_hidden(net, X, layer):
    """Plain numpy activations of hidden layer ``layer``."""
    _, hidden_z = _ref_forward(net, X, return_hidden_z=True)
    return _ref_act(net.activations[layer], hidden_z[layer])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize(
    "activation",
    ["identity", "logistic", "tanh", "relu", *NEW_ACTIVATIONS, ("gelu", "elu")],
)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hidden_activations_match_numpy(
    monkeypatch, dtype, fmt, activation, fit_intercept
):
    monkeypatch.setattr(network_module, "PREDICT_CHUNK", 4)  # 3 chunks of 4, 1
    rng = np.random.default_rng(31)
    units = [5, 4, 3, 2]
    net = _random_network(
        rng, units, activation, "softmax", "log_loss", fit_intercept, dtype=dtype
    )
    X = rng.normal(size=(13, 5))
    X[rng.uniform(size=X.shape) < 0.4] = 0.0
    X = X.astype(dtype)
    Xin = X if fmt == "dense" else sp.csr_matrix(X).asformat(fmt)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for layer, index in [(0, 0), (1, 1), (-1, 1), (-2, 0)]:
        out = net.hidden_activations(Xin, layer)
        assert out.dtype == dtype
        assert out.shape == (13, units[index + 1])
        np.testing.assert_allclose(
            out, _ref_hidden(net, X, index), rtol=rtol, atol=10 * rtol
        )
        # a new array, not a view of a workspace's buffers
        assert out.flags.owndata
    # the output layer is still predict's
    np.testing.assert_allclose(
        net.predict(Xin), _ref_forward(net, X), rtol=rtol, atol=rtol
    )


def test_hidden_activations_stacked(monkeypatch):
    monkeypatch.setattr(network_module, "PREDICT_CHUNK", 3)
    rng = np.random.default_rng(32)
    R = 3
    net = _random_network(
        rng, [4, 5, 3, 2], "tanh", "identity", "squared_error", True, R
    )
    X = rng.normal(size=(8, 4))
    X[rng.uniform(size=X.shape) < 0.5] = 0.0
    for Xin in (X, sp.csr_matrix(X)):
        for layer, width in [(0, 5), (-1, 3)]:
            out = net.hidden_activations(Xin, layer)
            assert out.shape == (R, 8, width)
            for r in range(R):
                single = net.single(r)
                np.testing.assert_allclose(
                    out[r], _ref_hidden(single, X, layer), rtol=1e-12, atol=1e-14
                )
                np.testing.assert_array_equal(
                    out[r], single.hidden_activations(Xin, layer)
                )
    assert net.hidden_activations(X[:0], 0).shape == (R, 0, 5)


def test_hidden_activations_out_of_range():
    rng = np.random.default_rng(33)
    net = _random_network(rng, [3, 4, 2, 1], "relu", "identity", "squared_error")
    X = rng.normal(size=(2, 3))
    for layer in (2, -3, 10):
        with pytest.raises(IndexError, match="2 hidden layer"):
            net.hidden_activations(X, layer)
    glm = _random_network(rng, [3, 1], "relu", "identity", "squared_error")
    for layer in (0, -1):
        with pytest.raises(IndexError, match="0 hidden layer"):
            glm.hidden_activations(X, layer)


def test_forward_depth_stops_after_the_given_layers():
    rng = np.random.default_rng(34)
    net = _random_network(rng, [3, 4, 5, 2], "logistic", "softmax", "log_loss")
    X = rng.normal(size=(6, 3))
    ws = net.workspace(6, training=False)
    full = ws.forward(X).copy()
    np.testing.assert_array_equal(ws.forward(X, depth=3), full)
    for depth in (1, 2):
        a = ws.forward(X, depth=depth)
        assert a.shape == (6, net.layout.layer_units[depth])
        np.testing.assert_allclose(a, _ref_hidden(net, X, depth - 1), rtol=1e-12)
    # a training workspace gives the same activations and gradients after
    # shallow passes
    tws = net.workspace(6)
    y = np.eye(2)[rng.integers(0, 2, 6)]
    value = tws.loss_grad(X, y)
    grad = tws.grad.copy()
    np.testing.assert_allclose(tws.forward(X, depth=1), _ref_hidden(net, X, 0))
    assert tws.loss_grad(X, y) == value
    np.testing.assert_array_equal(tws.grad, grad)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copy_round_trip_keeps_views_linked(how):
    rng = np.random.default_rng(8)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    if how == "pickle":
        clone = pickle.loads(pickle.dumps(net))
    else:
        clone = copy.deepcopy(net)
    np.testing.assert_array_equal(clone.theta, net.theta)
    assert not np.shares_memory(clone.theta, net.theta)
    np.testing.assert_allclose(clone.predict(X), net.predict(X), rtol=1e-15)

    # ENGINE BUG (see the report): Network has no __getstate__/__setstate__
    # (nor __deepcopy__) any more, so a copy gets coefs, intercepts and params
    # as separate arrays instead of views of its theta. Training the copy
    # (the optimizer writes params) then no longer changes its predictions.
    assert np.shares_memory(clone.params, clone.theta), (
        f"{how}: Network.params of the copy is not a view of its theta"
    )
    assert all(np.shares_memory(c, clone.theta) for c in clone.coefs), (
        f"{how}: Network.coefs of the copy are not views of its theta"
    )
    clone.coefs[0][0, 0] = 123.0
    assert clone.theta[0] == 123.0
    assert net.theta[0] != 123.0
    clone.intercepts[0][0] = -5.0
    assert clone.theta[clone.layout.n_coef] == -5.0
    np.testing.assert_allclose(clone.predict(X), _ref_forward(clone, X), rtol=1e-12)
    # the clone still back-propagates correctly
    ws = clone.workspace(5)
    ws.loss_grad(X, y)
    g_num = _numerical_grad(clone, X, y, None, 0.0)
    assert _rel_error(g_num, ws.param_grad) < 1e-6


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "single"])
def test_copies_keep_the_loss_parameters(how):
    """The loss parameters are part of the network's state: copies, pickles
    and the single networks of a stack evaluate the same loss."""
    rng = np.random.default_rng(3)
    layout = Layout([3, 4, 2], n_restarts=2 if how == "single" else 1)
    net = Network(layout, "tanh", "identity", "quantile", loss_params={"quantile": 0.9})
    net.theta[...] = rng.normal(size=layout.n_total)
    if how == "pickle":
        clone = pickle.loads(pickle.dumps(net))
    elif how == "deepcopy":
        clone = copy.deepcopy(net)
    else:
        clone = net.single(1)
    assert clone.loss == "quantile" and clone.loss_params == {"quantile": 0.9}
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    value = clone.objective(X, y)
    p = clone.predict(X)
    r = y - p
    expected = np.mean(np.maximum(0.9 * r, -0.1 * r).sum(axis=1))
    assert value == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="takes no parameter"):
        Network(layout, "tanh", "identity", "huber", loss_params={"quantile": 0.9})


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_zero_total_sample_weight_gives_zero_gradient(alpha):
    rng = np.random.default_rng(9)
    net = _random_network(rng, [3, 4, 2], "relu", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    ws = net.workspace(5)
    ws.loss_grad(X, y, np.ones(5), alpha)
    assert np.any(ws.grad != 0)  # a stale non-zero gradient
    value = ws.loss_grad(X, y, np.zeros(5), alpha)
    assert np.all(ws.grad == 0.0)
    assert value == 0.0


def test_zero_total_sample_weight_objective_matches_loss_grad():
    rng = np.random.default_rng(9)
    net = _random_network(rng, [3, 4, 2], "relu", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    value = net.workspace(5).loss_grad(X, y, np.zeros(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert net.objective(X, y, np.zeros(5)) == value


def test_zero_total_sample_weight_stacked():
    rng = np.random.default_rng(16)
    R = 3
    net = _random_network(rng, [3, 4, 2], "relu", "identity", "squared_error", True, R)
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    ws = net.workspace(5)
    ws.loss_grad(X, y)
    value = ws.loss_grad(X, y, np.zeros(5), 0.5)
    np.testing.assert_array_equal(value, np.zeros(R))
    assert np.all(ws.grad == 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(net.objective(X, y, np.zeros(5)), np.zeros(R))


# ----------------------------------------------------------------------------
# workspaces: plans per batch size, buffers of one call


def test_plans_cached_per_batch_size():
    rng = np.random.default_rng(17)
    net = _random_network(rng, [3, 5, 2], "tanh", "identity", "squared_error")
    ws = net.workspace(12)
    plan = ws.plan(5)
    assert isinstance(plan, BatchPlan)
    assert ws.plan(5) is plan
    assert ws.plan(12) is not plan
    assert ws.plan(12) is ws.plan(12)
    # the plan for n rows views the first n rows of the workspace buffers
    assert plan.forward[0].z.shape == (5, 5)
    assert np.shares_memory(plan.forward[0].z, ws.plan(12).forward[0].z)
    assert plan.ones.shape == (5,)
    assert float(plan.inv_n) == pytest.approx(1 / 5, rel=1e-15)
    # loss_grad uses (and caches) the plan of its batch size
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    ws.loss_grad(X, y)
    assert ws.plan(7) is ws.plan(7)


def test_forward_only_plan_has_no_backward_pass():
    rng = np.random.default_rng(18)
    net = _random_network(rng, [3, 5, 2], "tanh", "identity", "squared_error")
    ws = net.workspace(4, training=False)
    plan = ws.plan(4)
    assert plan.backward == ()
    assert plan.delta_out is None and plan.dW0 is None
    X = rng.normal(size=(4, 3))
    np.testing.assert_allclose(ws.forward(X), _ref_forward(net, X), rtol=1e-12)


def test_forward_returns_a_view_into_the_workspace():
    rng = np.random.default_rng(19)
    net = _random_network(rng, [3, 5, 2], "tanh", "identity", "squared_error")
    ws = net.workspace(6, training=False)
    X1, X2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    out = ws.forward(X1)
    expected1 = _ref_forward(net, X1)
    np.testing.assert_allclose(out, expected1, rtol=1e-12)
    assert np.shares_memory(out, ws.plan(6).forward[-1].z)
    ws.forward(X2)  # the next call overwrites it
    np.testing.assert_allclose(out, _ref_forward(net, X2), rtol=1e-12)


def test_workspace_refuses_larger_batches():
    rng = np.random.default_rng(20)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    ws = net.workspace(5)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    with pytest.raises(ValueError, match="batch of 6 rows; the workspace holds 5"):
        ws.plan(6)
    with pytest.raises(ValueError, match="batch of 6 rows"):
        ws.loss_grad(X, y)
    with pytest.raises(ValueError, match="batch of 6 rows"):
        ws.forward(X)
    with pytest.raises(ValueError, match="batch of 6 rows"):
        Workspace(net, 5, training=False).forward(X)
    # smaller and equal batches are fine
    for n in (5, 1, 3):
        ws.loss_grad(X[:n], y[:n])


def test_workspace_does_not_write_the_network():
    rng = np.random.default_rng(21)
    net = _random_network(rng, [3, 4, 2], "logistic", "softmax", "log_loss")
    X = rng.normal(size=(8, 3))
    y = np.eye(2)[rng.integers(0, 2, 8)]
    theta = net.theta.copy()
    ws = net.workspace(8)
    ws.loss_grad(X, y, rng.uniform(size=8), alpha=0.3)
    ws.forward(X[:4])
    net.objective(X, y, None, 0.3)
    net.is_usable(X, y)
    np.testing.assert_array_equal(net.theta, theta)


def test_buffers_reused_across_batch_sizes():
    """Alternating batch sizes (cached plans, shared scratch) stays exact: a
    workspace serving a smaller batch after a larger one gives what a fresh
    workspace gives."""
    rng = np.random.default_rng(10)
    net = _random_network(rng, [3, 5, 4, 2], "tanh", "softmax", "squared_error")
    X = rng.normal(size=(12, 3))
    y = np.eye(2)[rng.integers(0, 2, 12)]
    ws = net.workspace(12)
    results = {}
    for n in (12, 5, 12, 1, 5):
        value = ws.loss_grad(X[:n], y[:n], alpha=0.1)
        results.setdefault(n, []).append((value, ws.grad.copy()))
    for n, runs in results.items():
        fresh = net.workspace(n)
        value = fresh.loss_grad(X[:n], y[:n], alpha=0.1)
        for v, g in runs:
            assert v == pytest.approx(value, rel=1e-14)
            np.testing.assert_allclose(g, fresh.grad, rtol=1e-13, atol=1e-16)
    # same path, same answer: repeated runs of one size are reproducible
    for runs in results.values():
        for v, g in runs[1:]:
            assert v == runs[0][0]
            np.testing.assert_array_equal(g, runs[0][1])


def test_predict_uses_its_own_workspace():
    rng = np.random.default_rng(11)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(9, 3))
    y = rng.normal(size=(9, 2))
    theta = net.theta.copy()
    expected_small = net.predict(X[:4]).copy()
    expected_large = net.predict(X).copy()

    # interleaved predictions of different sizes: every one is a new array
    small = net.predict(X[:4])
    large = net.predict(X)
    small_again = net.predict(X[:4])
    np.testing.assert_array_equal(small, expected_small)
    np.testing.assert_array_equal(large, expected_large)
    np.testing.assert_array_equal(small_again, expected_small)
    assert not np.shares_memory(small, small_again)
    np.testing.assert_allclose(large, _ref_forward(net, X), rtol=1e-12)

    # a training workspace in use is not disturbed by predictions
    ws = net.workspace(9)
    value = ws.loss_grad(X, y)
    out = ws.forward(X).copy()
    grad = ws.grad.copy()
    view = ws.forward(X)
    net.predict(X[:4])
    net.predict(X[::-1].copy())
    np.testing.assert_array_equal(view, out)
    np.testing.assert_array_equal(ws.grad, grad)
    assert ws.loss_grad(X, y) == value
    # and predict never writes the network
    np.testing.assert_array_equal(net.theta, theta)


def test_concurrent_predictions():
    """Nothing a pass writes lives on the network: threads may predict with
    one network at the same time."""
    rng = np.random.default_rng(22)
    net = _random_network(rng, [6, 16, 8, 3], "tanh", "softmax", "log_loss")
    inputs = [rng.normal(size=(n, 6)) for n in (50, 7, 200, 1, 33, 120)]
    expected = [_ref_forward(net, X) for X in inputs]
    failures = []
    barrier = threading.Barrier(len(inputs))

    def work(i):
        barrier.wait()
        for _ in range(30):
            out = net.predict(inputs[i])
            if not np.allclose(out, expected[i], rtol=1e-12, atol=0):
                failures.append(i)
                return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# ----------------------------------------------------------------------------
# stacked restarts (n_restarts > 1)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize(
    "activation, out_activation, loss, fit_intercept",
    [
        ("relu", "identity", "squared_error", True),
        ("tanh", "softmax", "log_loss", False),
        ("logistic", "logistic", "log_loss", True),
        ("tanh", "exp", "poisson", True),
        ("relu", "softmax", "squared_error", True),
    ],
)
def test_restarts_equal_independent_networks(
    activation, out_activation, loss, fit_intercept, sparse
):
    """A network of R stacked restarts computes, for each restart, what an
    independent single network with that restart's parameters computes."""
    rng = np.random.default_rng(12)
    R, units, n = 3, [4, 5, 3, 3], 8
    stacked = _random_network(
        rng, units, activation, out_activation, loss, fit_intercept, n_restarts=R
    )
    layout = stacked.layout
    assert stacked.coefs[0].shape == (R, 4, 5)
    assert stacked.intercepts[2].shape == (R, 3)
    X = rng.normal(size=(n, 4))
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    Xin = sp.csr_matrix(X) if sparse else X
    y = _make_targets(rng, out_activation, loss, n, 3)
    sw = rng.uniform(0.5, 2.0, size=n)

    ws = stacked.workspace(n)
    values = ws.loss_grad(Xin, y, sw, alpha=0.2)
    assert isinstance(values, np.ndarray) and values.shape == (R,)
    predictions = stacked.predict(Xin)
    assert predictions.shape == (R, n, 3)
    objectives = stacked.objective(Xin, y, sw, 0.2)
    assert objectives.shape == (R,)
    owner = layout.restart_owner()
    for r in range(R):
        single = Network(
            Layout(units, fit_intercept),
            activation,
            out_activation,
            loss,
            theta=layout.extract(stacked.theta, r),
        )
        # Network.single(r) is the same network
        other = stacked.single(r)
        assert other.layout == single.layout
        assert other.loss == single.loss
        np.testing.assert_array_equal(other.theta, single.theta)
        assert not np.shares_memory(other.theta, stacked.theta)
        # extract is restart r's entries of theta, in single-network layout
        np.testing.assert_array_equal(
            np.sort(single.theta), np.sort(stacked.theta[owner == r])
        )
        for i in range(layout.n_layers):
            np.testing.assert_array_equal(single.coefs[i], stacked.coefs[i][r])
            np.testing.assert_array_equal(
                single.intercepts[i], stacked.intercepts[i][r]
            )
        single_ws = single.workspace(n)
        value = single_ws.loss_grad(Xin, y, sw, alpha=0.2)
        assert values[r] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(
            layout.extract(ws.grad, r), single_ws.grad, rtol=1e-10, atol=1e-14
        )
        np.testing.assert_allclose(predictions[r], single.predict(Xin), rtol=1e-12)
        np.testing.assert_allclose(objectives[r], value, rtol=1e-12)
    if not fit_intercept:
        assert np.all(ws.grad[layout.n_coef :] == 0.0)


def test_restarts_unweighted_squared_error():
    # the fused squared-error value has a stacked path of its own
    rng = np.random.default_rng(23)
    R, n = 2, 6
    stacked = _random_network(
        rng, [3, 4, 2], "tanh", "identity", "squared_error", n_restarts=R
    )
    X, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    values = stacked.workspace(n).loss_grad(X, y, None, 0.1)
    for r in range(R):
        single = stacked.single(r)
        expected = _ref_objective(single, X, y, None, 0.1, "identity", "squared_error")
        assert values[r] == pytest.approx(expected, rel=1e-12)


def test_single_takes_another_vector():
    rng = np.random.default_rng(24)
    R = 3
    stacked = _random_network(
        rng, [3, 4, 2], "relu", "identity", "squared_error", n_restarts=R
    )
    snapshot = rng.normal(size=stacked.layout.n_total)
    one = stacked.single(1, snapshot)
    np.testing.assert_array_equal(one.theta, stacked.layout.extract(snapshot, 1))
    assert not np.shares_memory(one.theta, snapshot)
    assert one.activation == "relu" and one.out_activation == "identity"


# ----------------------------------------------------------------------------
# is_usable: the end-of-training check of the kept weights
@pytest.mark.parametrize(
    "activation", ["identity", "logistic", "tanh", "relu", *NEW_ACTIVATIONS]
)
@pytest.mark.parametrize(
    "out_activation, loss",
    [
        ("identity", "squared_error"),
        ("logistic", "squared_error"),
        ("exp", "poisson"),
        ("softmax", "log_loss"),
        ("logistic", "log_loss"),
        ("identity", "absolute_error"),
        ("identity", "huber"),
        ("identity", "huber-wide"),  # delta 1e300: the quadratic branch
        ("identity", "quantile"),
        ("tanh", "quantile"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finiteness_bound_is_sound(activation, out_activation, loss, dtype):
    # whenever the cheap bound vouches for the weights, a full evaluation
    # agrees; with huge inputs or weights the bound declines and the full
    # evaluation decides
    rng = np.random.RandomState(0)
    vouched = declined = 0
    loss_params = {"huber-wide": {"delta": 1e300}, "quantile": {"quantile": 0.9}}
    loss_params = loss_params.get(loss)
    loss = loss.split("-")[0]
    for scale in 10.0 ** np.arange(0, 200, 7):
        units = [3, 4, 5, 2 if out_activation == "softmax" else 1]
        layout = Layout(units)
        net = Network(
            layout, activation, out_activation, loss, dtype, loss_params=loss_params
        )
        loss_value = net.loss_value
        with np.errstate(all="ignore"):
            theta = rng.uniform(-1, 1, layout.n_total) * rng.choice([1.0, scale])
            net.theta[...] = theta
            X = (rng.uniform(-1, 1, (20, 3)) * scale).astype(dtype)
            y = np.eye(units[-1], dtype=dtype)[rng.randint(units[-1], size=20)]
            if out_activation == "identity" and loss != "poisson":
                y = (rng.uniform(-1, 1, (20, 1)) * scale).astype(dtype)
            if net.provably_finite(X, y):
                vouched += 1
                out = net.predict(X)
                assert np.isfinite(out).all()
                assert np.isfinite(loss_value(y, out, None, 20))
                assert net.is_usable(X, y)
            else:
                declined += 1
                out = net.predict(X)
                full = bool(
                    np.isfinite(out).all() and np.isfinite(loss_value(y, out, None, 20))
                )
                assert net.is_usable(X, y) == full
    assert vouched and declined


def test_is_usable_detects_overflowing_outputs():
    net = Network(Layout([2, 3, 1]), "relu", "identity", "squared_error")
    net.theta[...] = 1.0
    X = np.full((4, 2), 1e200)
    y = np.zeros((4, 1))
    with np.errstate(all="ignore"):
        assert not net.provably_finite(X, y)
        assert net.is_usable(X, y) is False
        assert net.is_usable(X / 1e200, y) is True


def test_is_usable_per_restart():
    R = 3
    layout = Layout([2, 3, 1], n_restarts=R)
    net = Network(layout, "relu", "identity", "squared_error")
    net.theta[...] = 1.0
    net.coefs[0][1] = 1e300  # restart 1 overflows, the others do not
    X = np.full((4, 2), 1e10)
    y = np.zeros((4, 1))
    assert not net.provably_finite(X, y)  # never vouches for stacked networks
    with np.errstate(all="ignore"):
        usable = net.is_usable(X, y)
    np.testing.assert_array_equal(usable, [True, False, True])
    with np.errstate(all="ignore"):
        net.theta[layout.restart_owner() == 2] = np.nan
        np.testing.assert_array_equal(net.is_usable(X, y), [True, False, False])


# ----------------------------------------------------------------------------
# residual sums (a regressor's noise variance without an extra pass)


@pytest.mark.parametrize(
    "out_activation, loss, n_out, n_restarts",
    [
        ("identity", "squared_error", 1, 1),  # the plain fast path
        ("identity", "squared_error", 3, 1),
        ("identity", "squared_error", 2, 3),  # stacked
        ("exp", "poisson", 2, 1),  # another canonical pair
        ("tanh", "squared_error", 2, 1),  # not fused: dL/dp * f'(z)
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_sums_add_up_the_squared_residuals(
    out_activation, loss, n_out, n_restarts, weighted
):
    rng = np.random.default_rng(1)
    net = _random_network(
        rng, [4, 5, n_out], "tanh", out_activation, loss, n_restarts=n_restarts
    )
    ws = net.workspace(12)
    batches = []
    for n in (12, 7, 12):
        X = rng.normal(size=(n, 4))
        y = np.abs(rng.normal(size=(n, n_out)))
        sw = rng.uniform(0.2, 2.0, size=n) if weighted else None
        batches.append((X, y, sw))
    ws.loss_grad(*batches[0])  # before tracking: not counted
    assert ws.residual_sums is None
    ws.track_residuals()
    expected = 0.0
    for X, y, sw in batches:
        squared = (net.predict(X) - y) ** 2  # at the weights of this call
        expected = expected + (
            squared.sum(axis=-2)
            if sw is None
            else np.einsum("i,...ij->...j", sw, squared)
        )
        ws.loss_grad(X, y, sw, alpha=0.3)
    assert ws.residual_sums.shape == (*net.layout.lead, n_out)
    np.testing.assert_allclose(ws.residual_sums, expected, rtol=1e-12)
    ws.track_residuals()  # starts again from zero
    np.testing.assert_array_equal(ws.residual_sums, 0.0)


# ----------------------------------------------------------------------------
# dropout: the thinned training pass


class _ReplayRng:
    """Stands in for a numpy Generator whose every pass draws the same
    uniforms again (per mask buffer), so that the dropout masks are fixed
    and the thinned objective is a deterministic function of theta."""

    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)
        self._drawn = {}

    def random(self, out, dtype):
        key = (out.ctypes.data, out.shape)
        if key not in self._drawn:
            self._drawn[key] = self._rng.random(out.shape, dtype=dtype)
        out[...] = self._drawn[key]
        return out


def _ref_thinned_objective(net, X, y, sample_weight, alpha, masks, loss):
    """Plain numpy objective of the network whose hidden activations are
    multiplied by the given scaled masks (None: none)."""
    a = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    last = net.layout.n_layers - 1
    for i, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        z = a @ W + (b if net.layout.fit_intercept else 0.0)
        a = _ref_act(net.out_activation if i == last else net.activation, z)
        if i < last and masks[i] is not None:
            a = a * masks[i]
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    per_sample = _ref_per_sample_loss(loss, y, a)
    penalty = sum(float((c**2).sum()) for c in net.coefs)
    return float(w @ per_sample) / w.sum() + 0.5 * alpha * penalty / w.sum()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_restarts", [1, 3])
def test_dropout_masks_drop_about_p_and_scale_the_kept_units(n_restarts, dtype):
    rng = np.random.default_rng(40)
    net = _random_network(
        rng,
        [5, 60, 40, 2],
        "relu",
        "identity",
        "squared_error",
        True,
        n_restarts,
        dtype,
    )
    n, rates = 500, (0.3, 0.6)
    ws = net.workspace(n, dropout=rates, rng=np.random.default_rng(0))
    X = rng.normal(size=(n, 5)).astype(dtype)
    y = rng.normal(size=(n, 2)).astype(dtype)
    ws.loss_grad(X, y)
    masks = ws.dropout_masks
    assert len(masks) == 2
    for m, p, width in zip(masks, rates, (60, 40)):
        assert m.shape == (*net.layout.lead, n, width) and m.dtype == dtype
        scale = dtype(1.0 / (1.0 - p))
        assert set(np.unique(m).tolist()) == {0.0, float(scale)}
        dropped = np.mean(m == 0)
        assert dropped == pytest.approx(p, abs=0.02)  # 3e4+ units: sd < 0.003
        # the expected activation is kept: E[m / (1 - p)] = 1
        assert float(m.astype(np.float64).mean()) == pytest.approx(1.0, abs=0.03)
    if n_restarts > 1:  # every restart draws its own mask
        m = masks[0]
        assert not np.array_equal(m[0], m[1]) and not np.array_equal(m[1], m[2])
    # a fresh mask for every batch
    first = masks[0].copy()
    ws.loss_grad(X, y)
    assert not np.array_equal(first, ws.dropout_masks[0])


def test_dropout_feeds_the_dropped_activations_to_the_next_layer():
    rng = np.random.default_rng(41)
    net = _random_network(rng, [4, 30, 3], "tanh", "identity", "squared_error")
    X, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    ws = net.workspace(20, dropout=(0.5,), rng=np.random.default_rng(1))
    value = ws.loss_grad(X, y)
    (m,) = ws.dropout_masks
    # the hidden activations stay undropped where the forward pass put them
    hidden = ws.plan(20).forward[0].z
    np.testing.assert_allclose(hidden, np.tanh(X @ net.coefs[0] + net.intercepts[0]))
    expected = _ref_thinned_objective(net, X, y, None, 0.0, [m], "squared_error")
    assert value == pytest.approx(expected, rel=1e-12)
    assert value != pytest.approx(net.objective(X, y), rel=1e-3)


CASES = [
    ("relu", "identity", "squared_error", 1, True, False),
    ("tanh", "softmax", "log_loss", 3, False, True),
    ("logistic", "logistic", "binary_log_loss", 2, True, True),
    ("identity", "exp", "poisson", 2, False, False),
    ("tanh", "tanh", "squared_error", 3, True, True),
]


@pytest.mark.parametrize("rates", [(0.5, 0.3), (0.4, 0.0), (0.0, 0.6)])
@pytest.mark.parametrize(
    "activation, out_activation, loss, k, fit_intercept, weighted", CASES
)
def test_dropout_gradient_with_a_fixed_mask(
    activation, out_activation, loss, k, fit_intercept, weighted, rates
):
    """Central finite differences of the thinned objective (the masks held
    fixed by a replaying generator) agree with the back-propagated gradient,
    and its value is the numpy objective of the thinned network."""
    rng = np.random.default_rng(42)
    n = 9
    net = _random_network(
        rng, [4, 6, 5, k], activation, out_activation, loss, fit_intercept
    )
    X = rng.normal(size=(n, 4))
    y = _make_targets(rng, out_activation, loss, n, k)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    alpha = 0.3
    if activation == "relu":  # no pre-activation near the kink
        _, hidden_z = _ref_forward(net, X, return_hidden_z=True)
        assert min(np.abs(z).min() for z in hidden_z) > 1e-4
    ws = net.workspace(n, dropout=rates, rng=_ReplayRng(5))
    value = ws.loss_grad(X, y, sw, alpha)
    grad = ws.param_grad.copy()
    masks = [None if m is None else m.copy() for m in ws.dropout_masks]
    assert [m is None for m in masks] == [p == 0 for p in rates]
    for m in masks:
        if m is not None:
            assert 0 < np.mean(m == 0) < 1  # some units dropped, some kept
    ref_loss = "binary_log_loss" if out_activation == "logistic" else loss
    expected = _ref_thinned_objective(net, X, y, sw, alpha, masks, ref_loss)
    assert value == pytest.approx(expected, rel=1e-10)

    params, eps = net.params, 1e-6
    g_num = np.empty_like(grad)
    for j in range(params.shape[0]):
        old = params[j]
        params[j] = old + eps
        plus = ws.loss_grad(X, y, sw, alpha)
        params[j] = old - eps
        minus = ws.loss_grad(X, y, sw, alpha)
        params[j] = old
        g_num[j] = (plus - minus) / (2 * eps)
    for m, again in zip(masks, ws.dropout_masks):  # the mask stayed fixed
        if m is not None:
            np.testing.assert_array_equal(m, again)
    assert _rel_error(g_num, grad) < 1e-6


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_dropout_gradient_stacked_restarts(sparse):
    """Each stacked restart's gradient is the gradient of its own thinned
    network, with its own mask."""
    rng = np.random.default_rng(43)
    R, n, units = 3, 8, [4, 5, 6, 2]
    net = _random_network(
        rng, units, "tanh", "logistic", "binary_log_loss", n_restarts=R
    )
    X = rng.normal(size=(n, 4))
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    Xin = sp.csr_matrix(X) if sparse else X
    y = _make_targets(rng, "logistic", "binary_log_loss", n, 2)
    sw = rng.uniform(0.5, 2.0, size=n)
    ws = net.workspace(n, dropout=(0.5, 0.25), rng=np.random.default_rng(2))
    values = ws.loss_grad(Xin, y, sw, alpha=0.2)
    masks = ws.dropout_masks
    for r in range(R):
        single = net.single(r)
        mask_r = [m[r] for m in masks]
        expected = _ref_thinned_objective(
            single, X, y, sw, 0.2, mask_r, "binary_log_loss"
        )
        assert values[r] == pytest.approx(expected, rel=1e-10)
        params, eps = single.params, 1e-6
        g_num = np.empty(params.shape[0])
        for j in range(params.shape[0]):
            old = params[j]
            params[j] = old + eps
            plus = _ref_thinned_objective(
                single, X, y, sw, 0.2, mask_r, "binary_log_loss"
            )
            params[j] = old - eps
            minus = _ref_thinned_objective(
                single, X, y, sw, 0.2, mask_r, "binary_log_loss"
            )
            params[j] = old
            g_num[j] = (plus - minus) / (2 * eps)
        assert _rel_error(g_num, net.layout.extract(ws.grad, r)) < 1e-6


def test_dropout_forward_runs_the_full_network():
    rng = np.random.default_rng(44)
    net = _random_network(rng, [3, 8, 2], "relu", "identity", "squared_error")
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    ws = net.workspace(6, dropout=(0.5,), rng=np.random.default_rng(3))
    ws.loss_grad(X, y)
    np.testing.assert_allclose(ws.forward(X), _ref_forward(net, X), rtol=1e-12)
    np.testing.assert_allclose(ws.forward(X), net.predict(X), rtol=1e-15)


@pytest.mark.parametrize("dropout", [None, (0.0, 0.0), [0, 0.0]])
def test_zero_dropout_is_the_plain_workspace(dropout):
    """No positive rate: no dropout buffers, and loss_grad is the plain
    method, bit for bit."""
    rng = np.random.default_rng(45)
    net = _random_network(rng, [3, 5, 4, 2], "tanh", "identity", "squared_error")
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    ws = net.workspace(7, dropout=dropout, rng=np.random.default_rng(0))
    assert ws.dropout is None
    assert "loss_grad" not in vars(ws) and not hasattr(ws, "_drop_buffers")
    plain = net.workspace(7)
    assert ws.loss_grad(X, y, None, 0.1) == plain.loss_grad(X, y, None, 0.1)
    np.testing.assert_array_equal(ws.grad, plain.grad)


def test_dropout_plans_cached_and_contiguous_per_batch_size():
    rng = np.random.default_rng(46)
    net = _random_network(
        rng, [3, 5, 2], "tanh", "identity", "squared_error", n_restarts=2
    )
    ws = net.workspace(10, dropout=(0.5,), rng=np.random.default_rng(0))
    for n in (10, 4, 10):  # a smaller last batch, then a full one again
        X, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
        ws.loss_grad(X, y)
        (m,) = ws.dropout_masks
        assert m.shape == (2, n, 5) and m.flags.c_contiguous
    assert set(ws._dropout_plans) == {4, 10}
    # the plain plans stay the full network's
    assert ws.plan(4).forward[0].f is ACTIVATIONS["tanh"]


def test_dropout_workspace_errors():
    rng = np.random.default_rng(47)
    net = _random_network(rng, [3, 5, 4, 2], "tanh", "identity", "squared_error")
    gen = np.random.default_rng(0)
    with pytest.raises(ValueError, match="1 rate.*2 hidden layer"):
        net.workspace(4, dropout=(0.5,), rng=gen)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        net.workspace(4, dropout=(0.5, 1.0), rng=gen)
    with pytest.raises(ValueError, match="random generator"):
        net.workspace(4, dropout=(0.5, 0.5))
    with pytest.raises(ValueError, match="training workspaces"):
        net.workspace(4, training=False, dropout=(0.5, 0.5), rng=gen)


# ----------------------------------------------------------------------------
# activations per hidden layer; pre-activations kept where a derivative needs
# them


def test_per_layer_activations_and_kept_pre_activations():
    rng = np.random.default_rng(60)
    names = ("gelu", "relu", "silu")
    net = _random_network(rng, [4, 5, 3, 6, 2], names, "identity", "squared_error")
    assert net.activations == names and net.activation == names
    ws = net.workspace(7)
    kept = [z is not None for z in ws._kept]
    assert kept == [name in KEEPS_BUFFER for name in names] == [1, 1, 1]
    # with one that keeps nothing
    plain = _random_network(rng, [4, 5, 2], ("tanh",), "identity", "squared_error")
    assert plain.workspace(7)._kept == [None]
    # inference workspaces keep nothing
    assert all(z is None for z in net.workspace(7, training=False)._kept)
    X, y = rng.normal(size=(7, 4)), rng.normal(size=(7, 2))
    ws.loss_grad(X, y)
    _, hidden_z = _ref_forward(net, X, return_hidden_z=True)
    np.testing.assert_allclose(ws._kept[0][:7], hidden_z[0], rtol=1e-12)
    np.testing.assert_allclose(ws._kept[2][:7], hidden_z[2], rtol=1e-12)
    # ReLU keeps its derivative, the mask of the positive pre-activations
    np.testing.assert_array_equal(ws._kept[1][:7], hidden_z[1] > 0)
    np.testing.assert_allclose(ws.forward(X), _ref_forward(net, X), rtol=1e-12)
    # a string names every hidden layer's activation
    one = _random_network(rng, [4, 5, 3, 2], "elu", "identity", "squared_error")
    assert one.activations == ("elu", "elu")
    with pytest.raises(ValueError, match="activation has 2 name"):
        _random_network(rng, [4, 5, 2], ("elu", "tanh"), "identity", "squared_error")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "activation", [*NEW_ACTIVATIONS, ("gelu", "tanh"), ("softplus", "silu")]
)
def test_new_activation_gradients_match_finite_differences(activation, dtype):
    # the workspace's gradient against central differences of the objective,
    # in float64 (the float32 network's gradient to float32 precision)
    rng = np.random.default_rng(61)
    net = _random_network(rng, [3, 4, 3, 2], activation, "identity", "squared_error")
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    ws = net.workspace(6)
    ws.loss_grad(X, y, alpha=0.1)
    analytic = ws.param_grad.copy()
    numeric = np.empty_like(analytic)
    eps = 1e-6
    for j in range(analytic.size):
        saved = net.params[j]
        net.params[j] = saved + eps
        plus = net.objective(X, y, alpha=0.1)
        net.params[j] = saved - eps
        minus = net.objective(X, y, alpha=0.1)
        net.params[j] = saved
        numeric[j] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
    if dtype == np.float32:  # the same network in float32
        net32 = Network(
            net.layout,
            activation,
            "identity",
            "squared_error",
            np.float32,
            net.theta.astype(np.float32),
        )
        ws32 = net32.workspace(6)
        ws32.loss_grad(X.astype(np.float32), y.astype(np.float32), alpha=0.1)
        np.testing.assert_allclose(ws32.param_grad, analytic, rtol=2e-3, atol=2e-4)
