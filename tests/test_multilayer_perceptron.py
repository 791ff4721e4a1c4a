"""Tests of BackpropRegressor and BackpropClassifier."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier, BackpropRegressor, DivergenceWarning

SOLVERS = ["sgd", "adam", "lbfgs"]


def _theta(est):
    """All weights of a fitted estimator as one vector (a copy)."""
    return np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=120, n_features=6, noise=0.5, random_state=0)
    X = MinMaxScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X, y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return MinMaxScaler().fit_transform(X), y


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------------
# parity with scikit-learn's MLP: same hyperparameters, same random_state, so
# the same initial weights, shuffles and updates
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_regressor_matches_sklearn_mlp_weights(regression_data, solver, activation):
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(7, 5),
        activation=activation,
        solver=solver,
        max_iter=15,
        batch_size=32,
        learning_rate_init=0.01,
        random_state=3,
    )
    ours = _quiet(BackpropRegressor(**params).fit, X, y)
    ref = _quiet(MLPRegressor(**params).fit, X, y)
    assert ours.n_iter_ == ref.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=1e-8)
    if solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
def test_classifier_matches_sklearn_mlp_probabilities(iris, solver):
    X, y = iris
    params = dict(hidden_layer_sizes=(10,), solver=solver, max_iter=20, random_state=0)
    ours = _quiet(BackpropClassifier(**params).fit, X, y)
    ref = _quiet(MLPClassifier(**params).fit, X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_side_by_side_score_on_bundled_dataset():
    X, y = load_diabetes(return_X_y=True)
    params = dict(
        hidden_layer_sizes=(20,), solver="lbfgs", max_iter=200, random_state=0
    )
    ours = _quiet(make_pipeline(MinMaxScaler(), BackpropRegressor(**params)).fit, X, y)
    ref = _quiet(make_pipeline(MinMaxScaler(), MLPRegressor(**params)).fit, X, y)
    assert ours.score(X, y) > 0.4
    assert abs(ours.score(X, y) - ref.score(X, y)) < 0.05


# ----------------------------------------------------------------------------
# training mechanics
def test_full_batch_sgd_step_is_minus_lr_times_gradient(regression_data):
    X, y = regression_data
    lr = 0.05
    est = BackpropRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        batch_size=X.shape[0],
        learning_rate_init=lr,
        alpha=0.01,
        random_state=0,
    )
    est.partial_fit(X, y)  # initialise (and take one step)
    theta0 = _theta(est)
    net = est._network()
    ws = net.workspace(X.shape[0])
    ws.loss_grad(X, y.reshape(-1, 1), None, est.alpha)
    grad = ws.grad.copy()
    est.partial_fit(X, y)
    # theta <- theta - lr * grad (BLAS may fuse the multiply-add: one ulp)
    np.testing.assert_allclose(_theta(est), theta0 - grad * lr, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_partial_fit_one_epoch_equals_fit_max_iter_one(Est, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    params = dict(hidden_layer_sizes=(5,), solver="sgd", batch_size=16, random_state=7)
    fitted = _quiet(Est(max_iter=1, **params).fit, X, y)
    kwargs = {"classes": np.unique(y)} if Est is BackpropClassifier else {}
    partial = Est(**params).partial_fit(X, y, **kwargs)
    np.testing.assert_array_equal(_theta(fitted), _theta(partial))
    assert fitted.loss_ == partial.loss_


def test_lbfgs_has_no_partial_fit():
    assert not hasattr(BackpropRegressor(solver="lbfgs"), "partial_fit")
    assert not hasattr(BackpropClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(BackpropRegressor(solver="sgd"), "partial_fit")


@pytest.mark.parametrize("solver", SOLVERS)
def test_loss_curve_and_verbose_for_every_solver(regression_data, solver, capsys):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver=solver,
            max_iter=7,
            verbose=True,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert len(est.loss_curve_) == est.n_iter_ > 0
    lines = re.findall(r"Iteration (\d+), loss = ([0-9.e+-]+)", capsys.readouterr().out)
    assert len(lines) == est.n_iter_
    np.testing.assert_allclose([float(v) for _, v in lines], est.loss_curve_, rtol=1e-6)
    assert est.loss_ == pytest.approx(est.loss_curve_[-1])


@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_at_max_iter(regression_data, solver):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning):
        BackpropRegressor(
            hidden_layer_sizes=(5,), solver=solver, max_iter=2, random_state=0
        ).fit(X, y)


def test_tol_stops_training(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), tol=1.0, n_iter_no_change=2, max_iter=100)
    est = BackpropRegressor(**params).fit(X, y)
    # the first epoch improves on +inf, the next three stall: 3 > n_iter_no_change
    assert est.n_iter_ == 4 == MLPRegressor(**params).fit(X, y).n_iter_


def test_adaptive_learning_rate_shrinks(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver="sgd",
            learning_rate="adaptive",
            tol=1.0,
            n_iter_no_change=1,
            max_iter=20,
            learning_rate_init=0.01,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert est._optimizer_state["rate"] < 0.01


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_never_leaves_nan_weights(regression_data, solver):
    X, y = regression_data
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate_init=1e6,
        momentum=0.9,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.fit(X * 1e3, y * 1e3)
        except ValueError as exc:
            assert "learning_rate_init" in str(exc)
            return
    assert np.isfinite(_theta(est)).all()
    assert np.isfinite(est.predict(X)).all()


def test_divergence_warning_keeps_last_finite_epoch():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(50, 3))
    y = X.sum(axis=1)
    est = BackpropRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0,
        learning_rate_init=0.5,
        max_iter=1,
        random_state=0,
        batch_size=50,
    )
    _quiet(est.fit, X, y)
    est.set_params(learning_rate_init=1e30, warm_start=True, max_iter=20)
    with pytest.warns(DivergenceWarning, match="learning_rate_init"):
        est.fit(X * 1e20, y)
    assert np.isfinite(_theta(est)).all()


# ----------------------------------------------------------------------------
# data types and targets
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_float32_end_to_end(Est, solver, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    X32 = X.astype(np.float32)
    est = _quiet(
        Est(hidden_layer_sizes=(6,), solver=solver, max_iter=5, random_state=0).fit,
        X32,
        y,
    )
    assert _theta(est).dtype == np.float32
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    out = est.predict_proba(X32) if Est is BackpropClassifier else est.predict(X32)
    assert out.dtype == np.float32


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_input_matches_dense(regression_data, fmt, solver):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    dense = _quiet(BackpropRegressor(**params).fit, X, y)
    sparse = _quiet(BackpropRegressor(**params).fit, sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(_theta(dense), _theta(sparse), rtol=1e-9, atol=1e-12)


def test_multioutput_regression_loss_is_consistent(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, 2 * y, -y])
    est = BackpropRegressor(
        hidden_layer_sizes=(8,), solver="lbfgs", alpha=0, max_iter=50, random_state=0
    )
    _quiet(est.fit, X, Y)
    pred = est.predict(X)
    assert pred.shape == Y.shape
    expected = 0.5 * np.mean(np.sum((Y - pred) ** 2, axis=1))
    assert est.loss_ == pytest.approx(expected, rel=1e-6)


def test_multilabel_and_binary_classification():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(10,), solver="lbfgs", random_state=0
        ).fit,
        X,
        Y,
    )
    assert clf.predict(X).shape == Y.shape
    assert clf.out_activation_ == "logistic"
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba > 0) & (proba < 1)).all()

    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(10,), solver="lbfgs", random_state=0
        ).fit,
        X,
        y,
    )
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
    assert clf.score(X, y) > 0.9


def test_multiclass_softmax_and_squared_error_loss(iris):
    X, y = iris
    for loss in ["log_loss", "squared_error"]:
        clf = _quiet(
            BackpropClassifier(
                hidden_layer_sizes=(10,), solver="lbfgs", loss=loss, random_state=0
            ).fit,
            X,
            y,
        )
        assert clf.out_activation_ == "softmax"
        assert clf.score(X, y) > 0.9
        np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1)


@pytest.mark.parametrize("out_activation", ["identity", "logistic", "tanh", "exp"])
def test_regressor_output_activations(out_activation):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(100, 3))
    y = 0.2 + 0.6 * X.mean(axis=1)  # inside every output range
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(8,),
            solver="lbfgs",
            out_activation=out_activation,
            random_state=0,
            max_iter=500,
        ).fit,
        X,
        y,
    )
    assert est.out_activation_ == out_activation
    assert est.score(X, y) > 0.9


def test_poisson_regression():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 2))
    y = rng.poisson(np.exp(1 + X[:, 0]))
    est = _quiet(
        BackpropRegressor(loss="poisson", solver="lbfgs", random_state=0).fit, X, y
    )
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()
    with pytest.raises(ValueError, match="positive output activation"):
        BackpropRegressor(loss="poisson", out_activation="identity").fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        BackpropRegressor(loss="poisson").fit(X, -y - 1)


def test_no_intercept_network_keeps_zero_biases(regression_data):
    X, y = regression_data
    for solver in SOLVERS:
        est = _quiet(
            BackpropRegressor(
                hidden_layer_sizes=(5, 3),
                solver=solver,
                fit_intercept=False,
                max_iter=10,
                random_state=0,
            ).fit,
            X,
            y,
        )
        assert all(np.all(b == 0) for b in est.intercepts_)
        assert [b.shape for b in est.intercepts_] == [(5,), (3,), (1,)]
    # with a zero input the bias-free network outputs exactly zero
    assert np.all(est.predict(np.zeros((2, X.shape[1]))) == 0)


def test_no_hidden_layer_is_a_linear_model():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(), solver="lbfgs", alpha=0, tol=1e-10, random_state=0
        ).fit,
        X,
        y,
    )
    np.testing.assert_allclose(est.coefs_[0].ravel(), [1.0, -2.0, 0.5], atol=1e-5)
    np.testing.assert_allclose(est.intercepts_[0], [0.3], atol=1e-5)


# ----------------------------------------------------------------------------
# sample weights
@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_weights_equal_removing_rows(regression_data, solver):
    X, y = regression_data
    sw = np.ones(len(y))
    sw[::3] = 0
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=8, random_state=0)
    weighted = _quiet(BackpropRegressor(**params).fit, X, y, sample_weight=sw)
    removed = _quiet(BackpropRegressor(**params).fit, X[sw > 0], y[sw > 0])
    np.testing.assert_array_equal(_theta(weighted), _theta(removed))


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_weights_equal_repeated_rows_full_batch(regression_data, solver):
    X, y = regression_data
    X, y = X[:40], y[:40]
    sw = np.random.RandomState(0).randint(1, 4, size=len(y))
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0)
    params["batch_size"] = 1000  # full batch (clipped): shuffling cannot matter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = BackpropRegressor(**params).fit(X, y, sample_weight=sw)
        repeated = BackpropRegressor(**params).fit(
            np.repeat(X, sw, 0), np.repeat(y, sw)
        )
    np.testing.assert_allclose(_theta(weighted), _theta(repeated), rtol=1e-6)


def test_early_stopping_restores_best_weights_and_uses_weights():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(20,),
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=60,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the held-out split is the one sklearn's MLP uses; rescoring the restored
    # weights on it gives the best validation score
    ref = _quiet(
        MLPClassifier(
            hidden_layer_sizes=(20,),
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=60,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert clf.validation_scores_ == pytest.approx(ref.validation_scores_)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), rtol=1e-6)

    sw = np.ones(len(y))
    sw[: len(y) // 2] = 0
    weighted = _quiet(clone(clf).fit, X, y, sample_weight=sw)
    dropped = _quiet(clone(clf).fit, X[len(y) // 2 :], y[len(y) // 2 :])
    assert weighted.validation_scores_ == dropped.validation_scores_


# ----------------------------------------------------------------------------
# estimator plumbing
def test_random_state_gives_bit_identical_fits(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=11)
    a = _quiet(BackpropRegressor(**params).fit, X, y)
    b = _quiet(BackpropRegressor(**params).fit, X, y)
    np.testing.assert_array_equal(_theta(a), _theta(b))


def test_writing_into_coefs_changes_the_model(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit, X, y
    )
    before = est.predict(X)
    est.coefs_[1][...] = 0.0
    est.intercepts_[1][...] = 2.5
    np.testing.assert_allclose(est.predict(X), 2.5)
    # re-binding the attributes to new arrays works too
    est.coefs_ = [np.zeros_like(c) for c in est.coefs_]
    est.intercepts_ = [np.full_like(b, 1.0) for b in est.intercepts_]
    np.testing.assert_allclose(est.predict(X), 1.0)
    assert not np.allclose(before, 1.0)
    est.coefs_ = [np.zeros((2, 2))]
    with pytest.raises(ValueError, match="entries"):
        est.predict(X)


@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_pickle_and_clone_round_trip(Est, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    unfitted = pickle.loads(pickle.dumps(Est(hidden_layer_sizes=(3,))))
    assert unfitted.get_params() == Est(hidden_layer_sizes=(3,)).get_params()
    est = _quiet(Est(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit, X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    # the restored attributes are the model: an edit reaches predict
    restored.coefs_[0][...] = 0
    assert np.ptp(restored.predict(X[:20]), axis=0).max() == 0
    cloned = clone(est)
    assert not hasattr(cloned, "coefs_")
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    # continuing training after unpickling works
    _quiet(restored.partial_fit, X, y)


def test_warm_start_continues_and_checks_architecture(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,), max_iter=3, warm_start=True, random_state=0
        ).fit,
        X,
        y,
    )
    theta = _theta(est)
    _quiet(est.fit, X, y)
    assert not np.array_equal(theta, _theta(est))
    est.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="architecture changed"):
        est.fit(X, y)
    est.set_params(warm_start=False)
    _quiet(est.fit, X, y)
    assert est.coefs_[0].shape == (X.shape[1], 6)


def test_partial_fit_classes_checks(iris):
    X, y = iris
    clf = BackpropClassifier(hidden_layer_sizes=(5,), solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.predict_proba(X).shape == (150, 3)
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        clf.partial_fit(X, y + 5)


def test_grid_search_over_pipeline_with_two_jobs(regression_data):
    X, y = regression_data
    grid = {
        "model__learning_rate_init": [1e-3, 1e-2],
        "model__hidden_layer_sizes": [(4,), (8,)],
    }
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("model", BackpropRegressor(max_iter=30, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
        serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
        # the same grid runs unchanged with sklearn's MLP in place
        GridSearchCV(
            pipe.set_params(model=MLPRegressor(max_iter=30, random_state=0)), grid, cv=3
        ).fit(X, y)
    assert search.best_params_ == serial.best_params_
    assert search.best_score_ == serial.best_score_
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_invalid_hidden_layer_sizes(regression_data):
    X, y = regression_data
    for bad in [(0,), (3, -1), (2.5,)]:
        with pytest.raises(ValueError, match="hidden_layer_sizes"):
            BackpropRegressor(hidden_layer_sizes=bad).fit(X, y)


def test_bad_sample_weight(regression_data):
    X, y = regression_data
    est = BackpropRegressor(max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="entries"):
        est.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        est.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="all zero"):
        est.fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_with_n_init_draws_initial_weights(solver):
    # n_init only applies to fit; the first partial_fit still needs a random start
    X, y = make_regression(60, 4, random_state=0)
    reg = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, n_init=3, random_state=0
    )
    reg.partial_fit(X, y)
    assert all(np.any(W != 0) for W in reg.coefs_)
    single = BackpropRegressor(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    single.partial_fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), single.predict(X))


def test_multilabel_partial_fit_matches_fit():
    X, Y = make_multilabel_classification(60, 5, n_classes=3, random_state=0)
    params = dict(hidden_layer_sizes=(6,), solver="sgd", random_state=0)
    clf = BackpropClassifier(**params).partial_fit(X, Y, classes=[0, 1, 2])
    ref = _quiet(BackpropClassifier(**params, max_iter=1).fit, X, Y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    assert clf.predict(X).shape == Y.shape
    clf.partial_fit(X, Y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2


# ----------------------------------------------------------------------------
# restart 0 of n_init=R is the n_init=1 fit
def _first_restart_wins_init(n_layers):
    """An init that draws scikit-learn's Glorot weights for restart 0 and
    gives the other restarts an all-zero start (a poor one), so that the
    fit keeps restart 0 and its weights can be compared."""
    calls = []

    def init(rng, fan_in, fan_out):
        calls.append(None)
        if len(calls) > n_layers:
            return np.zeros((fan_in, fan_out))
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        return W, rng.uniform(-bound, bound, fan_out)

    return init


@pytest.mark.parametrize(
    "solver, params",
    [
        ("sgd", {"shuffle": True}),
        ("sgd", {"shuffle": False, "learning_rate": "adaptive"}),
        ("sgd", {"early_stopping": True}),
        ("adam", {"shuffle": True}),
        (
            "adam",
            {"early_stopping": True, "batch_size": 100, "learning_rate_init": 0.1},
        ),
        ("lbfgs", {}),
    ],
)
@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_restart_zero_reproduces_the_single_fit(
    Est, solver, params, regression_data, iris
):
    X, y = iris if Est is BackpropClassifier else regression_data
    base = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=40,
        batch_size=16,
        learning_rate_init=0.01,
        n_iter_no_change=4,
        tol=1e-3,
        random_state=11,
    )
    base.update(params)
    single = _quiet(Est(init=_first_restart_wins_init(2), **base).fit, X, y)
    multi = _quiet(Est(init=_first_restart_wins_init(2), n_init=3, **base).fit, X, y)
    assert multi.best_restart_ == 0
    # stacked passes round differently from single ones: close, not equal
    np.testing.assert_allclose(multi.restart_losses_[0], single.loss_, rtol=1e-7)
    assert multi.n_iter_ == single.n_iter_
    np.testing.assert_allclose(multi.loss_curve_, single.loss_curve_, rtol=1e-7)
    for a, b in zip(
        multi.coefs_ + multi.intercepts_, single.coefs_ + single.intercepts_
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    if params.get("early_stopping"):
        np.testing.assert_allclose(
            multi.validation_scores_, single.validation_scores_, rtol=1e-7
        )
        assert multi.best_validation_score_ == pytest.approx(
            single.best_validation_score_
        )
