"""Tests of skbackprop._training: the divergence guard, minibatches and the
training loops (stochastic, for one network and for stacked restarts, and
L-BFGS).

The stacked loop is checked against independent single-network runs started
from the same weights: each restart must follow its own single run.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from skbackprop._layout import Layout
from skbackprop._network import Network
from skbackprop._schedules import StoppingRule
from skbackprop._solvers import SGD, Adam
from skbackprop._training import (
    DivergenceGuard,
    Hooks,
    Minibatches,
    Progress,
    StochasticConfig,
    StochasticTrainer,
    TrainingDiverged,
    TrainingResult,
    Validation,
    train_lbfgs,
    train_lbfgs_restarts,
)

UNITS = [2, 3, 1]

# ----------------------------------------------------------------------------
# helpers


def _problem(seed=0, n=20):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, UNITS[0]))
    y = (np.sin(2 * X[:, :1]) + 0.5 * X[:, 1:]).reshape(n, 1)
    return X, y


def _single(theta=None, units=UNITS, activation="tanh"):
    layout = Layout(units)
    if theta is not None:
        theta = np.array(theta, dtype=np.float64)
    return Network(layout, activation, "identity", "squared_error", theta=theta)


def _thetas(R, seed=0, units=UNITS):
    rng = np.random.RandomState(seed)
    n_total = Layout(units).n_total
    return [rng.normal(scale=0.7, size=n_total) for _ in range(R)]


def _stacked(thetas, units=UNITS, activation="tanh"):
    """A stacked network whose restart r holds the single vector thetas[r]."""
    single = Layout(units)
    layout = Layout(units, n_restarts=len(thetas))
    net = Network(layout, activation, "identity", "squared_error")
    for r, theta in enumerate(thetas):
        coefs, intercepts = single.views(theta)
        for i in range(layout.n_layers):
            net.coefs[i][r] = coefs[i]
            net.intercepts[i][r] = intercepts[i]
    return net


def _progress(R, tol=0.0, n_iter_no_change=10_000):
    return [Progress(StoppingRule(tol, n_iter_no_change)) for _ in range(R)]


def _trainer(
    net,
    X,
    y,
    rate=0.1,
    max_iter=10,
    batch_size=None,
    shuffle=False,
    seed=0,
    tol=0.0,
    n_iter_no_change=10_000,
    hooks=None,
    optimizer=None,
    sample_weight=None,
    max_grad_norm=None,
):
    if optimizer is None:
        optimizer = SGD(net.params, rate, "constant", momentum=0.0)
    batches = Minibatches(
        X,
        y,
        sample_weight,
        X.shape[0] if batch_size is None else batch_size,
        shuffle,
        np.random.RandomState(seed),
    )
    progress = _progress(net.layout.n_restarts, tol, n_iter_no_change)
    config = StochasticConfig(max_iter=max_iter, max_grad_norm=max_grad_norm)
    return StochasticTrainer(net, optimizer, batches, progress, config, hooks=hooks)


# ----------------------------------------------------------------------------
# DivergenceGuard


def test_guard_starts_with_copies_of_theta():
    theta = np.arange(5.0)
    guard = DivergenceGuard(theta)
    assert guard.theta is theta
    for kept in (guard.snapshot, guard.previous):
        np.testing.assert_array_equal(kept, theta)
        assert not np.shares_memory(kept, theta)
    assert not np.shares_memory(guard.snapshot, guard.previous)


def test_guard_commit_swaps_snapshot_and_previous():
    theta = np.zeros(4)
    guard = DivergenceGuard(theta)
    theta[:] = 1.0
    old_snapshot, old_previous = guard.snapshot, guard.previous
    guard.commit()
    # the buffers are swapped, not reallocated
    assert guard.previous is old_snapshot
    assert guard.snapshot is old_previous
    np.testing.assert_array_equal(guard.snapshot, [1.0] * 4)
    np.testing.assert_array_equal(guard.previous, [0.0] * 4)
    theta[:] = 2.0
    guard.commit()
    np.testing.assert_array_equal(guard.snapshot, [2.0] * 4)
    np.testing.assert_array_equal(guard.previous, [1.0] * 4)
    # the snapshot is a copy: training on does not change it
    theta[:] = 3.0
    np.testing.assert_array_equal(guard.snapshot, [2.0] * 4)


def test_guard_restore():
    theta = np.arange(4.0)
    guard = DivergenceGuard(theta)
    theta[:] = np.nan
    guard.restore(where=np.array([True, False, True, False]))
    np.testing.assert_array_equal(theta, [0.0, np.nan, 2.0, np.nan])
    guard.restore()
    np.testing.assert_array_equal(theta, np.arange(4.0))
    assert guard.theta is theta


def test_guard_commit_some_rolls_back_only_the_blown_restart():
    R = 3
    layout = Layout([2, 2, 1], n_restarts=R)
    owner = layout.restart_owner()
    theta = np.zeros(layout.n_total)
    guard = DivergenceGuard(theta, owner)
    theta[:] = 1.0
    guard.commit()  # snapshot 1, previous 0 everywhere
    theta[:] = 2.0 + owner  # the epoch after
    theta[owner == 1] = np.nan  # restart 1 blew up
    ok = np.array([True, False, True])
    blown = np.array([False, True, False])
    guard.commit_some(ok, blown)
    mine = owner == 1
    # the blown restart is rolled back to its snapshot, which is kept, and so
    # is the snapshot before it
    np.testing.assert_array_equal(theta[mine], 1.0)
    np.testing.assert_array_equal(guard.snapshot[mine], 1.0)
    np.testing.assert_array_equal(guard.previous[mine], 0.0)
    # the others are untouched and take a snapshot
    np.testing.assert_array_equal(theta[~mine], 2.0 + owner[~mine])
    np.testing.assert_array_equal(guard.snapshot[~mine], 2.0 + owner[~mine])
    np.testing.assert_array_equal(guard.previous[~mine], 1.0)


def test_guard_commit_some_leaves_idle_restarts_alone():
    R = 3
    layout = Layout([2, 1], n_restarts=R)
    owner = layout.restart_owner()
    theta = np.zeros(layout.n_total)
    guard = DivergenceGuard(theta, owner)
    theta[:] = 1.0
    guard.commit()
    theta[:] = 5.0
    # restart 0 goes on, 1 blew up, 2 is stopped (neither)
    guard.commit_some(np.array([True, False, False]), np.array([False, True, False]))
    np.testing.assert_array_equal(theta, np.where(owner == 1, 1.0, 5.0))
    idle = owner == 2
    np.testing.assert_array_equal(guard.snapshot[idle], 1.0)
    np.testing.assert_array_equal(guard.previous[idle], 0.0)
    np.testing.assert_array_equal(guard.snapshot[owner == 0], 5.0)
    np.testing.assert_array_equal(guard.previous[owner == 0], 1.0)


# ----------------------------------------------------------------------------
# Minibatches


def test_full_batch_yields_the_data_itself():
    X, y = _problem()
    sw = np.ones(len(X))
    batches = Minibatches(X, y, sw, len(X), True, np.random.RandomState(0))
    assert batches.full_batch and not batches.shuffle  # never shuffled
    ((Xb, yb, swb, m),) = list(batches)
    assert Xb is X and yb is y and swb is sw and m == len(X)


def test_ordered_minibatches():
    X, y = _problem(n=10)
    batches = Minibatches(X, y, None, 4, False, np.random.RandomState(0))
    parts = list(batches)
    assert [m for *_, m in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.vstack([p[0] for p in parts]), X)
    np.testing.assert_array_equal(np.vstack([p[1] for p in parts]), y)
    assert all(p[2] is None for p in parts)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_shuffled_minibatches_cover_every_row_once(sparse):
    X, y = _problem(n=11)
    X = np.column_stack([X, np.arange(11.0)])  # the row number as a feature
    y = np.column_stack([y, np.arange(11.0)])
    sw = np.arange(11.0) + 100
    Xin = sp.csr_matrix(X) if sparse else X
    batches = Minibatches(Xin, y, sw, 3, True, np.random.RandomState(0))
    orders = []
    for _ in range(3):
        rows_x, rows_y, rows_w = [], [], []
        for Xb, yb, swb, m in batches:
            Xb = Xb.toarray() if sparse else Xb
            assert Xb.shape[0] == yb.shape[0] == swb.shape[0] == m
            rows_x.extend(Xb[:, -1])
            rows_y.extend(yb[:, -1])
            rows_w.extend(swb - 100)
        assert rows_x == rows_y == rows_w
        assert sorted(rows_x) == list(range(11))
        orders.append(rows_x)
    assert orders[0] != orders[1] or orders[1] != orders[2]  # shuffled per epoch


# ----------------------------------------------------------------------------
# StochasticTrainer: one network


def test_trainer_reduces_the_loss():
    X, y = _problem()
    net = _single(_thetas(1)[0])
    theta0 = net.theta.copy()
    start = net.objective(X, y)
    result = _trainer(net, X, y, rate=0.1, max_iter=25).run()
    assert isinstance(result, TrainingResult)
    p = result.progress
    assert p.n_iter == 25
    assert len(p.loss_curve) == 25
    # the loss of an epoch is taken before its update
    assert p.loss_curve[0] == pytest.approx(start, rel=1e-12)
    assert np.all(np.diff(p.loss_curve) < 0)  # small full-batch steps
    assert p.loss_curve[-1] < 0.7 * start
    assert result.loss == p.loss_curve[-1]
    assert p.best_loss == min(p.loss_curve)
    assert result.network is net and result.index == 0
    assert not np.array_equal(net.theta, theta0)
    assert net.objective(X, y) < p.loss_curve[-1]
    assert result.exhausted  # still improving when max_iter ran out
    assert not result.interrupted and result.n_diverged == 0
    np.testing.assert_array_equal(result.final_losses, [p.loss_curve[-1]])


def test_trainer_full_batch_is_gradient_descent():
    """One epoch of the full-batch trainer is theta <- theta - rate * grad."""
    X, y = _problem()
    net = _single(_thetas(1, seed=3)[0])
    ws = net.workspace(len(X))
    ws.loss_grad(X, y, None, 0.01)
    expected = net.theta - 0.05 * ws.grad
    trainer = _trainer(net, X, y, rate=0.05, max_iter=1)
    trainer.config.alpha = 0.01
    trainer.run()
    np.testing.assert_allclose(net.theta, expected, rtol=1e-12, atol=1e-15)


def test_trainer_is_reproducible():
    X, y = _problem()
    curves = []
    for _ in range(2):
        net = _single(_thetas(1)[0])
        result = _trainer(net, X, y, max_iter=8, batch_size=6, shuffle=True).run()
        curves.append((result.progress.loss_curve, net.theta.copy()))
    assert curves[0][0] == curves[1][0]
    np.testing.assert_array_equal(curves[0][1], curves[1][1])


def test_trainer_stops_on_a_plateau():
    # rate 0: the loss never changes, the constant schedule cannot go on
    X, y = _problem()
    net = _single(_thetas(1)[0])
    result = _trainer(
        net, X, y, rate=0.0, max_iter=50, tol=1e-4, n_iter_no_change=3
    ).run()
    p = result.progress
    # the first epoch improves on inf, then n_iter_no_change + 1 stalls
    assert p.n_iter == 3 + 2
    assert p.stopped and not result.exhausted
    assert p.rule.count == 4
    assert len(set(p.loss_curve)) == 1


def test_trainer_counts_samples_seen():
    X, y = _problem(n=20)
    net = _single(_thetas(1)[0])
    trainer = _trainer(net, X, y, max_iter=3, batch_size=7)
    trainer.run()
    assert trainer.t == 3 * 20


# ----------------------------------------------------------------------------
# StochasticTrainer: stacked restarts equal independent runs


def _single_runs(thetas, X, y, **kwargs):
    runs = []
    for theta in thetas:
        net = _single(theta)
        result = _trainer(net, X, y, **kwargs).run()
        runs.append((result, net))
    return runs


@pytest.mark.parametrize(
    "batch_size, shuffle",
    [(None, False), (6, False), (6, True)],
    ids=["full-batch", "minibatches", "shuffled"],
)
def test_stacked_equals_independent_runs(batch_size, shuffle):
    X, y = _problem()
    R = 3
    thetas = _thetas(R)
    kwargs = dict(rate=0.1, max_iter=15, batch_size=batch_size, shuffle=shuffle)
    singles = _single_runs(thetas, X, y, **kwargs)

    stacked = _stacked(thetas)
    trainer = _trainer(stacked, X, y, **kwargs)
    result = trainer.run()
    for r, (single_result, single_net) in enumerate(singles):
        p = trainer.progress[r]
        assert p.n_iter == single_result.progress.n_iter == 15
        np.testing.assert_allclose(
            p.loss_curve, single_result.progress.loss_curve, rtol=1e-10
        )
        np.testing.assert_allclose(
            stacked.layout.extract(stacked.theta, r),
            single_net.theta,
            rtol=1e-10,
            atol=1e-13,
        )
    finals = [s.progress.loss_curve[-1] for s, _ in singles]
    np.testing.assert_allclose(result.final_losses, finals, rtol=1e-10)
    # the kept network is the best restart, as a single network
    assert result.index == int(np.argmin(finals))
    assert not result.network.layout.stacked
    np.testing.assert_allclose(
        result.network.theta, singles[result.index][1].theta, rtol=1e-10, atol=1e-13
    )
    assert result.progress is trainer.progress[result.index]


def test_stacked_restarts_stop_on_their_own():
    """A restart that stalls is frozen while the others go on, each as in its
    own run."""
    X, y = _problem()
    R = 3
    thetas = _thetas(R, seed=1)
    rates = [0.1, 0.0, 0.05]  # restart 1 never moves: it stalls
    kwargs = dict(max_iter=20, tol=1e-6, n_iter_no_change=2)
    singles = []
    for theta, rate in zip(thetas, rates):
        net = _single(theta)
        singles.append((_trainer(net, X, y, rate=rate, **kwargs).run(), net))

    stacked = _stacked(thetas)
    owner = stacked.layout.restart_owner()[: stacked.layout.n_params]
    rate = np.array(rates)[owner]
    trainer = _trainer(stacked, X, y, rate=rate, **kwargs)
    trainer.run()
    assert trainer.progress[1].stopped and trainer.progress[1].n_iter == 4
    for r, (single_result, single_net) in enumerate(singles):
        p, q = trainer.progress[r], single_result.progress
        assert (p.n_iter, p.stopped) == (q.n_iter, q.stopped)
        np.testing.assert_allclose(p.loss_curve, q.loss_curve, rtol=1e-10)
        np.testing.assert_allclose(
            stacked.layout.extract(stacked.theta, r),
            single_net.theta,
            rtol=1e-10,
            atol=1e-13,
        )


def test_stacked_adam_equals_independent_runs():
    X, y = _problem()
    thetas = _thetas(2, seed=2)
    singles = []
    for theta in thetas:
        net = _single(theta)
        adam = Adam(net.params, 0.01)
        singles.append(_trainer(net, X, y, max_iter=10, optimizer=adam).run())
    stacked = _stacked(thetas)
    trainer = _trainer(stacked, X, y, max_iter=10, optimizer=Adam(stacked.params, 0.01))
    trainer.run()
    for r, single in enumerate(singles):
        np.testing.assert_allclose(
            trainer.progress[r].loss_curve, single.progress.loss_curve, rtol=1e-10
        )


# ----------------------------------------------------------------------------
# hooks


class _StopAfter(Hooks):
    def __init__(self, n):
        self.n = n
        self.begun, self.ended, self.closed = [], [], 0

    def epoch_begin(self, name, view):
        self.begun.append((name, view.n_iter))

    def epoch_end(self, view):
        self.ended.append((view.n_iter, list(view.loss_curve)))
        return view.n_iter >= self.n

    def close(self):
        self.closed += 1


@pytest.mark.parametrize("R", [1, 3])
def test_hooks_stop_training(R):
    X, y = _problem()
    thetas = _thetas(R)
    net = _stacked(thetas) if R > 1 else _single(thetas[0])
    hooks = _StopAfter(2)
    result = _trainer(net, X, y, max_iter=50, hooks=hooks).run()
    assert result.progress.n_iter == 2
    assert len(result.progress.loss_curve) == 2
    assert not result.exhausted
    assert hooks.begun == [("epoch", 0), ("epoch", 1)]
    assert [k for k, _ in hooks.ended] == [1, 2]
    assert hooks.ended[-1][1] == result.progress.loss_curve
    assert hooks.closed == 1


def test_hooks_see_a_single_network_of_stacked_restarts():
    X, y = _problem()
    seen = []

    class Record(Hooks):
        def epoch_end(self, view):
            seen.append(view.network)
            return False

    stacked = _stacked(_thetas(3))
    _trainer(stacked, X, y, max_iter=2, hooks=Record()).run()
    assert len(seen) == 2
    assert all(not net.layout.stacked for net in seen)


def test_hooks_closed_on_interrupt():
    X, y = _problem()
    net = _single(_thetas(1)[0])

    class Interrupt(_StopAfter):
        def epoch_begin(self, name, view):
            super().epoch_begin(name, view)
            if view.n_iter == 3:
                raise KeyboardInterrupt

    hooks = Interrupt(100)
    result = _trainer(net, X, y, max_iter=50, hooks=hooks).run()
    assert result.interrupted
    assert result.progress.n_iter == 3
    assert hooks.closed == 1


# ----------------------------------------------------------------------------
# divergence


@pytest.mark.parametrize("R", [1, 3])
def test_nan_from_the_start_raises(R):
    X, y = _problem()
    thetas = [np.full_like(t, np.nan) for t in _thetas(R)]
    net = _stacked(thetas) if R > 1 else _single(thetas[0])
    hooks = _StopAfter(100)
    with pytest.raises(TrainingDiverged):
        _trainer(net, X, y, max_iter=5, hooks=hooks).run()
    assert hooks.closed == 1


def test_one_nan_restart_diverges_the_others_train_on():
    X, y = _problem()
    thetas = _thetas(3, seed=4)
    thetas[1][:] = np.nan
    stacked = _stacked(thetas)
    trainer = _trainer(stacked, X, y, max_iter=10)
    result = trainer.run()
    assert trainer.progress[1].diverged and trainer.progress[1].n_iter == 0
    assert result.n_diverged == 1
    assert result.index in (0, 2)
    assert result.final_losses[1] == math.inf
    for r in (0, 2):
        single_result, _ = _single_runs([thetas[r]], X, y, max_iter=10)[0]
        np.testing.assert_allclose(
            trainer.progress[r].loss_curve,
            single_result.progress.loss_curve,
            rtol=1e-10,
        )


class _BlowUpSGD(SGD):
    """SGD that makes the entries ``mask`` NaN at its ``at``-th update."""

    def __init__(self, params, rate, mask, at):
        super().__init__(params, rate, "constant", momentum=0.0)
        self.mask, self.at, self.calls = mask, at, 0

    def update(self, params, grad):
        super().update(params, grad)
        self.calls += 1
        if self.calls == self.at:
            params[self.mask] = np.nan


def test_single_network_falls_back_on_the_epoch_before():
    X, y = _problem()
    theta = _thetas(1, seed=5)[0]
    net = _single(theta)
    optimizer = _BlowUpSGD(net.params, 0.1, np.ones(net.params.size, bool), at=2)
    trainer = _trainer(net, X, y, max_iter=10, optimizer=optimizer)
    result = trainer.run()
    # epoch 3 sees NaN: epoch 2's weights are not usable, epoch 1's are
    p = result.progress
    assert p.diverged and result.n_diverged == 1
    assert p.n_iter == 1 and len(p.loss_curve) == 1
    assert np.isfinite(net.theta).all()
    expected = _single(theta)
    _trainer(expected, X, y, max_iter=1).run()
    np.testing.assert_allclose(net.theta, expected.theta, rtol=1e-12)


def test_stacked_restart_falls_back_on_the_epoch_before_like_a_single_run():
    """Restart 1 blows up in its second update while restart 0 trains on.

    Run alone, restart 1 keeps its weights after epoch 1 (the previous
    snapshot). Stacked, restart 0's later epochs must not overwrite restart
    1's snapshots, so that restart 1 (the lowest final loss) falls back on
    the same weights.
    """
    X, y = _problem()
    theta = _thetas(1, seed=5)[0]
    # restart 0: the same start, rate 0 (its loss stays at the start's);
    # restart 1: rate 0.1, so its loss after epoch 1 is lower
    stacked = _stacked([theta, theta])
    owner = stacked.layout.restart_owner()[: stacked.layout.n_params]
    rate = np.where(owner == 1, 0.1, 0.0)
    optimizer = _BlowUpSGD(stacked.params, rate, owner == 1, at=2)
    trainer = _trainer(stacked, X, y, max_iter=6, optimizer=optimizer)
    result = trainer.run()
    p1 = trainer.progress[1]
    assert p1.diverged
    assert trainer.progress[0].n_iter == 6
    assert p1.n_iter == 1  # fell back from epoch 2 (its update gave NaN)

    # what restart 1 keeps when run alone
    alone = _single(theta)
    optimizer = _BlowUpSGD(alone.params, 0.1, np.ones(alone.params.size, bool), at=2)
    alone_result = _trainer(alone, X, y, max_iter=6, optimizer=optimizer).run()
    assert alone_result.progress.n_iter == 1
    assert np.isfinite(alone.theta).all()

    # restart 1's usable weights of epoch 1 survive restart 0's epochs
    assert np.isfinite(
        trainer.guard.previous[stacked.layout.restart_owner() == 1]
    ).all(), (
        "the previous snapshot of the diverged restart 1 was overwritten by "
        "DivergenceGuard.commit() in a later epoch of restart 0"
    )
    assert result.index == 1
    np.testing.assert_allclose(result.network.theta, alone.theta, rtol=1e-12)


# ----------------------------------------------------------------------------
# L-BFGS


def test_train_lbfgs_reduces_the_objective():
    X, y = _problem()
    net = _single(_thetas(1)[0])
    start = net.objective(X, y, None, 0.01)
    config = StochasticConfig(max_iter=50, alpha=0.01)
    hooks = _StopAfter(10_000)
    result = train_lbfgs(
        net, X, y, None, config, tol=1e-10, max_fun=15_000, hooks=hooks
    )
    p = result.progress
    assert result.network is net
    assert result.loss < 0.5 * start
    assert result.loss == pytest.approx(net.objective(X, y, None, 0.01), rel=1e-10)
    assert 0 < p.n_iter <= 50
    assert len(p.loss_curve) == p.n_iter
    assert hooks.begun[0] == ("lbfgs-iteration", 0)
    assert hooks.closed == 1


def test_train_lbfgs_hook_stops():
    X, y = _problem()
    net = _single(_thetas(1)[0])
    config = StochasticConfig(max_iter=50)
    result = train_lbfgs(
        net, X, y, None, config, tol=1e-10, max_fun=15_000, hooks=_StopAfter(3)
    )
    assert len(result.progress.loss_curve) == 3


def test_train_lbfgs_nan_raises_and_resets():
    X, y = _problem()
    net = _single(np.full(Layout(UNITS).n_total, np.nan))
    config = StochasticConfig(max_iter=5)
    with pytest.raises(TrainingDiverged):
        train_lbfgs(net, X, y, None, config, tol=1e-6, max_fun=100)
    assert np.isnan(net.theta).all()  # reset to the (NaN) start


def test_train_lbfgs_restarts_keeps_the_lowest():
    X, y = _problem()
    thetas = _thetas(3, seed=6)
    thetas[1][:] = np.nan  # diverges
    config = StochasticConfig(max_iter=5)
    kwargs = dict(config=config, tol=1e-10, max_fun=15_000)
    starts = (_single(theta) for theta in thetas)
    result = train_lbfgs_restarts(starts, 3, X, y, None, **kwargs)
    separate = [
        train_lbfgs(_single(thetas[r]), X, y, None, **kwargs).loss for r in (0, 2)
    ]
    assert result.n_diverged == 1
    assert result.final_losses[1] == math.inf
    np.testing.assert_allclose(result.final_losses[[0, 2]], separate, rtol=1e-10)
    assert result.index == (0, 2)[int(np.argmin(separate))]


# ----------------------------------------------------------------------------
# the lean loop of a single network is the general loop, step for step
class _BlowUpAt(SGD):
    """Plain SGD whose parameters turn NaN after update ``at``."""

    def __init__(self, params, rate, at):
        super().__init__(params, rate, "constant", momentum=0.0)
        self.at, self.calls = at, 0

    def update(self, params, grad):
        super().update(params, grad)
        self.calls += 1
        if self.calls == self.at:
            params[0] = np.nan


def _lean_and_general(make_optimizer, **kwargs):
    """Run the same training without hooks (the lean loop) and with a hook
    that does nothing (the general loop)."""
    X, y = _problem(seed=3, n=40)
    runs = []
    for hooks in (None, Hooks()):
        net = _single(_thetas(1, seed=4)[0])
        trainer = _trainer(
            net, X, y, optimizer=make_optimizer(net), hooks=hooks, **kwargs
        )
        assert (hooks is None) == (
            not (trainer.stacked or trainer.hooks or trainer.validation)
        )
        try:
            result = trainer.run()
        except TrainingDiverged:
            result = None
        runs.append((trainer, result, net.theta.copy()))
    return runs


@pytest.mark.parametrize(
    "make_optimizer, kwargs",
    [
        (lambda net: SGD(net.params, 0.1, "constant", momentum=0.0), {}),
        (
            lambda net: SGD(net.params, 0.05, "invscaling", momentum=0.9),
            {"batch_size": 7},
        ),
        (
            lambda net: SGD(net.params, 0.5, "adaptive", momentum=0.5),
            {"tol": 1e-2, "n_iter_no_change": 2, "max_iter": 60, "batch_size": 8},
        ),
        (
            lambda net: Adam(net.params, 0.01),
            {"tol": 1e-3, "n_iter_no_change": 3, "max_iter": 80},
        ),
        (lambda net: _BlowUpAt(net.params, 0.1, at=4), {}),
        (lambda net: _BlowUpAt(net.params, 0.1, at=1), {}),
    ],
)
def test_lean_loop_equals_the_general_loop(make_optimizer, kwargs):
    (lean, lean_result, lean_theta), (general, general_result, general_theta) = (
        _lean_and_general(make_optimizer, **kwargs)
    )
    # the same operations in the same order: equal to the bit
    np.testing.assert_array_equal(lean_theta, general_theta)
    assert (lean_result is None) == (general_result is None)
    for a, b in zip(lean.progress, general.progress):
        assert {**vars(a), "rule": vars(a.rule)} == {**vars(b), "rule": vars(b.rule)}
    assert lean.t == general.t
    assert lean.exhausted == general.exhausted
    if lean_result is not None:
        assert lean_result.progress.n_iter == general_result.progress.n_iter
        assert lean_result.n_diverged == general_result.n_diverged
        assert lean_result.exhausted == general_result.exhausted


# ----------------------------------------------------------------------------
# validation: the rules follow the score or the loss


def _validated_run(monitor, R=1, max_iter=30, rate=0.5):
    X, y = _problem(seed=3, n=30)
    X_val, y_val = _problem(seed=4, n=15)
    thetas = _thetas(R, seed=5)
    net = _single(thetas[0]) if R == 1 else _stacked(thetas)
    maximize = monitor == "score"
    progress = [
        Progress(
            StoppingRule(0.0, 10_000, maximize=maximize),
            validation_scores=[],
            validation_losses=[],
        )
        for _ in range(R)
    ]
    # a score that disagrees with the loss: the mean of the output
    validation = Validation(X_val, y_val, None, lambda out: float(out.mean()), monitor)
    optimizer = SGD(net.params, rate, "constant", momentum=0.0)
    batches = Minibatches(X, y, None, 30, False, np.random.RandomState(0))
    config = StochasticConfig(max_iter=max_iter)
    trainer = StochasticTrainer(net, optimizer, batches, progress, config, validation)
    return trainer.run(), trainer, (X_val, y_val)


@pytest.mark.parametrize("monitor", ["score", "loss"])
def test_validation_rules_follow_the_monitored_value(monitor):
    result, trainer, (X_val, y_val) = _validated_run(monitor)
    p = result.progress
    watched = p.validation_scores if monitor == "score" else p.validation_losses
    best = max(watched) if monitor == "score" else min(watched)
    assert p.rule.best == best
    # the kept network is the one of the best epoch of the monitored value
    kept = result.network
    if monitor == "loss":
        assert kept.objective(X_val, y_val) == pytest.approx(best, rel=1e-12)
    else:
        assert float(kept.predict(X_val).mean()) == pytest.approx(best, rel=1e-12)


def test_stacked_ranking_follows_the_validation_loss():
    result, trainer, _ = _validated_run("loss", R=3)
    bests = [p.rule.best for p in trainer.progress]
    assert result.index == int(np.argmin(bests))


def test_validation_monitor_is_checked():
    X, y = _problem()
    with pytest.raises(ValueError, match="monitor must be 'score' or 'loss'"):
        Validation(X, y, None, lambda out: 0.0, "accuracy")


# ----------------------------------------------------------------------------
# gradient clipping


@pytest.mark.parametrize("batch_size", [None, 6], ids=["full-batch", "minibatches"])
def test_clipped_steps_have_at_most_the_norm(batch_size):
    # plain gradient descent: every step moves theta by rate * clipped grad
    X, y = _problem()
    net = _single(_thetas(1, seed=3)[0] * 3)
    before = net.theta.copy()
    _trainer(
        net, X, y, rate=0.1, max_iter=1, batch_size=batch_size, max_grad_norm=0.01
    ).run()
    n_steps = 1 if batch_size is None else math.ceil(X.shape[0] / batch_size)
    moved = np.linalg.norm(net.theta - before)
    assert moved <= n_steps * 0.1 * 0.01 * (1 + 1e-12)
    if batch_size is None:
        assert moved == pytest.approx(0.1 * 0.01, rel=1e-12)  # the gradient was larger
    unclipped = _single(_thetas(1, seed=3)[0] * 3)
    _trainer(unclipped, X, y, rate=0.1, max_iter=1, batch_size=batch_size).run()
    assert np.linalg.norm(unclipped.theta - before) > 10 * moved


def test_stacked_clipping_equals_independent_clipped_runs():
    X, y = _problem()
    thetas = [t * s for t, s in zip(_thetas(3), (0.1, 1.0, 4.0))]
    kwargs = dict(rate=0.1, max_iter=8, batch_size=6, max_grad_norm=0.05)
    singles = _single_runs(thetas, X, y, **kwargs)
    stacked = _stacked(thetas)
    trainer = _trainer(stacked, X, y, **kwargs)
    trainer.run()
    for r, (single_result, single_net) in enumerate(singles):
        np.testing.assert_allclose(
            trainer.progress[r].loss_curve,
            single_result.progress.loss_curve,
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            stacked.layout.extract(stacked.theta, r),
            single_net.theta,
            rtol=1e-10,
            atol=1e-13,
        )
