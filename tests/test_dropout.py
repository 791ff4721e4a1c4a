"""The estimators' ``dropout``: inverted dropout on the hidden units of the
training passes, the full network everywhere else.

The engine pieces (masks, the thinned gradient) are tested in
tests/test_network.py; here: the parameter, reproducibility, what the
fitted attributes mean with dropout, and that it regularises.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from skbackprop import BackpropClassifier, BackpropRegressor

ESTIMATORS = [BackpropRegressor, BackpropClassifier]


def _data(Est, n=80, n_features=5, seed=0):
    if Est is BackpropClassifier:
        return make_classification(
            n,
            n_features,
            n_informative=3,
            n_redundant=0,
            n_classes=3,
            random_state=seed,
        )
    X, y = make_regression(n, n_features, noise=2.0, random_state=seed)
    return X, y / y.std()


def _fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


def _make(Est, **params):
    defaults = dict(
        hidden_layer_sizes=(16, 8), max_iter=20, batch_size=16, random_state=0
    )
    return Est(**{**defaults, **params})


def _weights(est):
    return est.coefs_ + est.intercepts_


def _same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(_weights(a), _weights(b)))


def _ref_forward(est, X, depth=None):
    """The full network, in numpy, from the public weights (no scaling)."""
    a = np.asarray(X, dtype=np.float64)
    n_layers = len(est.coefs_)
    depth = n_layers if depth is None else depth
    for i in range(depth):
        z = a @ est.coefs_[i] + est.intercepts_[i]
        if i < n_layers - 1:
            a = {"relu": np.maximum(z, 0), "tanh": np.tanh(z)}[est.activation]
        else:
            a = z
    return a


# ----------------------------------------------------------------------------
# off: exactly the plain fit


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "extra",
    [{}, dict(n_init=3), dict(early_stopping=True), dict(batch_size=80)],
    ids=["minibatch", "restarts", "early-stopping", "full-batch"],
)
@pytest.mark.parametrize("zero", [0.0, 0, (0.0, 0.0), [0, 0]])
def test_zero_dropout_is_bit_identical_to_no_dropout(Est, extra, zero):
    X, y = _data(Est)
    plain = _fit(_make(Est, **extra), X, y)
    off = _fit(_make(Est, dropout=zero, **extra), X, y)
    assert off.loss_curve_ == plain.loss_curve_
    assert _same_weights(off, plain)
    if Est is BackpropRegressor:
        np.testing.assert_array_equal(off.noise_variance_, plain.noise_variance_)


def test_no_hidden_layer_has_nothing_to_drop():
    X, y = _data(BackpropRegressor)
    params = dict(hidden_layer_sizes=())
    plain = _fit(_make(BackpropRegressor, **params), X, y)
    for dropout in (0.5, ()):
        est = _fit(_make(BackpropRegressor, dropout=dropout, **params), X, y)
        assert est.loss_curve_ == plain.loss_curve_
        assert _same_weights(est, plain)


# ----------------------------------------------------------------------------
# on: reproducible, random, and only in training


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_dropout_changes_training_and_is_reproducible(Est, solver):
    X, y = _data(Est)
    plain = _fit(_make(Est, solver=solver), X, y)
    a = _fit(_make(Est, solver=solver, dropout=0.4), X, y)
    b = _fit(_make(Est, solver=solver, dropout=0.4), X, y)
    other_seed = _fit(_make(Est, solver=solver, dropout=0.4, random_state=1), X, y)
    assert a.loss_curve_ == b.loss_curve_ and _same_weights(a, b)
    assert not _same_weights(a, plain)
    assert not _same_weights(a, other_seed)
    assert a.loss_curve_ != plain.loss_curve_
    # a refit of the same estimator draws the same masks again
    _fit(a, X, y)
    assert _same_weights(a, b)


@pytest.mark.parametrize("extra", [{}, dict(early_stopping=True, n_init=2)])
def test_dropout_leaves_the_other_draws_alone(extra):
    """The masks' generator is derived from random_state without drawing
    from it: a dropout fit starts from the same weights and consumes exactly
    the draws (split, shuffles) of the plain fit."""
    X, y = _data(BackpropRegressor)
    states, starts = [], []
    for dropout in (0.0, 0.5):
        rs = np.random.RandomState(7)
        est = _make(
            BackpropRegressor,
            dropout=dropout,
            random_state=rs,
            max_iter=5,
            learning_rate_init=1e-12,
            **extra,
        )
        _fit(est, X, y)
        states.append(rs.get_state())
        starts.append(est.coefs_[0])
    assert states[0][2] == states[1][2]
    np.testing.assert_array_equal(states[0][1], states[1][1])
    np.testing.assert_allclose(starts[0], starts[1], atol=1e-9)


def test_per_layer_rates():
    X, y = _data(BackpropRegressor)
    first = _fit(_make(BackpropRegressor, dropout=(0.5, 0.0)), X, y)
    both = _fit(_make(BackpropRegressor, dropout=(0.5, 0.5)), X, y)
    same = _fit(_make(BackpropRegressor, dropout=[0.5, 0.5]), X, y)
    scalar = _fit(_make(BackpropRegressor, dropout=0.5), X, y)
    assert _same_weights(both, same) and _same_weights(both, scalar)
    assert not _same_weights(first, both)


def test_stacked_restarts_draw_independent_masks():
    """Restarts started from the same weights train identically without
    dropout (same minibatches); with dropout each has masks of its own."""
    X, y = _data(BackpropRegressor)

    def same_start(rng, fan_in, fan_out):
        return np.random.default_rng(fan_in * 100 + fan_out).uniform(
            -0.5, 0.5, size=(fan_in, fan_out)
        )

    params = dict(init=same_start, n_init=3)
    plain = _fit(_make(BackpropRegressor, **params), X, y)
    assert np.unique(plain.restart_losses_).size == 1
    dropped = _fit(_make(BackpropRegressor, dropout=0.3, **params), X, y)
    assert np.unique(dropped.restart_losses_).size == 3


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_prediction_and_transform_see_the_full_network(Est):
    X, y = _data(Est)
    est = _fit(_make(Est, dropout=0.5, activation="tanh"), X, y)
    out = _ref_forward(est, X)
    if Est is BackpropRegressor:
        first = est.predict(X)
        np.testing.assert_allclose(first, out.ravel(), rtol=1e-12, atol=1e-12)
    else:
        first = est.predict_proba(X)
        e = np.exp(out - out.max(axis=1, keepdims=True))
        np.testing.assert_allclose(first, e / e.sum(axis=1, keepdims=True), rtol=1e-10)
    again = est.predict(X) if Est is BackpropRegressor else est.predict_proba(X)
    np.testing.assert_array_equal(first, again)  # no randomness left
    np.testing.assert_allclose(
        est.transform(X), _ref_forward(est, X, depth=2), rtol=1e-12, atol=1e-12
    )


def test_loss_curve_is_the_thinned_objective_and_noise_variance_the_full():
    """``loss_curve_`` is the minibatch objective with dropout active (higher
    than the full network's here); ``noise_variance_`` comes from the full
    network's residuals on the training data."""
    X, y = _data(BackpropRegressor)
    params = dict(alpha=0.0, max_iter=60, hidden_layer_sizes=(32,))
    plain = _fit(_make(BackpropRegressor, **params), X, y)
    est = _fit(_make(BackpropRegressor, dropout=0.5, **params), X, y)
    residual = est.predict(X) - y
    np.testing.assert_allclose(est.noise_variance_, [np.mean(residual**2)], rtol=1e-10)
    full_loss = 0.5 * np.mean(residual**2)
    assert est.loss_ > 1.2 * full_loss  # the thinned networks fit worse
    # without dropout the last epoch's residuals match its loss (alpha=0)
    assert plain.noise_variance_[0] / 2 == pytest.approx(plain.loss_, rel=1e-10)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("scoring", [None, "loss"])
def test_early_stopping_validates_the_full_network(Est, scoring):
    X, y = _data(Est, n=120)
    X_tr, y_tr, X_val, y_val = X[:90], y[:90], X[90:], y[90:]
    est = _make(
        Est,
        dropout=0.3,
        early_stopping=True,
        n_iter_no_change=4,
        max_iter=40,
        scoring=scoring,
    )
    _fit(est, X_tr, y_tr, X_val=X_val, y_val=y_val)
    assert len(est.validation_scores_) == len(est.loss_curve_) == est.n_iter_
    # the kept weights are those of the best validation value, and it is
    # the full network's
    if scoring is None:
        assert est.best_validation_score_ == pytest.approx(
            est.score(X_val, y_val), rel=1e-12
        )
    else:
        best = min(est.validation_loss_curve_)
        assert est.best_validation_loss_ == best
        i = est.validation_loss_curve_.index(best)
        assert est.validation_scores_[i] == pytest.approx(
            est.score(X_val, y_val), rel=1e-12
        )


def test_lean_and_general_loops_agree_with_dropout(capsys):
    """verbose=True runs the general loop, the default the lean one."""
    X, y = _data(BackpropRegressor)
    lean = _fit(_make(BackpropRegressor, dropout=0.3), X, y)
    general = _fit(_make(BackpropRegressor, dropout=0.3, verbose=True), X, y)
    assert "Iteration" in capsys.readouterr().out
    assert lean.loss_curve_ == general.loss_curve_
    assert _same_weights(lean, general)


def test_partial_fit_with_dropout():
    """Every call draws new masks: at a negligible learning rate, calls on
    the same data report different thinned losses (and equal ones without
    dropout)."""
    X, y = _data(BackpropRegressor)
    for dropout, differ in ((0.0, False), (0.5, True)):
        est = _make(
            BackpropRegressor,
            dropout=dropout,
            learning_rate_init=1e-12,
            batch_size=80,
            shuffle=False,
        )
        for _ in range(3):
            est.partial_fit(X, y)
        a, b, c = est.loss_curve_
        assert (abs(a - b) > 1e-3 and abs(b - c) > 1e-3) == differ
        if not differ:
            assert a == pytest.approx(b, rel=1e-8)
    # and it is reproducible
    runs = []
    for _ in range(2):
        est = _make(BackpropRegressor, dropout=0.5)
        for _ in range(3):
            est.partial_fit(X, y)
        runs.append(est)
    assert runs[0].loss_curve_ == runs[1].loss_curve_
    assert _same_weights(*runs)


def test_float32_and_sparse_input():
    import scipy.sparse as sp

    X, y = _data(BackpropClassifier)
    X[np.abs(X) < 0.5] = 0.0
    est = _fit(_make(BackpropClassifier, dropout=0.3), X.astype(np.float32), y)
    assert est.coefs_[0].dtype == np.float32
    assert np.isfinite(est.loss_curve_).all()
    dense = _fit(_make(BackpropClassifier, dropout=0.3), X, y)
    sparse = _fit(_make(BackpropClassifier, dropout=0.3), sp.csr_matrix(X), y)
    for u, v in zip(_weights(dense), _weights(sparse)):
        np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "dropout, match",
    [
        (-0.1, "dropout"),
        (1.0, "dropout"),
        (1.5, "dropout"),
        (float("nan"), "dropout"),
        ("0.5", "dropout"),
        (True, "dropout"),
        ((0.5,), "dropout has 1 rate.*2 hidden layer"),
        ((0.1, 0.2, 0.3), "dropout has 3 rate.*2 hidden layer"),
        ((0.1, 1.0), "dropout must be a float in \\[0, 1\\)"),
        ((0.1, -0.2), "dropout must be a float in \\[0, 1\\)"),
        (("a", 0.1), "dropout must be a float"),
        ((True, 0.1), "dropout must be a float"),
        ([[0.1, 0.2]], "dropout must be a float"),
    ],
)
def test_invalid_dropout(Est, dropout, match):
    X, y = _data(Est)
    with pytest.raises(ValueError, match=match):
        _make(Est, dropout=dropout).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_lbfgs_refuses_dropout(Est):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="dropout.*lbfgs"):
        _make(Est, solver="lbfgs", dropout=0.2).fit(X, y)
    with pytest.raises(ValueError, match="dropout.*lbfgs"):
        _make(Est, solver="lbfgs", dropout=(0.0, 0.2)).fit(X, y)
    # zero rates are no dropout: lbfgs trains as usual
    plain = _fit(_make(Est, solver="lbfgs"), X, y)
    off = _fit(_make(Est, solver="lbfgs", dropout=(0, 0)), X, y)
    assert _same_weights(plain, off)


# ----------------------------------------------------------------------------
# regularisation


def test_dropout_reduces_overfitting():
    """A wide linear network trained to interpolate 40 noisy samples of 40
    features generalises badly; dropout on its hidden units (for a linear
    network, a data-dependent L2 penalty on the weights) improves the
    held-out R² a lot. Checked offline over 16 seeds: the gain was 0.35 to 2.6
    every time; one pinned here."""
    rng = np.random.default_rng(3)
    n, d = 40, 40
    w = rng.normal(size=d) / np.sqrt(d)
    X = rng.normal(size=(n + 1000, d))
    y = X @ w + 0.5 * rng.normal(size=n + 1000)
    X_tr, y_tr, X_te, y_te = X[:n], y[:n], X[n:], y[n:]
    params = dict(
        hidden_layer_sizes=(100,),
        activation="identity",
        alpha=0.0,
        batch_size=10,
        learning_rate_init=0.01,
        learning_rate="cosine",
        max_iter=150,
        tol=0.0,
        n_iter_no_change=1000,
        random_state=3,
    )
    plain = _fit(BackpropRegressor(**params), X_tr, y_tr)
    dropped = _fit(BackpropRegressor(dropout=0.5, **params), X_tr, y_tr)
    assert plain.score(X_tr, y_tr) > 0.99  # it interpolates
    held_out_plain = r2_score(y_te, plain.predict(X_te))
    held_out_dropped = r2_score(y_te, dropped.predict(X_te))
    assert held_out_dropped > held_out_plain + 0.3


# ----------------------------------------------------------------------------
# the parameter is just a parameter


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_and_clone_keep_dropout(Est):
    X, y = _data(Est)
    est = _fit(_make(Est, dropout=(0.3, 0.1)), X, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params()["dropout"] == (0.3, 0.1)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert clone(est).get_params()["dropout"] == (0.3, 0.1)
    # the unpickled model keeps training with dropout, as the original does
    _fit(est.set_params(warm_start=True, max_iter=3), X, y)
    _fit(loaded.set_params(warm_start=True, max_iter=3), X, y)
    assert _same_weights(est, loaded)


def test_skops_round_trip_with_dropout():
    skops_io = pytest.importorskip("skops.io")
    X, y = _data(BackpropRegressor)
    est = _fit(_make(BackpropRegressor, dropout=[0.25, 0.5]), X, y)
    data = skops_io.dumps(est)
    loaded = skops_io.loads(data, trusted=skops_io.get_untrusted_types(data=data))
    assert loaded.get_params()["dropout"] == [0.25, 0.5]
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
