"""Tests of skbackprop._solvers against hand-written update rules."""

import pickle

import numpy as np
import pytest

from skbackprop._layout import Layout
from skbackprop._schedules import Adaptive, Constant, Cosine, make_schedule
from skbackprop._solvers import SGD, Adam, ClipByGlobalNorm, clipped, minimize_lbfgs


def _vectors(dtype=np.float64, n=7, seed=0):
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=n).astype(dtype)
    g1 = rng.normal(size=n).astype(dtype)
    g2 = rng.normal(size=n).astype(dtype)
    return p0, g1, g2


# ----------------------------------------------------------------------------
# SGD


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_without_momentum_is_plain_gradient_step(nesterov):
    p0, g1, g2 = _vectors()
    lr = 0.05
    params = p0.copy()
    opt = SGD(params, lr, momentum=0.0, nesterov=nesterov)
    # the step may run as one fused multiply-add (BLAS axpy with FMA): it
    # agrees with the numpy expression to rounding, not to the bit
    opt.update(params, g1)
    np.testing.assert_allclose(params, p0 - lr * g1, rtol=1e-14, atol=1e-15)
    opt.update(params, g2)
    np.testing.assert_allclose(params, p0 - lr * g1 - lr * g2, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(g1, _vectors()[1])  # gradient left untouched


def test_sgd_updates_a_view_in_place():
    """The solver writes through params, e.g. a prefix view of theta."""
    theta = np.arange(10.0)
    params = theta[:6]
    grad = np.ones(6)
    opt = SGD(params, 0.5, momentum=0.9, nesterov=True)
    opt.update(params, grad)
    np.testing.assert_allclose(theta[:6], np.arange(6.0) - 0.5 - 0.9 * 0.5)
    np.testing.assert_array_equal(theta[6:], np.arange(6.0, 10.0))


def test_sgd_classical_momentum_two_steps():
    p0, g1, g2 = _vectors()
    lr, mu = 0.1, 0.8
    # v <- mu v - lr g ; theta <- theta + v
    v1 = mu * 0.0 - lr * g1
    p1 = p0 + v1
    v2 = mu * v1 - lr * g2
    p2 = p1 + v2

    params = p0.copy()
    opt = SGD(params, lr, momentum=mu, nesterov=False)
    opt.update(params, g1)
    np.testing.assert_allclose(params, p1, rtol=1e-14)
    np.testing.assert_allclose(opt.velocity, v1, rtol=1e-14)
    opt.update(params, g2)
    np.testing.assert_allclose(params, p2, rtol=1e-14)
    np.testing.assert_allclose(opt.velocity, v2, rtol=1e-14)


def test_sgd_nesterov_momentum_two_steps():
    p0, g1, g2 = _vectors()
    lr, mu = 0.1, 0.8
    # v <- mu v - lr g ; theta <- theta + mu v - lr g   (scikit-learn's form)
    v1 = -lr * g1
    p1 = p0 + mu * v1 - lr * g1
    v2 = mu * v1 - lr * g2
    p2 = p1 + mu * v2 - lr * g2

    params = p0.copy()
    opt = SGD(params, lr, momentum=mu, nesterov=True)
    opt.update(params, g1)
    np.testing.assert_allclose(params, p1, rtol=1e-14)
    opt.update(params, g2)
    np.testing.assert_allclose(params, p2, rtol=1e-14)
    np.testing.assert_allclose(opt.velocity, v2, rtol=1e-14)
    # and it differs from classical momentum
    classical = p0 + v1 + (mu * v1 - lr * g2)
    assert not np.allclose(p2, classical)


def test_sgd_per_parameter_learning_rates():
    p0, g1, g2 = _vectors()
    lr = np.linspace(0.01, 0.2, p0.size)
    params = p0.copy()
    opt = SGD(params, lr, momentum=0.5, nesterov=False)
    opt.update(params, g1)
    opt.update(params, g2)
    v1 = -lr * g1
    v2 = 0.5 * v1 - lr * g2
    np.testing.assert_allclose(params, p0 + v1 + v2, rtol=1e-14)


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
def test_invscaling_schedule(power_t):
    params = np.zeros(3)
    opt = SGD(params, 0.3, lr_schedule="invscaling", power_t=power_t)
    assert opt.learning_rate == 0.3
    for t in (1, 2, 5, 10, 100):
        opt.iteration_ends(t)
        assert opt.learning_rate == pytest.approx(0.3 / (t + 1) ** power_t, rel=1e-14)
    # the rate is computed from the initial rate, not compounded
    opt.iteration_ends(3)
    assert opt.learning_rate == pytest.approx(0.3 / 4**power_t, rel=1e-14)
    # and used by the next update
    grad = np.array([1.0, -2.0, 0.5])
    opt2 = SGD(params.copy(), 0.3, "invscaling", momentum=0.0, power_t=power_t)
    opt2.iteration_ends(3)
    p = np.zeros(3)
    opt2.update(p, grad)
    np.testing.assert_allclose(p, -0.3 / 4**power_t * grad, rtol=1e-14)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_other_schedules_keep_rate_at_epoch_end(schedule):
    opt = SGD(np.zeros(2), 0.01, lr_schedule=schedule)
    for t in range(1, 5):
        opt.iteration_ends(t)
    assert opt.learning_rate == 0.01


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_non_adaptive_schedules_stop_at_once(schedule):
    opt = SGD(np.zeros(2), 0.01, lr_schedule=schedule)
    assert opt.trigger_stopping() is True
    assert opt.learning_rate == 0.01


def test_adaptive_divides_by_five_until_1e_6():
    lr0 = 1e-3
    opt = SGD(np.zeros(2), lr0, lr_schedule="adaptive")
    # independent count: 1e-3 / 5**k <= 1e-6 first holds for k = 5
    k_stop = next(k for k in range(100) if lr0 / 5**k <= 1e-6)
    assert k_stop == 5
    rates = []
    while not opt.trigger_stopping():
        rates.append(opt.learning_rate)
        assert len(rates) < 100
    assert len(rates) == k_stop
    np.testing.assert_allclose(rates, [lr0 / 5**k for k in range(1, k_stop + 1)])
    assert opt.learning_rate <= 1e-6
    assert opt.learning_rate == pytest.approx(lr0 / 5**k_stop)
    # once at the floor, it keeps asking to stop without shrinking further
    assert opt.trigger_stopping() is True
    assert opt.learning_rate == pytest.approx(lr0 / 5**k_stop)


def test_adaptive_stops_at_exactly_1e_6():
    opt = SGD(np.zeros(2), 1e-6, lr_schedule="adaptive")
    assert opt.trigger_stopping() is True
    opt = SGD(np.zeros(2), 2e-6, lr_schedule="adaptive")
    assert opt.trigger_stopping() is False
    assert opt.learning_rate == pytest.approx(4e-7)
    assert opt.trigger_stopping() is True


# ----------------------------------------------------------------------------
# Adam


def _adam_reference(p0, grads, lr, b1, b2, eps):
    """Kingma & Ba with the bias correction folded into the rate, as in
    scikit-learn: lr_t = lr sqrt(1 - b2**t) / (1 - b1**t)."""
    p = p0.astype(np.float64).copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    history = []
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        p = p - lr_t * m / (np.sqrt(v) + eps)
        history.append((p.copy(), m.copy(), v.copy(), lr_t))
    return history


@pytest.mark.parametrize(
    "b1, b2, eps", [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3)], ids=["default", "other"]
)
def test_adam_two_steps(b1, b2, eps):
    p0, g1, g2 = _vectors(seed=1)
    lr = 0.01
    ref = _adam_reference(p0, [g1, g2], lr, b1, b2, eps)
    params = p0.copy()
    opt = Adam(params, lr, beta_1=b1, beta_2=b2, epsilon=eps)
    for t, (g, (p_ref, m_ref, v_ref, lr_t)) in enumerate(zip([g1, g2], ref), 1):
        opt.update(params, g)
        assert opt.t == t
        assert opt.learning_rate == pytest.approx(lr_t, rel=1e-14)
        np.testing.assert_allclose(opt.m, m_ref, rtol=1e-14)
        np.testing.assert_allclose(opt.v, v_ref, rtol=1e-14)
        np.testing.assert_allclose(params, p_ref, rtol=1e-13)
    assert opt.learning_rate_init == lr


def test_adam_first_step_is_about_lr_times_sign():
    """With bias correction the first step is lr * g / (|g| + eps / sqrt(1 - b2))
    (m_1 = (1 - b1) g, v_1 = (1 - b2) g**2), about lr * sign(g)."""
    g = np.array([3.0, -0.2, 1e-3])
    params = np.zeros(3)
    Adam(params, 0.01, beta_2=0.99, epsilon=1e-6).update(params, g)
    expected = -0.01 * g / (np.abs(g) + 1e-6 / np.sqrt(1 - 0.99))
    np.testing.assert_allclose(params, expected, rtol=1e-12)
    np.testing.assert_allclose(params, -0.01 * np.sign(g), rtol=1e-2)


def test_adam_hooks():
    opt = Adam(np.zeros(2), 0.01)
    opt.iteration_ends(5)
    assert opt.learning_rate == 0.01
    assert opt.trigger_stopping() is True


# ----------------------------------------------------------------------------
# float32


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, 0.1, momentum=0.0),
        lambda p: SGD(p, 0.1, momentum=0.9, nesterov=True),
        lambda p: SGD(p, 0.1, momentum=0.9, nesterov=False),
        lambda p: SGD(p, np.full(p.shape, 0.1), momentum=0.9),
        lambda p: Adam(p, 0.1),
    ],
    ids=["sgd", "nesterov", "momentum", "sgd-array-lr", "adam"],
)
def test_float32_params_stay_float32(make):
    p0, g1, g2 = _vectors(np.float32)
    params = p0.copy()
    params64 = p0.astype(np.float64)
    opt = make(params)
    opt64 = make(params64)
    for g in (g1, g2, g1):
        opt.update(params, g)
        opt64.update(params64, g.astype(np.float64))
        assert params.dtype == np.float32
    for name in ("velocity", "m", "v"):
        if hasattr(opt, name):
            assert getattr(opt, name).dtype == np.float32
    assert not np.allclose(params, p0)
    np.testing.assert_allclose(params, params64, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------
# L-BFGS


def _quadratic(n=6, seed=0):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    A = M @ M.T + n * np.eye(n)
    b = rng.normal(size=n)

    def fun(x):
        assert x.dtype == np.float64
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return fun, A, b


def test_lbfgs_minimises_quadratic_with_callback_per_iteration():
    fun, A, b = _quadratic()
    values = []
    res = minimize_lbfgs(
        fun,
        np.zeros(6, dtype=np.float32),
        max_iter=200,
        max_fun=1000,
        tol=1e-10,
        callback=lambda value, x: values.append(value),
    )
    x_star = np.linalg.solve(A, b)
    np.testing.assert_allclose(res.x, x_star, rtol=1e-4, atol=1e-6)
    assert res.fun == pytest.approx(-0.5 * b @ x_star, rel=1e-8)
    assert res.nit >= 1
    assert len(values) == res.nit  # one call per iteration
    assert all(isinstance(v, float) for v in values)
    assert all(b2 <= b1 + 1e-12 for b1, b2 in zip(values, values[1:]))
    assert values[-1] == pytest.approx(res.fun, rel=1e-12)


def test_lbfgs_respects_iteration_budget():
    fun, A, b = _quadratic(n=20, seed=1)
    values = []
    res = minimize_lbfgs(
        fun,
        np.zeros(20),
        2,
        1000,
        1e-12,
        callback=lambda value, x: values.append(value),
    )
    assert res.nit == 2
    assert len(values) == 2
    assert res.fun > -0.5 * b @ np.linalg.solve(A, b)  # not converged yet


def test_lbfgs_without_callback():
    fun, A, b = _quadratic()
    res = minimize_lbfgs(fun, np.ones(6), 100, 1000, 1e-10)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------------
# reset_state (restarts stopped early keep no optimiser memory)


@pytest.mark.parametrize("make", [lambda p: SGD(p, 0.1), lambda p: Adam(p, 0.1)])
def test_reset_state_zeroes_only_masked_entries(make):
    p0, g1, g2 = _vectors()
    params = p0.copy()
    opt = make(params)
    opt.update(params, g1)
    opt.update(params, g2)
    mask = np.zeros(p0.size, dtype=bool)
    mask[[1, 4]] = True
    names = [n for n in ("velocity", "m", "v") if hasattr(opt, n)]
    before = {n: getattr(opt, n).copy() for n in names}
    opt.reset_state(mask)
    for n in names:
        state = getattr(opt, n)
        assert np.all(state[mask] == 0.0)
        np.testing.assert_array_equal(state[~mask], before[n][~mask])
        assert np.all(before[n][mask] != 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_plain_sgd_step_updates_a_view_in_place(dtype):
    # the momentum-free step runs through BLAS axpy: it must write into the
    # caller's buffer (here a prefix view of a larger one) and survive pickling
    rng = np.random.RandomState(0)
    theta = rng.uniform(-1, 1, 12).astype(dtype)
    params, grad = theta[:9], rng.uniform(-1, 1, 9).astype(dtype)
    expected = params - dtype(0.25) * grad
    opt = pickle.loads(pickle.dumps(SGD(params, 0.25, momentum=0.0)))
    before_tail = theta[9:].copy()
    opt.update(params, grad)
    np.testing.assert_allclose(theta[:9], expected, rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(theta[9:], before_tail)
    assert theta.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_plain_sgd_step_on_large_vectors_avoids_scipy_blas(dtype, monkeypatch):
    # scipy's BLAS has a thread pool of its own: waking it slows numpy's GEMMs
    import skbackprop._solvers as solvers

    def forbidden(*args, **kwargs):
        raise AssertionError("scipy BLAS called for a large vector")

    monkeypatch.setattr(solvers, "_AXPY", {np.dtype(dtype): forbidden})
    rng = np.random.RandomState(0)
    n = solvers._AXPY_MAX_SIZE + 1
    params, grad = rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)
    expected = params - dtype(0.1) * grad
    SGD(params, 0.1, momentum=0.0).update(params, grad)
    np.testing.assert_allclose(params, expected, rtol=4 * np.finfo(dtype).eps)
    # small vectors keep the one-call step (OpenBLAS runs it on this thread)
    calls = []
    monkeypatch.setattr(
        solvers, "_AXPY", {np.dtype(dtype): lambda x, y, a: calls.append(a) or y}
    )
    small = np.ones(8, dtype=dtype)
    SGD(small, 0.1, momentum=0.0).update(small, np.ones(8, dtype=dtype))
    assert calls == [-0.1]


# ----------------------------------------------------------------------------
# schedules with Adam


def test_adam_constant_schedule_is_the_default():
    p0, g1, g2 = _vectors()
    a, b = p0.copy(), p0.copy()
    default = Adam(a, 0.01)
    explicit = Adam(b, 0.01, schedule=Constant(0.01))
    for g in (g1, g2):
        default.update(a, g)
        explicit.update(b, g)
    np.testing.assert_array_equal(a, b)


def test_adam_follows_its_schedule():
    # the step is proportional to the schedule's rate: a cosine schedule at
    # half its course gives half the constant schedule's step
    p0, g1, _ = _vectors()
    steps = []
    for schedule in (Constant(0.01), Cosine(0.01, 2)):
        opt = Adam(p0.copy(), 0.01, schedule=schedule)
        opt.iteration_ends(10)  # one epoch done
        params = p0.copy()
        opt.update(params, g1)
        steps.append(params - p0)
    np.testing.assert_allclose(steps[1], 0.5 * steps[0], rtol=1e-12)


def test_adam_adaptive_schedule_reduces_instead_of_stopping():
    opt = Adam(np.zeros(3), 0.01, schedule=Adaptive(0.01))
    assert opt.trigger_stopping() is False
    assert opt.schedule.rate == pytest.approx(0.002)
    assert Adam(np.zeros(3), 0.01).trigger_stopping() is True


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_state_dict_carries_the_schedule(solver):
    p0, g1, _ = _vectors()

    def make():
        schedule = make_schedule("cosine", 0.1, max_iter=4, warmup_epochs=1)
        if solver == "adam":
            return Adam(p0.copy(), 0.1, schedule=schedule)
        return SGD(p0.copy(), 0.1, schedule=schedule)

    first = make()
    first.iteration_ends(10)
    first.iteration_ends(20)
    second = make()
    second.load_state(first.state_dict())
    assert second.schedule.rate == first.schedule.rate
    assert second.schedule.epoch == 2
    # a state saved by an older version has no "schedule" entry: it loads
    # into a plain schedule; a warm-up refuses it (KeyError: the estimator
    # then starts a fresh optimizer)
    old = {k: v for k, v in first.state_dict().items() if k != "schedule"}
    with pytest.raises(KeyError):
        make().load_state(old)
    plain = Adam(p0.copy(), 0.1) if solver == "adam" else SGD(p0.copy(), 0.1)
    plain.load_state({**old, "rate": 0.1})


# ----------------------------------------------------------------------------
# gradient clipping


def test_clip_by_global_norm_single_network():
    layout = Layout([3, 4, 2])
    grad = np.random.default_rng(0).normal(size=layout.n_total)
    norm = np.linalg.norm(grad)
    clip = ClipByGlobalNorm(layout, grad, norm / 4)
    expected = grad / 4
    clip(grad)
    np.testing.assert_allclose(grad, expected, rtol=1e-14)
    assert np.linalg.norm(grad) == pytest.approx(norm / 4, rel=1e-14)
    kept = grad.copy()
    ClipByGlobalNorm(layout, grad, norm)(grad)  # below the threshold: untouched
    np.testing.assert_array_equal(grad, kept)


def test_clip_by_global_norm_skips_fixed_intercepts():
    # without intercepts the trainable prefix holds the weights only
    layout = Layout([3, 4, 2], fit_intercept=False)
    grad = np.zeros(layout.n_total)
    prefix = grad[: layout.n_params]
    prefix[:] = 1.0
    ClipByGlobalNorm(layout, grad, 1.0)(prefix)
    assert np.linalg.norm(prefix) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_clip_by_global_norm_clips_each_stacked_network_by_its_own_norm(
    fit_intercept,
):
    R = 3
    stacked, single = (
        Layout([3, 4, 2], fit_intercept, R),
        Layout([3, 4, 2], fit_intercept),
    )
    rng = np.random.default_rng(1)
    grad = rng.normal(size=stacked.n_total)
    grad *= np.array([0.01, 1.0, 100.0])[stacked.restart_owner()]
    expected = []
    for r in range(R):
        g = stacked.extract(grad, r)
        ClipByGlobalNorm(single, g, 1.0)(g[: single.n_params])
        expected.append(g)
    ClipByGlobalNorm(stacked, grad, 1.0)(grad[: stacked.n_params])
    for r in range(R):
        np.testing.assert_allclose(stacked.extract(grad, r), expected[r], rtol=1e-12)
    assert np.linalg.norm(stacked.extract(grad, 0)) < 0.9  # the small one kept


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_clip_leaves_non_finite_gradients_to_the_divergence_guard(bad):
    for layout in (Layout([2, 2, 1]), Layout([2, 2, 1], n_restarts=2)):
        grad = np.ones(layout.n_total)
        grad[0] = bad
        ClipByGlobalNorm(layout, grad, 0.5)(grad[: layout.n_params])
        assert grad[0] != grad[0] or grad[0] == bad
        assert np.count_nonzero(grad == 1.0) >= layout.n_total // 2 - 1


def test_clipped_update_clips_then_steps():
    layout = Layout([2, 1])
    params = np.zeros(layout.n_total)
    grad = np.full(layout.n_total, 10.0)
    sgd = SGD(params, 0.1, momentum=0.0)
    clipped(sgd.update, ClipByGlobalNorm(layout, grad, 1.0))(params, grad)
    assert np.linalg.norm(params) == pytest.approx(0.1, rel=1e-14)


# ----------------------------------------------------------------------------
# Adam's rescaled sums


def test_adam_state_round_trip_continues_exactly():
    """A new optimizer loaded from a state_dict takes the same steps, bit for
    bit, as the one that kept going."""
    p0, g1, g2 = _vectors(seed=4)
    a, b = p0.copy(), p0.copy()
    first = Adam(a, 0.01)
    first.update(a, g1)
    second = Adam(b, 0.01)
    second.update(b, g1)
    again = Adam(b, 0.01)
    again.load_state(second.state_dict())
    for g in (g2, g1, g2):
        first.update(a, g)
        again.update(b, g)
    np.testing.assert_array_equal(a, b)
    assert again.t == first.t == 4


def test_adam_loads_the_earlier_state_form_and_pickles():
    """States and pickles of the form with the moments m and v themselves
    (written before the rescaled sums) continue the same course."""
    import pickle

    p0, g1, g2 = _vectors(seed=5)
    ref_params = p0.copy()
    ref = Adam(ref_params, 0.01, beta_1=0.8, beta_2=0.99)
    ref.update(ref_params, g1)
    old_form = {"t": ref.t, "m": ref.m, "v": ref.v, "schedule": {}}
    params = ref_params.copy()
    loaded = Adam(params, 0.01, beta_1=0.8, beta_2=0.99)
    loaded.load_state(old_form)
    np.testing.assert_allclose(loaded.m_sum, ref.m_sum, rtol=1e-15)
    np.testing.assert_allclose(loaded.v_sum, ref.v_sum, rtol=1e-15)
    # an optimizer pickled with m and v in its __dict__
    state = ref.__dict__.copy()
    state["m"], state["v"] = state.pop("m_sum") * 0.2, state.pop("v_sum") * 0.01
    unpickled = pickle.loads(pickle.dumps(ref))
    unpickled.__setstate__(state)
    np.testing.assert_allclose(unpickled.m_sum, ref.m_sum, rtol=1e-15)
    ref.update(ref_params, g2)
    loaded.update(params, g2)
    np.testing.assert_allclose(params, ref_params, rtol=1e-14)
