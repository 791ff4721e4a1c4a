"""Tests of skbackprop._network.Network: gradients, layout, dtypes and buffers.

Expected values are derived independently: a plain numpy forward pass and
plain numpy loss formulas written below, central finite differences and a
hand-computed back-propagation example.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import skbackprop._network as network_module
from skbackprop._network import Network

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
    for i, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        z = a @ W
        if net.fit_intercept:
            z = z + b
        last = i == net.n_layers - 1
        if not last:
            hidden_z.append(z)
        a = _ref_act(net.out_activation if last else net.activation, z)
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


def _random_network(rng, layer_units, activation, out_activation, loss, **kw):
    net = Network(layer_units, activation, out_activation, loss, **kw)
    net.theta[:] = rng.normal(scale=0.6, size=net.n_total)
    if not net.fit_intercept:
        net.theta[net.n_coef :] = 0.0
    return net


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

    value = net.loss_grad(X, y, sample_weight, alpha)
    grad = net.grad.copy()

    # The objective is the independent numpy formula, and objective() agrees.
    expected = _ref_objective(net, X, y, sample_weight, alpha, out_activation, loss)
    assert value == pytest.approx(expected, rel=1e-10)
    assert net.objective(X, y, sample_weight, alpha) == pytest.approx(value, rel=1e-12)

    g_num = _numerical_grad(net, X, y, sample_weight, alpha)
    g = grad[: net.n_params]
    assert np.linalg.norm(g) > 0
    assert _rel_error(g_num, g) < 1e-6

    if fit_intercept:
        assert net.n_params == net.n_total
    else:
        assert net.n_params == net.n_coef
        assert net.params.shape == (net.n_coef,)
        assert net.param_grad.shape == (net.n_coef,)
        # the bias block of the gradient is exactly zero
        assert np.all(grad[net.n_coef :] == 0.0)
        for db in net.intercept_grads:
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
    value = net.loss_grad(X, y, sw, alpha=0.1)
    assert value == pytest.approx(
        _ref_objective(net, X, y, sw, 0.1, out_activation, loss), rel=1e-10
    )
    g_num = _numerical_grad(net, X, y, sw, 0.1)
    assert _rel_error(g_num, net.param_grad) < 1e-6


def test_param_views_share_memory():
    net = Network([3, 4, 2], "tanh", "identity", "squared_error", fit_intercept=False)
    assert np.shares_memory(net.params, net.theta)
    assert np.shares_memory(net.param_grad, net.grad)
    net.params[:] = 1.0
    assert np.all(net.theta[: net.n_coef] == 1.0)
    assert np.all(net.theta[net.n_coef :] == 0.0)


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

    net = Network([2, 2, 1], "logistic", "logistic", "squared_error")
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

    value = net.loss_grad(x, y)
    np.testing.assert_allclose(net.forward(x), y_hat, rtol=1e-14)
    assert value == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(net.coef_grads[0], dW1, rtol=1e-12)
    np.testing.assert_allclose(net.coef_grads[1], dW2, rtol=1e-12)
    np.testing.assert_allclose(net.intercept_grads[0], db1, rtol=1e-12)
    np.testing.assert_allclose(net.intercept_grads[1], db2, rtol=1e-12)
    # and the flat gradient has the documented layout
    expected_flat = np.concatenate([dW1.ravel(), dW2.ravel(), db1, db2])
    np.testing.assert_allclose(net.grad, expected_flat, rtol=1e-12)


# ----------------------------------------------------------------------------
# loss value consistency


def test_objective_equals_loss_grad_value():
    rng = np.random.default_rng(0)
    net = _random_network(rng, [4, 6, 3], "tanh", "softmax", "log_loss")
    X = rng.normal(size=(10, 4))
    y = np.eye(3)[rng.integers(0, 3, 10)]
    sw = rng.uniform(0.1, 2.0, size=10)
    for weights in (None, sw):
        for alpha in (0.0, 0.7):
            value = net.loss_grad(X, y, weights, alpha)
            assert net.objective(X, y, weights, alpha) == pytest.approx(
                value, rel=1e-12
            )


def test_multioutput_squared_error_sums_over_outputs():
    """loss = 0.5 * mean_i sum_k (p - y)**2: consistent with the gradient
    (scikit-learn's MLPRegressor also averages over outputs, issue #8349)."""
    rng = np.random.default_rng(1)
    k = 4
    net = _random_network(rng, [3, 5, k], "relu", "identity", "squared_error")
    X = rng.normal(size=(12, 3))
    y = rng.normal(size=(12, k))
    value = net.loss_grad(X, y)
    p = net.predict(X)
    expected = 0.5 * np.mean(np.sum((p - y) ** 2, axis=1))
    assert value == pytest.approx(expected, rel=1e-12)
    # not the per-output average: that would be k times smaller
    assert value != pytest.approx(0.5 * np.mean((p - y) ** 2), rel=1e-3)
    # the gradient is the gradient of that very value
    g_num = _numerical_grad(net, X, y, None, 0.0)
    assert _rel_error(g_num, net.param_grad) < 1e-6

    # and weighted: 0.5 * sum_i w_i sum_k (p - y)**2 / sum_i w_i
    sw = rng.uniform(0.5, 2.0, size=12)
    value = net.loss_grad(X, y, sw)
    expected = 0.5 * np.sum(sw * np.sum((p - y) ** 2, axis=1)) / sw.sum()
    assert value == pytest.approx(expected, rel=1e-12)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(5)
    net = _random_network(rng, [3, 4, 2], "logistic", "logistic", "log_loss")
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    sw = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 1.0])
    value_w = net.loss_grad(X, y, sw, alpha=0.5)
    grad_w = net.grad.copy()
    rep = np.repeat(np.arange(6), sw.astype(int))
    value_r = net.loss_grad(X[rep], y[rep], None, alpha=0.5)
    assert value_w == pytest.approx(value_r, rel=1e-12)
    np.testing.assert_allclose(grad_w, net.grad, rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------
# layout and views


def test_layout_coefs_then_intercepts():
    units = [3, 4, 2]
    net = Network(units, "relu", "identity", "squared_error")
    assert net.n_coef == 3 * 4 + 4 * 2
    assert net.n_total == net.n_coef + 4 + 2
    net.theta[:] = np.arange(net.n_total, dtype=float)
    np.testing.assert_array_equal(net.coefs[0], np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(net.coefs[1], np.arange(12.0, 20.0).reshape(4, 2))
    np.testing.assert_array_equal(net.intercepts[0], np.arange(20.0, 24.0))
    np.testing.assert_array_equal(net.intercepts[1], np.arange(24.0, 26.0))
    # the gradient views have the same layout
    for view, flat in [(net.coef_grads, net.grad), (net.intercept_grads, net.grad)]:
        for v in view:
            assert np.shares_memory(v, flat)
    net.grad[:] = np.arange(net.n_total, dtype=float)
    np.testing.assert_array_equal(net.coef_grads[1], net.coefs[1])
    np.testing.assert_array_equal(net.intercept_grads[0], net.intercepts[0])


def test_writing_into_views_changes_theta_and_output():
    rng = np.random.default_rng(2)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    before = net.predict(X)
    theta_before = net.theta.copy()

    net.coefs[0][1, 2] = 7.5
    assert net.theta[1 * 4 + 2] == 7.5
    changed = np.flatnonzero(net.theta != theta_before)
    np.testing.assert_array_equal(changed, [1 * 4 + 2])
    after = net.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, _ref_forward(net, X), rtol=1e-12)

    net.intercepts[1][...] = [1.0, -1.0]
    np.testing.assert_array_equal(net.theta[-2:], [1.0, -1.0])
    np.testing.assert_allclose(net.forward(X), _ref_forward(net, X), rtol=1e-12)


def test_theta_is_adopted_not_copied():
    theta = np.zeros(3 * 2 + 2)
    net = Network([3, 2], "relu", "identity", "squared_error", theta=theta)
    assert net.theta is theta
    theta[0] = 4.0
    assert net.coefs[0][0, 0] == 4.0
    with pytest.raises(ValueError):
        Network([3, 2], "relu", "identity", "squared_error", theta=np.zeros(7))
    with pytest.raises(ValueError):
        Network(
            [3, 2],
            "relu",
            "identity",
            "squared_error",
            theta=np.zeros(8, dtype=np.float32),
        )


# ----------------------------------------------------------------------------
# dtypes, sparse input, chunked prediction, pickling, zero weights


def test_float32_network():
    rng = np.random.default_rng(4)
    net32 = Network([4, 6, 3], "tanh", "softmax", "log_loss", dtype=np.float32)
    theta = rng.normal(scale=0.5, size=net32.n_total)
    net32.theta[:] = theta
    X = rng.normal(size=(8, 4))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    X32, y32 = X.astype(np.float32), y.astype(np.float32)

    assert net32.theta.dtype == np.float32
    assert net32.grad.dtype == np.float32
    assert all(c.dtype == np.float32 for c in net32.coefs)
    value32 = net32.loss_grad(X32, y32, alpha=0.1)
    assert net32.grad.dtype == np.float32
    assert net32.forward(X32).dtype == np.float32
    assert net32.predict(X32).dtype == np.float32
    w32 = np.ones(8, dtype=np.float32)
    net32.loss_grad(X32, y32, w32, alpha=0.1)
    assert net32.grad.dtype == np.float32

    net64 = Network([4, 6, 3], "tanh", "softmax", "log_loss", theta=theta.copy())
    value64 = net64.loss_grad(X, y, alpha=0.1)
    assert value32 == pytest.approx(value64, rel=1e-5)
    net32.loss_grad(X32, y32, alpha=0.1)
    np.testing.assert_allclose(net32.grad, net64.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("layer_units", [[6, 5, 2], [6, 2]], ids=["hidden", "glm"])
def test_sparse_csr_matches_dense(layer_units):
    rng = np.random.default_rng(6)
    net = _random_network(rng, layer_units, "relu", "logistic", "binary_log_loss")
    X = rng.normal(size=(10, 6))
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    Xs = sp.csr_matrix(X)
    y = rng.integers(0, 2, size=(10, 2)).astype(float)
    sw = rng.uniform(0.5, 1.5, size=10)

    value_d = net.loss_grad(X, y, sw, alpha=0.2)
    grad_d = net.grad.copy()
    net.grad[:] = np.nan  # a stale gradient must be fully overwritten
    value_s = net.loss_grad(Xs, y, sw, alpha=0.2)
    assert value_s == pytest.approx(value_d, rel=1e-12)
    np.testing.assert_allclose(net.grad, grad_d, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.predict(Xs), net.predict(X), rtol=1e-12)
    assert net.objective(Xs, y, sw, 0.2) == pytest.approx(value_d, rel=1e-12)


def test_predict_in_chunks(monkeypatch):
    monkeypatch.setattr(network_module, "_PREDICT_CHUNK", 3)
    rng = np.random.default_rng(7)
    net = _random_network(rng, [3, 4, 2], "logistic", "softmax", "log_loss")
    X = rng.normal(size=(11, 3))  # 3 full chunks and a partial one
    out = net.predict(X)
    assert out.shape == (11, 2)
    expected = _ref_forward(net, X)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(out, net.forward(X), rtol=1e-15)
    # predict returns a new array, not a view of the internal buffers
    out_copy = out.copy()
    net.forward(X[::-1].copy())
    np.testing.assert_array_equal(out, out_copy)
    # empty input
    assert net.predict(X[:0]).shape == (0, 2)


def test_pickle_round_trip_keeps_views_linked():
    rng = np.random.default_rng(8)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    net.loss_grad(X, y)
    clone = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(clone.theta, net.theta)
    assert not np.shares_memory(clone.theta, net.theta)
    np.testing.assert_allclose(clone.predict(X), net.predict(X), rtol=1e-15)

    clone.coefs[0][0, 0] = 123.0
    assert clone.theta[0] == 123.0
    assert net.theta[0] != 123.0
    clone.intercepts[0][0] = -5.0
    assert clone.theta[clone.n_coef] == -5.0
    assert np.shares_memory(clone.params, clone.theta)
    np.testing.assert_allclose(clone.forward(X), _ref_forward(clone, X), rtol=1e-12)
    # the clone still back-propagates correctly
    clone.loss_grad(X, y)
    assert np.shares_memory(clone.param_grad, clone.grad)
    g_num = _numerical_grad(clone, X, y, None, 0.0)
    assert _rel_error(g_num, clone.param_grad) < 1e-6


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_zero_total_sample_weight_gives_zero_gradient(alpha):
    rng = np.random.default_rng(9)
    net = _random_network(rng, [3, 4, 2], "relu", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    net.loss_grad(X, y, np.ones(5), alpha)
    assert np.any(net.grad != 0)  # a stale non-zero gradient
    value = net.loss_grad(X, y, np.zeros(5), alpha)
    assert np.all(net.grad == 0.0)
    assert np.isfinite(value)


def test_zero_total_sample_weight_objective_matches_loss_grad():
    rng = np.random.default_rng(9)
    net = _random_network(rng, [3, 4, 2], "relu", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    value = net.loss_grad(X, y, np.zeros(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert net.objective(X, y, np.zeros(5)) == value


def test_buffers_reused_across_batch_sizes():
    """Alternating batch sizes (cached plans, shared scratch) stays exact."""
    rng = np.random.default_rng(10)
    net = _random_network(rng, [3, 5, 4, 2], "tanh", "softmax", "squared_error")
    X = rng.normal(size=(12, 3))
    y = np.eye(2)[rng.integers(0, 2, 12)]
    results = {}
    for n in (12, 5, 12, 1, 5):
        value = net.loss_grad(X[:n], y[:n], alpha=0.1)
        results.setdefault(n, []).append((value, net.grad.copy()))
    for n, runs in results.items():
        fresh = Network(
            net.layer_units, "tanh", "softmax", "squared_error", theta=net.theta.copy()
        )
        value = fresh.loss_grad(X[:n], y[:n], alpha=0.1)
        for v, g in runs:
            assert v == pytest.approx(value, rel=1e-14)
            np.testing.assert_allclose(g, fresh.grad, rtol=1e-13, atol=1e-16)


def test_release_then_reuse():
    """release() drops the buffers, which "are rebuilt on demand"."""
    rng = np.random.default_rng(11)
    net = _random_network(rng, [3, 4, 2], "tanh", "identity", "squared_error")
    X = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    value = net.loss_grad(X, y)
    grad = net.grad.copy()
    net.release()
    np.testing.assert_allclose(net.forward(X), _ref_forward(net, X), rtol=1e-12)
    net.release()
    assert net.loss_grad(X, y) == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(net.grad, grad, rtol=1e-14)
    net.release()
    assert net.objective(X, y) == pytest.approx(value, rel=1e-14)


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
    """A network of R stacked restarts computes, for each restart, exactly what
    an independent single network with that restart's parameters computes."""
    rng = np.random.default_rng(12)
    R, units, n = 3, [4, 5, 3, 3], 8
    stacked = _random_network(
        rng,
        units,
        activation,
        out_activation,
        loss,
        fit_intercept=fit_intercept,
        n_restarts=R,
    )
    assert stacked.coefs[0].shape == (R, 4, 5)
    assert stacked.intercepts[2].shape == (R, 3)
    X = rng.normal(size=(n, 4))
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    Xin = sp.csr_matrix(X) if sparse else X
    y = _make_targets(rng, out_activation, loss, n, 3)
    sw = rng.uniform(0.5, 2.0, size=n)

    values = stacked.loss_grad(Xin, y, sw, alpha=0.2)
    assert np.shape(values) == (R,)
    predictions = stacked.predict(Xin)
    assert predictions.shape == (R, n, 3)
    owner = stacked.restart_owner()
    assert owner.shape == (stacked.n_total,)
    np.testing.assert_array_equal(np.bincount(owner), [stacked.n_total // R] * R)
    for r in range(R):
        single = Network(
            units,
            activation,
            out_activation,
            loss,
            fit_intercept=fit_intercept,
            theta=stacked.extract(r),
        )
        # extract(r) is restart r's entries of theta, in single-network layout
        np.testing.assert_array_equal(
            np.sort(single.theta), np.sort(stacked.theta[owner == r])
        )
        for i in range(single.n_layers):
            np.testing.assert_array_equal(single.coefs[i], stacked.coefs[i][r])
            np.testing.assert_array_equal(
                single.intercepts[i], stacked.intercepts[i][r]
            )
        value = single.loss_grad(Xin, y, sw, alpha=0.2)
        assert values[r] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(
            stacked.extract(r, stacked.grad), single.grad, rtol=1e-10, atol=1e-14
        )
        np.testing.assert_allclose(predictions[r], single.predict(Xin), rtol=1e-12)
        np.testing.assert_allclose(
            stacked.objective(Xin, y, sw, 0.2)[r], value, rtol=1e-12
        )
    if not fit_intercept:
        assert np.all(stacked.grad[stacked.n_coef :] == 0.0)


# ----------------------------------------------------------------------------
# is_usable: the end-of-training check of the kept weights
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize(
    "out_activation, loss",
    [
        ("identity", "squared_error"),
        ("logistic", "squared_error"),
        ("exp", "poisson"),
        ("softmax", "log_loss"),
        ("logistic", "log_loss"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finiteness_bound_is_sound(activation, out_activation, loss, dtype):
    # whenever the cheap bound vouches for the weights, a full evaluation
    # agrees; with huge inputs or weights the bound declines and the full
    # evaluation decides
    rng = np.random.RandomState(0)
    vouched = declined = 0
    for scale in 10.0 ** np.arange(0, 200, 7):
        units = [3, 4, 5, 2 if out_activation == "softmax" else 1]
        net = Network(units, activation, out_activation, loss, dtype=dtype)
        with np.errstate(all="ignore"):
            theta = rng.uniform(-1, 1, net.n_total) * rng.choice([1.0, scale])
            net.theta[...] = theta
            X = (rng.uniform(-1, 1, (20, 3)) * scale).astype(dtype)
            y = np.eye(units[-1], dtype=dtype)[rng.randint(units[-1], size=20)]
            if loss == "squared_error" and out_activation == "identity":
                y = (rng.uniform(-1, 1, (20, 1)) * scale).astype(dtype)
            if net._provably_finite(X, y):
                vouched += 1
                out = net.predict(X)
                assert np.isfinite(out).all()
                assert np.isfinite(net._loss_value(y, out, None, 20))
                assert net.is_usable(X, y)
            else:
                declined += 1
                out = net.predict(X)
                full = bool(
                    np.isfinite(out).all()
                    and np.isfinite(net._loss_value(y, out, None, 20))
                )
                assert net.is_usable(X, y) == full
    assert vouched and declined


def test_is_usable_detects_overflowing_outputs():
    net = Network([2, 3, 1], "relu", "identity", "squared_error")
    net.theta[...] = 1.0
    X = np.full((4, 2), 1e200)
    y = np.zeros((4, 1))
    with np.errstate(all="ignore"):
        assert not net._provably_finite(X, y)
        assert not net.is_usable(X, y)
        assert net.is_usable(X / 1e200, y)
