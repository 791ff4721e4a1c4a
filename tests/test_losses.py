"""Tests of skbackprop._losses against plain numpy formulas and finite differences."""

import warnings

import numpy as np
import pytest

from skbackprop._activations import ACTIVATIONS, DERIVATIVES
from skbackprop._losses import (
    CANONICAL_PAIRS,
    LOSS_GRADIENTS,
    LOSS_PARAMETERS,
    LOSSES,
    check_loss_params,
    loss_functions,
)

# ----------------------------------------------------------------------------
# independent per-sample formulas (summed over outputs)


def _ref_squared_error(y, p):
    return 0.5 * np.sum((y - p) ** 2, axis=1)


def _ref_poisson(y, p):
    out = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        yi, pi = y[idx], p[idx]
        out[idx] = (yi * np.log(yi / pi) if yi > 0 else 0.0) - yi + pi
    return out.sum(axis=1)


def _ref_binary_log_loss(y, p):
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1)


def _ref_log_loss(y, p):
    if p.shape[1] == 1:  # one output: the binary cross-entropy
        return _ref_binary_log_loss(y, p)
    return -np.sum(y * np.log(p), axis=1)


def _ref_absolute_error(y, p):
    return np.sum(np.abs(y - p), axis=1)


def _ref_huber(y, p, delta=1.0):
    r = np.abs(y - p)
    return np.sum(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)), axis=1)


def _ref_quantile(y, p, quantile=0.5):
    r = y - p
    return np.sum(np.maximum(quantile * r, (quantile - 1) * r), axis=1)


REFERENCE = {
    "squared_error": _ref_squared_error,
    "poisson": _ref_poisson,
    "binary_log_loss": _ref_binary_log_loss,
    "log_loss": _ref_log_loss,
    "absolute_error": _ref_absolute_error,
    "huber": _ref_huber,
    "quantile": _ref_quantile,
}

#: the residual-based losses, with parameters (delta, q) other than defaults
ROBUST_CASES = [
    ("absolute_error", {}),
    ("huber", {}),
    ("huber", {"delta": 0.3}),
    ("huber", {"delta": 2.5}),
    ("quantile", {}),
    ("quantile", {"quantile": 0.1}),
    ("quantile", {"quantile": 0.9}),
]


def _residual_data(n, k, rng, delta=1.0):
    """Targets and predictions whose residuals keep away from the kinks:
    ``|r|`` at least 0.05 from 0 and at least 5% of delta from ``delta``, of
    both signs, on both sides of ``delta``."""
    y = rng.normal(size=(n, k))
    size = np.where(
        rng.integers(0, 2, size=(n, k)) == 1,
        rng.uniform(0.05, 0.95, size=(n, k)) * delta,
        rng.uniform(1.05, 3.0, size=(n, k)) * delta,
    )
    size = np.maximum(size, 0.05)
    sign = np.where(rng.integers(0, 2, size=(n, k)) == 1, 1.0, -1.0)
    return y, y + sign * size


def _data(loss, n, k, rng):
    """Targets and predictions strictly inside the domain of each loss."""
    if loss == "squared_error":
        return rng.normal(size=(n, k)), rng.normal(size=(n, k))
    if loss in ("absolute_error", "huber", "quantile"):
        return _residual_data(n, k, rng)
    if loss == "poisson":
        y = rng.poisson(2.0, size=(n, k)).astype(float)
        y[0, 0] = 0.0
        return y, rng.uniform(0.2, 4.0, size=(n, k))
    if loss == "binary_log_loss" or (loss == "log_loss" and k == 1):
        y = rng.integers(0, 2, size=(n, k)).astype(float)
        y[:2] = [[0.0] * k, [1.0] * k]
        return y, rng.uniform(0.05, 0.95, size=(n, k))
    # log_loss with several outputs: one-hot targets, softmax probabilities
    y = np.eye(k)[rng.integers(0, k, size=n)]
    e = rng.uniform(0.2, 1.0, size=(n, k))
    return y, e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_loss_value(loss, k):
    rng = np.random.default_rng(0)
    n = 7
    y, p = _data(loss, n, k, rng)
    per_sample = REFERENCE[loss](y, p)

    value = LOSSES[loss](y, p)
    assert isinstance(value, float)
    assert value == pytest.approx(per_sample.sum() / n, rel=1e-12)

    w = rng.uniform(0.0, 3.0, size=n)
    w[2] = 0.0
    value_w = LOSSES[loss](y, p, w, w.sum())
    assert value_w == pytest.approx(np.sum(w * per_sample) / np.sum(w), rel=1e-12)
    # unit weights give the unweighted mean
    assert LOSSES[loss](y, p, np.ones(n), float(n)) == pytest.approx(value, rel=1e-12)
    # the inputs are not modified
    y2, p2 = _data(loss, n, k, np.random.default_rng(0))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(p, p2)


def test_losses_sum_over_outputs():
    """Stacking two copies of the outputs doubles every loss."""
    rng = np.random.default_rng(1)
    for loss in ("squared_error", "poisson", "binary_log_loss", "huber", "quantile"):
        y, p = _data(loss, 6, 2, rng)
        doubled = LOSSES[loss](np.hstack([y, y]), np.hstack([p, p]))
        assert doubled == pytest.approx(2 * LOSSES[loss](y, p), rel=1e-12)


def test_perfect_predictions_have_zero_loss():
    y = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 5.0]])
    assert LOSSES["squared_error"](y, y.copy()) == 0.0
    assert LOSSES["poisson"](y, y.copy()) == pytest.approx(0.0, abs=1e-15)
    for loss in ("absolute_error", "huber", "quantile"):
        assert LOSSES[loss](y, y.copy()) == 0.0


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_loss_gradient_finite_differences(loss, k):
    """LOSS_GRADIENTS is the per-sample gradient: n * dLOSSES/dp."""
    rng = np.random.default_rng(2)
    n = 5
    y, p = _data(loss, n, k, rng)
    out = np.empty_like(p)
    g = LOSS_GRADIENTS[loss](y, p, out)
    assert g is out

    eps = 1e-6
    g_num = np.empty_like(p)
    for idx in np.ndindex(p.shape):
        pp, pm = p.copy(), p.copy()
        pp[idx] += eps
        pm[idx] -= eps
        g_num[idx] = (LOSSES[loss](y, pp) - LOSSES[loss](y, pm)) / (2 * eps)
    np.testing.assert_allclose(g / n, g_num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "loss, k",
    [
        ("binary_log_loss", 1),
        ("binary_log_loss", 3),
        ("log_loss", 1),
        ("log_loss", 3),
        ("poisson", 2),
    ],
)
def test_clipping_at_zero_and_one(loss, k, dtype):
    """Log losses stay finite at p = 0 and p = 1, with no warning at all."""
    if loss == "log_loss" and k > 1:
        y = np.eye(k, dtype=dtype)
        p = np.roll(y, 1, axis=1)  # p = 0 on the true class, 1 on another
        p_right = y.copy()
    else:
        y = np.array([[1.0] * k, [0.0] * k, [1.0] * k, [0.0] * k], dtype=dtype)
        p = np.array([[0.0] * k, [1.0] * k, [1.0] * k, [0.0] * k], dtype=dtype)
        p_right = None
        if loss == "poisson":
            y = y * 3
            p = p * 2
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        value = LOSSES[loss](y, p)
        grad = LOSS_GRADIENTS[loss](y, p, np.empty_like(p))
        value_w = LOSSES[loss](y, p, np.ones(len(y), dtype=dtype), float(len(y)))
        if p_right is not None:
            right = LOSSES[loss](y, p_right)
    assert np.isfinite(value) and np.isfinite(value_w)
    assert np.all(np.isfinite(grad))
    # confident mistakes are heavily penalised: at least -log(eps) / 2
    assert value > -0.49 * np.log(np.finfo(dtype).eps)
    if p_right is not None:
        assert right >= 0 and right < value


def test_clipped_log_loss_matches_clipped_formula():
    """Clipping happens at machine epsilon: a fully confident mistake costs
    -log(eps) per output, a fully confident right answer about eps."""
    eps = np.finfo(np.float64).eps
    y = np.array([[1.0, 0.0]])
    wrong = np.array([[0.0, 1.0]])
    assert LOSSES["binary_log_loss"](y, wrong) == pytest.approx(-2 * np.log(eps))
    assert LOSSES["log_loss"](y, wrong) == pytest.approx(-np.log(eps))
    assert LOSSES["binary_log_loss"](y, y.copy()) == pytest.approx(0.0, abs=1e-12)


# ----------------------------------------------------------------------------
# the robust and quantile losses with their parameters


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("loss, params", ROBUST_CASES)
def test_robust_loss_values_with_parameters(loss, params, k):
    """Values against the numpy formulas, plain, weighted and stacked."""
    rng = np.random.default_rng(10)
    n = 9
    y, p = _residual_data(n, k, rng, params.get("delta", 1.0))
    value_fn, _ = loss_functions(loss, params)
    per_sample = REFERENCE[loss](y, p, **params)
    assert value_fn(y, p) == pytest.approx(per_sample.mean(), rel=1e-12)
    w = rng.uniform(0.0, 3.0, size=n)
    w[1] = 0.0
    assert value_fn(y, p, w, w.sum()) == pytest.approx(
        np.dot(w, per_sample) / w.sum(), rel=1e-12
    )
    # stacked networks: one value per leading index
    p2 = np.stack([p, p + 0.25])
    stacked = value_fn(y, p2, w, w.sum())
    assert stacked.shape == (2,)
    for r in range(2):
        expected = np.dot(w, REFERENCE[loss](y, p2[r], **params)) / w.sum()
        assert stacked[r] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("loss, params", ROBUST_CASES)
def test_robust_loss_gradients_finite_differences(loss, params, k, dtype):
    """Away from the kinks the gradients are n * dL/dp (central differences
    in float64), and they keep the dtype of p."""
    rng = np.random.default_rng(11)
    n = 6
    y, p = _residual_data(n, k, rng, params.get("delta", 1.0))
    value_fn, grad_fn = loss_functions(loss, params)
    out = np.empty_like(p, dtype=dtype)
    g = grad_fn(y.astype(dtype), p.astype(dtype), out)
    assert g is out and g.dtype == dtype
    eps = 1e-6
    g_num = np.empty_like(p)
    for idx in np.ndindex(p.shape):
        pp, pm = p.copy(), p.copy()
        pp[idx] += eps
        pm[idx] -= eps
        g_num[idx] = (value_fn(y, pp) - value_fn(y, pm)) / (2 * eps)
    tol = 1e-6 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(g / n, g_num, rtol=tol, atol=tol)


def test_subgradients_at_the_kinks():
    """Where p = y the piecewise linear losses take the subgradient 0; the
    one-sided slopes are those of the formulas."""
    y = np.array([[0.0, 1.0, 2.0]])
    p = np.array([[0.0, 0.0, 3.0]])  # r = 0, r > 0, r < 0
    out = np.empty_like(p)
    np.testing.assert_array_equal(
        LOSS_GRADIENTS["absolute_error"](y, p, out), [[0.0, -1.0, 1.0]]
    )
    _, grad = loss_functions("quantile", {"quantile": 0.8})
    np.testing.assert_allclose(grad(y, p, out), [[0.0, -0.8, 0.2]], atol=1e-15)
    # huber: the clipped residual, continuous at |r| = delta
    _, grad = loss_functions("huber", {"delta": 0.5})
    p = np.array([[0.5, 0.0, 3.0]])
    np.testing.assert_allclose(grad(y, p, out), [[0.5, -0.5, 0.5]], atol=1e-15)


def test_quantile_one_half_is_half_the_absolute_error():
    rng = np.random.default_rng(12)
    y, p = _residual_data(8, 2, rng)
    p[0, 0] = y[0, 0]  # a kink too
    value, grad = loss_functions("quantile", {"quantile": 0.5})
    assert value(y, p) == pytest.approx(0.5 * LOSSES["absolute_error"](y, p))
    np.testing.assert_allclose(
        grad(y, p, np.empty_like(p)),
        0.5 * LOSS_GRADIENTS["absolute_error"](y, p, np.empty_like(p)),
        atol=1e-15,
    )


def test_huber_limits():
    """Huber is half the squared error for a huge delta and, divided by
    delta, tends to the absolute error for a tiny one."""
    rng = np.random.default_rng(13)
    y, p = _residual_data(8, 2, rng)
    huge, _ = loss_functions("huber", {"delta": 1e6})
    assert huge(y, p) == pytest.approx(LOSSES["squared_error"](y, p), rel=1e-12)
    tiny, _ = loss_functions("huber", {"delta": 1e-9})
    assert tiny(y, p) / 1e-9 == pytest.approx(LOSSES["absolute_error"](y, p), rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_robust_losses_are_warning_free_at_extremes(dtype):
    """Huge residuals, infinite delta: finite values where the formula is
    finite, and no numpy warning (huber's linear branch squares nothing)."""
    big = np.finfo(dtype).max / 16  # residuals of max / 8
    y = np.array([[big, -big, 0.0]], dtype=dtype)
    p = np.array([[-big, big, 1.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for loss, params in ROBUST_CASES + [("huber", {"delta": float("inf")})]:
            value, grad = loss_functions(loss, params)
            g = grad(y, p, np.empty_like(p))
            assert np.all(np.isfinite(g))
            if loss != "huber" or params.get("delta", 1.0) < 1e3:
                v = value(y.astype(np.float64), p.astype(np.float64))
                assert np.isfinite(v)


def test_loss_parameters_are_checked_and_bound():
    assert LOSS_PARAMETERS == {"huber": {"delta": 1.0}, "quantile": {"quantile": 0.5}}
    assert check_loss_params("huber", {"delta": 2}) == {"delta": 2.0}
    assert check_loss_params("squared_error", None) == {}
    with pytest.raises(ValueError, match="takes no parameter"):
        check_loss_params("squared_error", {"delta": 1.0})
    with pytest.raises(ValueError, match="quantile"):
        check_loss_params("huber", {"quantile": 0.3})
    # no parameters: the plain functions, no partial on the hot path
    assert loss_functions("squared_error") == (
        LOSSES["squared_error"],
        LOSS_GRADIENTS["squared_error"],
    )


# ----------------------------------------------------------------------------
# canonical pairs


def _canonical_data(activation, loss, k, rng):
    n = 6
    z = rng.normal(size=(n, k))
    p = ACTIVATIONS[activation](z.copy())
    if loss == "squared_error":
        y = rng.normal(size=(n, k))
    elif loss == "poisson":
        y = rng.poisson(2.0, size=(n, k)).astype(float)
    elif activation == "softmax":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    else:
        y = rng.integers(0, 2, size=(n, k)).astype(float)
    return y, p


def _canonical_cases():
    cases = []
    for activation, loss in sorted(CANONICAL_PAIRS):
        for k in (1, 3):
            if activation == "softmax" and k == 1:
                continue
            if (activation, loss) == ("logistic", "log_loss") and k > 1:
                # LOSSES["log_loss"] on several outputs is the categorical
                # cross-entropy; Network maps logistic + log_loss to
                # binary_log_loss (see test_logistic_log_loss_is_binary).
                continue
            cases.append((activation, loss, k))
    return cases


def test_canonical_pairs_content():
    assert CANONICAL_PAIRS == {
        ("identity", "squared_error"),
        ("exp", "poisson"),
        ("logistic", "binary_log_loss"),
        ("softmax", "log_loss"),
    }


@pytest.mark.parametrize("activation, loss, k", _canonical_cases())
def test_canonical_pairs_give_p_minus_y(activation, loss, k):
    rng = np.random.default_rng(3)
    y, p = _canonical_data(activation, loss, k, rng)
    delta = LOSS_GRADIENTS[loss](y, p, np.empty_like(p))
    delta = DERIVATIVES[activation](p, delta, np.empty_like(p))
    np.testing.assert_allclose(delta, p - y, rtol=1e-10, atol=1e-12)


def test_non_canonical_pairs_differ_from_p_minus_y():
    """Sanity check that the canonical test can fail."""
    rng = np.random.default_rng(4)
    for activation, loss in [("logistic", "squared_error"), ("exp", "squared_error")]:
        assert (activation, loss) not in CANONICAL_PAIRS
        y, p = _canonical_data(activation, loss, 3, rng)
        delta = LOSS_GRADIENTS[loss](y, p, np.empty_like(p))
        delta = DERIVATIVES[activation](p, delta, np.empty_like(p))
        assert not np.allclose(delta, p - y)


def test_logistic_log_loss_is_binary():
    """The multilabel pair: Network treats logistic + log_loss as the binary
    cross-entropy of each output, whose canonical delta is p - y."""
    from skbackprop._layout import Layout
    from skbackprop._network import Network

    net = Network(Layout([2, 3]), "tanh", "logistic", "log_loss")
    assert net.loss == "binary_log_loss"
    rng = np.random.default_rng(5)
    y, p = _canonical_data("logistic", "binary_log_loss", 3, rng)
    delta = LOSS_GRADIENTS["binary_log_loss"](y, p, np.empty_like(p))
    delta = DERIVATIVES["logistic"](p, delta, np.empty_like(p))
    np.testing.assert_allclose(delta, p - y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_true_class_term_equals_the_sum_over_classes(dtype, weighted):
    """For one-hot targets the value keeps only the true class's term: the
    same number as the clipped sum over classes, for single and stacked
    outputs, with probabilities of exactly 0 and 1 among them."""
    from scipy.special import xlogy

    rng = np.random.default_rng(3)
    n, k = 40, 4
    y = np.eye(k, dtype=dtype)[rng.integers(0, k, size=n)]
    e = rng.uniform(0.0, 1.0, size=(2, n, k))
    e[0, :3] = np.eye(k)[:3]  # saturated rows: p of 0 and 1
    e[1, 3] = 0.0
    e[1, 3, 0] = 1.0
    p = (e / e.sum(axis=-1, keepdims=True)).astype(dtype)
    sw = rng.uniform(0.5, 2.0, size=n).astype(dtype) if weighted else None
    weight_sum = n if sw is None else float(sw.sum())
    eps = np.finfo(dtype).eps
    for probabilities in (p[0], p):  # one network, then two stacked
        clipped = np.clip(probabilities, eps, 1 - eps)
        per_sample = -xlogy(y, clipped).sum(axis=-1)
        expected = (
            per_sample.sum(axis=-1) / n
            if sw is None
            else np.dot(per_sample, sw) / weight_sum
        )
        value = LOSSES["log_loss"](y, probabilities, sw, weight_sum)
        np.testing.assert_allclose(
            value, expected, rtol=1e-6 if dtype == np.float32 else 1e-13
        )
