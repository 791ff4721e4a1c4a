"""Tests of skbackprop._activations: in-place activations and their derivatives."""

import math
import warnings

import numpy as np
import pytest

from skbackprop._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    KEEPING_ACTIVATIONS,
    KEEPS_BUFFER,
    KEPT_DERIVATIVES,
    LEAKY_SLOPE,
    hidden_activations,
)

NEW = ["leaky_relu", "elu", "softplus", "gelu", "silu"]
_erf = np.vectorize(math.erf)


def _ref(name, z):
    """Reference formulas, written independently of the engine."""
    if name == "identity":
        return z.copy()
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.exp(z) - 1.0)
    if name == "softplus":
        return np.log(1.0 + np.exp(z))
    if name == "gelu":
        return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))
    if name == "silu":
        return z / (1.0 + np.exp(-z))
    if name == "exp":
        return np.exp(z)
    if name == "softmax":
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(name)


def _z(rng, shape=(6, 4)):
    """Pre-activations in [-3, 3], kept away from the relu kink at 0."""
    z = rng.uniform(-3.0, 3.0, size=shape)
    z[np.abs(z) < 0.05] = 0.5
    return z


def test_registries():
    assert set(ACTIVATIONS) == set(DERIVATIVES) | set(KEPT_DERIVATIVES)
    assert not set(DERIVATIVES) & set(KEPT_DERIVATIVES)
    assert set(KEPT_DERIVATIVES) == set(KEEPING_ACTIVATIONS)
    assert set(KEEPING_ACTIVATIONS) == KEEPS_BUFFER == {"gelu", "silu", "relu"}
    assert set(ACTIVATIONS) == {"identity", "logistic", "tanh", "relu", "exp"} | {
        "softmax",
        *NEW,
    }
    assert set(HIDDEN_ACTIVATIONS) == {"identity", "logistic", "tanh", "relu", *NEW}
    assert LEAKY_SLOPE == 0.01


def _kept(name, z):
    """The buffer the training form of ``name`` keeps for ``z``."""
    kept = np.full_like(z, np.nan)
    KEEPING_ACTIVATIONS[name](z.copy(), kept)
    return kept


def _derivative(name, z, a, delta, work):
    if name in KEEPS_BUFFER:
        return KEPT_DERIVATIVES[name](_kept(name, z), a, delta, work)
    return DERIVATIVES[name](a, delta, work)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_in_place_and_value(name, dtype):
    rng = np.random.default_rng(0)
    z = _z(rng).astype(dtype)
    expected = _ref(name, z.astype(np.float64))
    out = ACTIVATIONS[name](z)
    assert out is z  # computed in the input buffer
    assert out.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_on_non_contiguous_view(name):
    """Activations write through views (e.g. slices of a larger buffer)."""
    rng = np.random.default_rng(1)
    buf = _z(rng, (8, 5))
    view = buf[1:6, :3]
    assert not view.flags.c_contiguous
    before = buf.copy()
    expected = _ref(name, view)
    out = ACTIVATIONS[name](view)
    assert np.shares_memory(out, buf)
    np.testing.assert_allclose(buf[1:6, :3], expected, rtol=1e-12)
    outside = np.ones(buf.shape, dtype=bool)
    outside[1:6, :3] = False
    np.testing.assert_array_equal(buf[outside], before[outside])


def _numerical_derivative_times_delta(name, z, delta, eps=1e-6):
    """Row-wise gradient of sum_k delta_k f(z)_k w.r.t. z (J^T delta)."""
    g = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        fp = ACTIVATIONS[name](zp)
        fm = ACTIVATIONS[name](zm)
        g[idx] = np.sum(delta[idx[0]] * (fp[idx[0]] - fm[idx[0]])) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(2)
    z = _z(rng)
    delta = rng.normal(size=z.shape)
    expected = _numerical_derivative_times_delta(name, z, delta)

    a = ACTIVATIONS[name](z.copy())  # derivatives take the activation a = f(z)
    a_before, z_before = a.copy(), z.copy()
    d = delta.copy()
    work = np.full_like(a, np.nan)  # garbage in the scratch buffer
    out = _derivative(name, z, a, d, work)
    assert out is d  # delta is multiplied in place
    np.testing.assert_array_equal(a, a_before)  # the activation is untouched
    np.testing.assert_array_equal(z, z_before)  # and so is z
    np.testing.assert_allclose(out, expected, rtol=1e-7, atol=1e-9)


def test_softmax_derivative_is_not_elementwise():
    """The softmax derivative couples the outputs of a row."""
    a = ACTIVATIONS["softmax"](np.array([[0.1, 0.7, -0.4]]))
    delta = np.array([[1.0, 0.0, 0.0]])
    out = DERIVATIVES["softmax"](a, delta.copy(), np.empty_like(a))
    expected = a * (delta - a[:, :1])  # J[0, j] = a_0 (1[j == 0] - a_j)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    assert out[0, 1] != 0 and out[0, 2] != 0


def test_relu_derivative_is_a_mask():
    z = np.array([[-2.0, 0.0, 3.0, 1e-300]])
    a = ACTIVATIONS["relu"](z.copy())
    d = _derivative("relu", z, a, np.full((1, 4), 5.0), np.empty_like(a))
    np.testing.assert_array_equal(d, [[0.0, 0.0, 5.0, 5.0]])


# Overflow, division by zero and invalid values raise in the tests below;
# gradual underflow to 0 (exp(-1e4)) is harmless and ignored, numpy's default.


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_rows_sum_to_one_and_stable(dtype):
    z = np.array(
        [[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0], [1e4, 0.0, -1e4]],
        dtype=dtype,
    )
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        p = ACTIVATIONS["softmax"](z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    # softmax is shift invariant: rows equal softmax of [2, 1, 0] (resp. [1, 0, 2])
    e = np.exp([2.0, 1.0, 0.0])
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-6)
    np.testing.assert_allclose(p[1], (e / e.sum())[[1, 2, 0]], rtol=1e-6)
    np.testing.assert_allclose(p[2], [1.0, 0.0, 0.0], atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_does_not_overflow(dtype):
    z = np.array([[1e4, -1e4, 0.0, 1.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        p = ACTIVATIONS["exp"](z)
        # the derivative on a huge activation does not overflow either
        d = DERIVATIVES["exp"](p, np.ones_like(p) * 0.5, np.empty_like(p))
    assert np.all(np.isfinite(p))
    assert np.all(np.isfinite(d))
    assert p.dtype == dtype
    assert p[0, 0] > np.finfo(dtype).max / 10  # still astronomically large
    assert p[0, 1] == 0.0
    assert p[0, 2] == 1.0
    np.testing.assert_allclose(p[0, 3], np.e, rtol=1e-6)


@pytest.mark.parametrize("name", ["logistic", "tanh"])
def test_saturating_activations_no_warning(name):
    z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = ACTIVATIONS[name](z)
    lo = 0.0 if name == "logistic" else -1.0
    np.testing.assert_allclose(a, [[lo, lo, (lo + 1) / 2, 1.0, 1.0]], atol=1e-15)


# ----------------------------------------------------------------------------
# leaky_relu, elu, softplus, gelu, silu


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_keeping_activation_keeps_the_pre_activation(name, dtype):
    z = _z(np.random.default_rng(5)).astype(dtype)
    pre = np.full_like(z, np.nan)
    expected, z0 = ACTIVATIONS[name](z.copy()), z.copy()
    out = KEEPING_ACTIVATIONS[name](z, pre)
    assert out is z
    np.testing.assert_array_equal(pre, z0)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_training_form_keeps_its_derivative(dtype):
    """ReLU's training form keeps the 0/1 mask f'(z); its values equal the
    inference form's, and the kept derivative is one multiply by the mask."""
    z = _z(np.random.default_rng(6), (9, 7)).astype(dtype)
    z[0, :3] = [0.0, -0.0, 1e-300 if dtype == np.float64 else 1e-40]
    kept = np.full_like(z, np.nan)
    expected = ACTIVATIONS["relu"](z.copy())
    out = KEEPING_ACTIVATIONS["relu"](z_in := z.copy(), kept)
    assert out is z_in
    np.testing.assert_array_equal(kept, (z > 0).astype(dtype))
    np.testing.assert_array_equal(out, expected)  # -0.0 == 0.0
    delta = np.random.default_rng(7).normal(size=z.shape).astype(dtype)
    got = KEPT_DERIVATIVES["relu"](kept, out, delta.copy(), np.empty_like(z))
    np.testing.assert_array_equal(got, np.where(z > 0, delta, 0.0))
    # a NaN pre-activation stays NaN, as with np.maximum
    z[1, 1] = np.nan
    out = KEEPING_ACTIVATIONS["relu"](z.copy(), kept)
    assert np.isnan(out[1, 1]) and kept[1, 1] == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NEW)
def test_new_activations_are_finite_and_quiet_at_extreme_inputs(name, dtype):
    big = np.finfo(dtype).max / 10
    z = np.array([[-big, -1e4, -745.0, -40.0, 0.0, 40.0, 745.0, 1e4, big]], dtype)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = ACTIVATIONS[name](z.copy())
        d = np.ones_like(z)
        _derivative(name, z, a, d, np.empty_like(z))
    assert np.isfinite(a).all() and np.isfinite(d).all()
    # far from 0 every unit is linear (slope 1) on the right ...
    np.testing.assert_array_equal(a[0, -3:], z[0, -3:])
    np.testing.assert_array_equal(d[0, -3:], 1.0)
    # ... and flat (or leaky) on the left
    left = {"leaky_relu": 0.01, "elu": 0.0, "softplus": 0.0, "gelu": 0.0, "silu": 0.0}
    np.testing.assert_allclose(d[0, :2], left[name], rtol=1e-6, atol=1e-30)
    lowest = {"leaky_relu": 0.01 * z[0, 1], "elu": -1.0}.get(name, 0.0)
    np.testing.assert_allclose(a[0, 1], lowest, rtol=1e-6, atol=1e-30)


def test_softplus_is_accurate_where_it_is_tiny_and_where_it_is_large():
    z = np.array([-700.0, -30.0, 30.0, 700.0])
    a = ACTIVATIONS["softplus"](z.copy())
    np.testing.assert_allclose(a, [np.exp(-700.0), np.exp(-30.0), 30.0, 700.0])
    d = DERIVATIVES["softplus"](a, np.ones(4), np.empty(4))
    # logistic(z): exp(z) for very negative z, 1 for large z
    np.testing.assert_allclose(d, [np.exp(-700.0), np.exp(-30.0), 1.0, 1.0])


def test_hidden_activations():
    assert hidden_activations("gelu", 3) == ("gelu",) * 3
    assert hidden_activations(["relu", "tanh"], 2) == ("relu", "tanh")
    assert hidden_activations("relu", 0) == ()
    with pytest.raises(ValueError, match="2 name.*3 hidden layer"):
        hidden_activations(("relu", "tanh"), 3)
    with pytest.raises(ValueError, match="'swish' is not one of"):
        hidden_activations(("relu", "swish"), 2)
    with pytest.raises(ValueError, match="'softmax' is not one of"):
        hidden_activations("softmax", 1)
    with pytest.raises(ValueError, match="is not one of"):
        hidden_activations([1, "relu"], 2)
