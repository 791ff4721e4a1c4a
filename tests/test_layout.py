"""Tests of skbackprop._layout.Layout: positions of the weights in one flat
vector, for single and stacked networks.

Expected sizes and positions are written out by hand from the documented
layout ``[W_0, ..., W_{L-1}, b_0, ..., b_{L-1}]`` (each block with a leading
axis of length R when stacked).
"""

import numpy as np
import pytest

from skbackprop._layout import Layout

ARCHITECTURES = [[3, 2], [3, 4, 2], [5, 4, 3, 1], [2, 7, 7, 7, 3]]


def _expected_sizes(units, fit_intercept, R):
    n_coef = R * sum(a * b for a, b in zip(units[:-1], units[1:]))
    n_bias = R * sum(units[1:])
    return n_coef, n_coef + n_bias, n_coef + n_bias if fit_intercept else n_coef


@pytest.mark.parametrize("R", [1, 2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("units", ARCHITECTURES, ids=str)
def test_sizes(units, fit_intercept, R):
    layout = Layout(units, fit_intercept=fit_intercept, n_restarts=R)
    n_coef, n_total, n_params = _expected_sizes(units, fit_intercept, R)
    assert layout.layer_units == tuple(units)
    assert layout.fit_intercept is fit_intercept
    assert layout.n_restarts == R
    assert layout.stacked is (R > 1)
    assert layout.lead == ((R,) if R > 1 else ())
    assert layout.n_layers == len(units) - 1
    assert layout.n_coef == n_coef
    assert layout.n_total == n_total
    assert layout.n_params == n_params

    coefs, intercepts = layout.views(np.zeros(layout.n_total))
    assert len(coefs) == len(intercepts) == layout.n_layers
    for i, (c, b) in enumerate(zip(coefs, intercepts)):
        assert c.shape == (*layout.lead, units[i], units[i + 1])
        assert b.shape == (*layout.lead, units[i + 1])
    assert sum(c.size for c in coefs) == n_coef
    assert sum(c.size for c in coefs + intercepts) == n_total


def test_layout_coefs_then_intercepts():
    layout = Layout([3, 4, 2])
    flat = np.arange(layout.n_total, dtype=float)
    coefs, intercepts = layout.views(flat)
    np.testing.assert_array_equal(coefs[0], np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(coefs[1], np.arange(12.0, 20.0).reshape(4, 2))
    np.testing.assert_array_equal(intercepts[0], np.arange(20.0, 24.0))
    np.testing.assert_array_equal(intercepts[1], np.arange(24.0, 26.0))


def test_stacked_layout_blocks_have_a_leading_restart_axis():
    R = 2
    layout = Layout([3, 4, 2], n_restarts=R)
    flat = np.arange(layout.n_total, dtype=float)
    coefs, intercepts = layout.views(flat)
    # W_0 of both restarts first, then W_1 of both, then the biases
    np.testing.assert_array_equal(coefs[0], np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(coefs[1], np.arange(24.0, 40.0).reshape(2, 4, 2))
    np.testing.assert_array_equal(intercepts[0], np.arange(40.0, 48.0).reshape(2, 4))
    np.testing.assert_array_equal(intercepts[1], np.arange(48.0, 52.0).reshape(2, 2))


@pytest.mark.parametrize("R", [1, 3])
def test_views_are_views(R):
    layout = Layout([3, 4, 2], n_restarts=R)
    flat = np.zeros(layout.n_total)
    coefs, intercepts = layout.views(flat)
    for block in coefs + intercepts:
        assert np.shares_memory(block, flat)
    # writing a view writes the flat vector, at the documented place
    coefs[1][(0,) * (coefs[1].ndim - 2) + (3, 1)] = 7.0
    offset = R * 3 * 4 + 3 * 2 + 1  # after all W_0; row 3, column 1 of W_1
    expected = np.zeros(layout.n_total)
    expected[offset] = 7.0
    np.testing.assert_array_equal(flat, expected)
    intercepts[0][...] = -1.0
    assert np.all(flat[layout.n_coef : layout.n_coef + R * 4] == -1.0)
    # and writing the flat vector shows through the views
    flat[:] = 2.5
    for block in coefs + intercepts:
        assert np.all(block == 2.5)


def test_views_of_any_dtype():
    layout = Layout([2, 3, 1])
    for dtype in (np.float32, np.float64, np.intp, bool):
        coefs, intercepts = layout.views(np.zeros(layout.n_total, dtype=dtype))
        assert all(a.dtype == dtype for a in coefs + intercepts)


def test_equality():
    assert Layout([3, 4, 2]) == Layout((3, 4, 2))
    assert Layout([3, 4, 2]) != Layout([3, 4, 2], fit_intercept=False)
    assert Layout([3, 4, 2]) != Layout([3, 4, 2], n_restarts=2)
    assert Layout([3, 4, 2]) != Layout([3, 5, 2])
    assert Layout([3, 4, 2]) != "not a layout"


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
def test_single(fit_intercept):
    stacked = Layout([3, 4, 2], fit_intercept=fit_intercept, n_restarts=4)
    single = stacked.single()
    assert single == Layout([3, 4, 2], fit_intercept=fit_intercept)
    assert not single.stacked
    assert single.n_total * 4 == stacked.n_total
    assert single.n_params * 4 == stacked.n_params


@pytest.mark.parametrize("R", [1, 2, 3])
def test_restart_owner(R):
    layout = Layout([3, 4, 2], n_restarts=R)
    owner = layout.restart_owner()
    assert owner.shape == (layout.n_total,)
    assert np.issubdtype(owner.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(owner), [layout.n_total // R] * R)
    coefs, intercepts = layout.views(owner)
    for block in coefs + intercepts:
        for r in range(R):
            part = block[r] if layout.stacked else block
            assert np.all(part == r)


def test_restart_owner_by_hand():
    layout = Layout([2, 1], n_restarts=2)  # W: (2, 2, 1), b: (2, 1)
    np.testing.assert_array_equal(layout.restart_owner(), [0, 0, 1, 1, 0, 1])


@pytest.mark.parametrize("R", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
def test_layer_index(fit_intercept, R):
    layout = Layout([3, 4, 5, 2], fit_intercept=fit_intercept, n_restarts=R)
    layer = layout.layer_index()
    assert layer.shape == (layout.n_params,)
    counts = np.bincount(layer, minlength=3)
    fans = [(3, 4), (4, 5), (5, 2)]
    expected = [R * (a * b + (b if fit_intercept else 0)) for a, b in fans]
    np.testing.assert_array_equal(counts, expected)
    # and each entry sits in its layer's blocks
    full = np.full(layout.n_total, -1)
    full[: layout.n_params] = layer
    coefs, intercepts = layout.views(full)
    for i in range(3):
        assert np.all(coefs[i] == i)
        assert np.all(intercepts[i] == (i if fit_intercept else -1))


def test_layer_index_by_hand():
    layout = Layout([2, 1, 1])  # W_0: 2, W_1: 1, b_0: 1, b_1: 1
    np.testing.assert_array_equal(layout.layer_index(), [0, 0, 1, 0, 1])
    np.testing.assert_array_equal(
        Layout([2, 1, 1], fit_intercept=False).layer_index(), [0, 0, 1]
    )


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["bias", "nobias"])
def test_extract_equals_the_restart_blocks(fit_intercept):
    rng = np.random.RandomState(0)
    R = 3
    layout = Layout([3, 4, 2], fit_intercept=fit_intercept, n_restarts=R)
    single = layout.single()
    flat = rng.normal(size=layout.n_total)
    coefs, intercepts = layout.views(flat)
    owner = layout.restart_owner()
    for r in range(R):
        part = layout.extract(flat, r)
        assert part.shape == (single.n_total,)
        assert not np.shares_memory(part, flat)
        sc, si = single.views(part)
        for i in range(layout.n_layers):
            np.testing.assert_array_equal(sc[i], coefs[i][r])
            np.testing.assert_array_equal(si[i], intercepts[i][r])
        # the same entries as those restart_owner assigns to r
        np.testing.assert_array_equal(np.sort(part), np.sort(flat[owner == r]))


def test_extract_of_a_single_layout_is_a_copy():
    layout = Layout([3, 4, 2])
    flat = np.arange(layout.n_total, dtype=float)
    part = layout.extract(flat, 0)
    np.testing.assert_array_equal(part, flat)
    assert not np.shares_memory(part, flat)


@pytest.mark.parametrize("R", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pack_round_trips_views(R, dtype):
    rng = np.random.RandomState(1)
    layout = Layout([3, 4, 5, 2], n_restarts=R)
    flat = rng.normal(size=layout.n_total).astype(dtype)
    coefs, intercepts = layout.views(flat)
    packed = layout.pack(coefs, intercepts, dtype)
    assert packed.dtype == dtype
    assert packed.shape == (layout.n_total,)
    np.testing.assert_array_equal(packed, flat)
    assert not np.shares_memory(packed, flat)


def test_pack_accepts_lists_and_converts_dtype():
    layout = Layout([2, 1])
    packed = layout.pack([[[1], [2]]], [[3]], np.float32)
    assert packed.dtype == np.float32
    np.testing.assert_array_equal(packed, [1.0, 2.0, 3.0])


def test_pack_wrong_shape_names_the_array():
    layout = Layout([3, 4, 2])
    coefs = [np.zeros((3, 4)), np.zeros((4, 2))]
    intercepts = [np.zeros(4), np.zeros(2)]
    with pytest.raises(ValueError, match=r"coefs_\[1\] has shape \(4, 3\)"):
        layout.pack([coefs[0], np.zeros((4, 3))], intercepts, np.float64)
    with pytest.raises(ValueError, match=r"coefs_\[0\].*expected \(3, 4\)"):
        layout.pack([np.zeros((3, 4, 1)), coefs[1]], intercepts, np.float64)
    with pytest.raises(ValueError, match=r"intercepts_\[0\] has shape \(5,\)"):
        layout.pack(coefs, [np.zeros(5), intercepts[1]], np.float64)
    with pytest.raises(ValueError, match=r"intercepts_\[1\].*expected \(2,\)"):
        layout.pack(coefs, [intercepts[0], np.zeros((1, 2))], np.float64)
    # a stacked layout wants the leading restart axis
    stacked = Layout([3, 4, 2], n_restarts=2)
    with pytest.raises(ValueError, match=r"coefs_\[0\].*expected \(2, 3, 4\)"):
        stacked.pack(coefs, intercepts, np.float64)


def test_pack_wrong_count():
    layout = Layout([3, 4, 2])
    coefs = [np.zeros((3, 4)), np.zeros((4, 2))]
    intercepts = [np.zeros(4), np.zeros(2)]
    with pytest.raises(ValueError, match="coefs_ and intercepts_ must have 2"):
        layout.pack(coefs[:1], intercepts, np.float64)
    with pytest.raises(ValueError, match="got 2 and 3"):
        layout.pack(coefs, intercepts + [np.zeros(2)], np.float64)


# ----------------------------------------------------------------------------
# shape helpers: the one place that branches on stacked layouts
@pytest.mark.parametrize("R", [1, 3])
def test_shape_helpers_of_single_and_stacked_layouts(R):
    layout = Layout([2, 4, 3], n_restarts=R)
    lead = layout.lead
    buffer = np.arange(np.prod((*lead, 5, 3)), dtype=float).reshape(*lead, 5, 3)
    rows = layout.rows(buffer, 2)
    assert rows.shape == (*lead, 2, 3)
    assert np.shares_memory(rows, buffer)
    np.testing.assert_array_equal(rows, buffer[..., :2, :])
    np.testing.assert_array_equal(
        layout.transposed(buffer), np.swapaxes(buffer, -1, -2)
    )
    bias = np.arange(np.prod((*lead, 3)), dtype=float).reshape(*lead, 3)
    np.testing.assert_array_equal(
        buffer + layout.row_broadcast(bias), buffer + bias[..., None, :]
    )
    zero = layout.zero_value()
    value = layout.value(np.full(lead, 2.5))
    if R == 1:
        assert type(zero) is float and zero == 0.0
        assert type(value) is float and value == 2.5
    else:
        np.testing.assert_array_equal(zero, np.zeros(R))
        np.testing.assert_array_equal(value, np.full(R, 2.5))
