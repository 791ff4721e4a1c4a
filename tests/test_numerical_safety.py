"""Numerical safety: no numpy RuntimeWarning reaches the user, divergence is
detected (never NaN predictions returned silently), and Ctrl-C during fit
leaves a usable model.

Inside every test ``RuntimeWarning`` is turned into an error (overflow,
invalid value, divide by zero), for every solver.
"""

import contextlib
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

import skbackprop._network
from skbackprop import (
    BackpropClassifier,
    BackpropRegressor,
    DivergenceWarning,
    NonFiniteOutputWarning,
)

ESTIMATORS = [BackpropRegressor, BackpropClassifier]
SOLVERS = ["sgd", "adam", "lbfgs"]
STOCHASTIC = ["sgd", "adam"]

# ValueError raised on divergence must name the learning rate and the scaling
DIVERGENCE_MESSAGE = r"(?is)(?=.*learning.rate)(?=.*scal)"


def _data(Est, n_samples=50, n_classes=2):
    X, y = make_regression(n_samples, 4, noise=1.0, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    if Est is BackpropClassifier:
        y = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y


@contextlib.contextmanager
def strict_numerics(errstate=None):
    """RuntimeWarning becomes an error; convergence warnings are recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        if errstate is None:
            yield caught
        else:
            with np.errstate(all=errstate):
                yield caught


def _outputs(est, X):
    """Everything a user can ask of a fitted model, as float arrays."""
    outs = [np.asarray(est.predict(X), dtype=float)]
    if isinstance(est, BackpropClassifier):
        outs.append(est.predict_proba(X))
    else:
        outs.append(est.predict(X, return_std=True)[1])
    return outs


def _check_usable(est, X, y=None):
    """Fitted weights and outputs are finite; so is the training loss."""
    for W in est.coefs_ + est.intercepts_:
        assert np.all(np.isfinite(W)), "non-finite weights kept"
    for out in _outputs(est, X):
        assert np.all(np.isfinite(out)), "non-finite predictions returned"
    if isinstance(est, BackpropClassifier):
        proba = est.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    elif y is not None:
        with np.errstate(all="ignore"):
            loss = np.mean((est.predict(X) - y) ** 2)
        assert np.isfinite(loss), "the kept weights have a non-finite loss"


# ----------------------------------------------------------------------------
# no RuntimeWarning, whatever the input
def _case(name, Est):
    """(fit X, fit y, predict X, extra params) for a named extreme case."""
    X, y = _data(Est)
    if name == "inputs 1e150":
        return X * 1e150, y, X * 1e150, {}
    if name == "learning rate 1e6":
        return X, y, X, {"learning_rate_init": 1e6}
    if name == "inputs 1e150, learning rate 1e6":
        return X * 1e150, y, X * 1e150, {"learning_rate_init": 1e6}
    if name == "predict on inputs 1e150":
        return X, y, X * 1e150, {}
    if name == "tiny inputs 1e-300":
        return X * 1e-300, y, X * 1e-300, {}
    if name == "saturated sigmoids":
        # logistic units pushed far into saturation, in training and after
        return X * 1e4, y, X * 1e8, {"activation": "logistic"}
    if name == "log of zero":
        # separable data, a large step: probabilities hit exactly 0 and 1
        params = {"activation": "logistic", "learning_rate_init": 10.0}
        return X * 1e3, y, X * 1e6, params
    raise ValueError(name)


EXTREME_CASES = [
    "inputs 1e150",
    "learning rate 1e6",
    "inputs 1e150, learning rate 1e6",
    "predict on inputs 1e150",
    "tiny inputs 1e-300",
    "saturated sigmoids",
    "log of zero",
]


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", EXTREME_CASES)
@pytest.mark.parametrize("errstate", [None, "raise"], ids=["default", "seterr-raise"])
def test_no_runtime_warning_on_extreme_inputs(Est, solver, case, errstate):
    # "seterr-raise": a user who runs with np.seterr(all="raise") must not
    # see a FloatingPointError either.
    X, y, X_pred, params = _case(case, Est)
    est = Est(hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=0)
    est.set_params(**params)
    with strict_numerics(errstate):
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert str(exc)
            return
        outs = _outputs(est, X_pred)
        if isinstance(est, BackpropClassifier):
            log_proba = est.predict_log_proba(X_pred)
            assert not np.any(np.isnan(log_proba))
            est.score(X_pred, y)
    for out in outs:
        assert np.all(np.isfinite(out)), "non-finite predictions returned"


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_runtime_warning_with_huge_logits(solver, n_classes):
    X, y = _data(BackpropClassifier, n_classes=n_classes)
    clf = BackpropClassifier(
        hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=0
    )
    with strict_numerics():
        try:
            clf.fit(X * 1e150, y)
        except ValueError:
            return
        proba = clf.predict_proba(X * 1e150)
        log_proba = clf.predict_log_proba(X * 1e150)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert not np.any(np.isnan(log_proba))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "out_activation, loss",
    [("exp", "poisson"), ("logistic", "squared_error"), ("tanh", "squared_error")],
)
def test_no_runtime_warning_with_saturating_outputs(solver, out_activation, loss):
    X, y = _data(BackpropRegressor)
    y = np.abs(y) * 1e150 if loss == "poisson" else y
    reg = BackpropRegressor(
        loss=loss,
        out_activation=out_activation,
        hidden_layer_sizes=(8,),
        solver=solver,
        max_iter=20,
        random_state=0,
    )
    with strict_numerics():
        try:
            reg.fit(X * 1e5, y)
        except ValueError:
            return
        pred = reg.predict(X * 1e10)
    assert np.all(np.isfinite(pred))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("errstate", [None, "raise"], ids=["default", "seterr-raise"])
def test_float32_model_predicting_float64_values_too_large_for_float32(
    Est, solver, errstate
):
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(8,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(np.float32), y)
    with strict_numerics(errstate):
        try:
            outs = _outputs(est, X * 1e150)
        except ValueError as exc:
            assert "float32" in str(exc) or "too large" in str(exc)
            return
    for out in outs:
        assert np.all(np.isfinite(out)), "non-finite predictions returned"


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("errstate", [None, "raise"], ids=["default", "seterr-raise"])
def test_float32_inputs_with_float64_targets_too_large_for_float32(solver, errstate):
    X, y = _data(BackpropRegressor)
    reg = BackpropRegressor(
        hidden_layer_sizes=(8,), solver=solver, max_iter=5, random_state=0
    )
    with strict_numerics(errstate):
        with pytest.raises(ValueError, match="(?i)float32|too large|scal"):
            reg.fit(X.astype(np.float32), y * 1e150)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("errstate", [None, "raise"], ids=["default", "seterr-raise"])
def test_float32_model_with_sample_weights_beyond_float32(Est, errstate):
    # only the ratios of the weights matter: 1e300 (beyond float32) is 1
    X, y = _data(Est)
    X = X.astype(np.float32)
    est = Est(hidden_layer_sizes=(8,), max_iter=5, alpha=0.0, random_state=0)
    with strict_numerics(errstate):
        big = est.fit(X, y, sample_weight=np.full(len(y), 1e300))
        outputs = _outputs(big, X)
        ones = clone(est).fit(X, y, sample_weight=np.ones(len(y)))
    for a, b in zip(outputs, _outputs(ones, X)):
        # float32 arithmetic on weights 0.75 instead of 0.5: rounding only
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------
# weights of any magnitude
SCALES = [1e-310, 1e-300, 1e-20, 3.0, 1e20, 1e300, 1e306]


def _weighted_fit(solver, sample_weight, alpha, Model=BackpropRegressor):
    """A fit with these weights; ours under strict numerics."""
    if Model is not BackpropRegressor:
        return _plain_weighted_fit(solver, sample_weight, alpha, Model)
    with strict_numerics():
        return _plain_weighted_fit(solver, sample_weight, alpha, Model)


def _plain_weighted_fit(solver, sample_weight, alpha, Model):
    X, y = _data(BackpropRegressor, n_samples=60)
    est = Model(
        hidden_layer_sizes=(6,),
        solver=solver,
        alpha=alpha,
        learning_rate_init=0.01,
        max_iter=300 if solver == "lbfgs" else 30,
        tol=1e-10,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sample_weight)
    return est, X


@pytest.mark.parametrize("solver", SOLVERS)
def test_scaled_sample_weights_give_the_same_model_without_penalty(solver):
    w = np.random.RandomState(1).uniform(0.2, 3.0, 60)
    reference, X = _weighted_fit(solver, w, alpha=0.0)
    for c in SCALES:
        est, _ = _weighted_fit(solver, c * w, alpha=0.0)
        np.testing.assert_allclose(
            est.predict(X), reference.predict(X), rtol=1e-6, atol=1e-6, err_msg=str(c)
        )


def _sklearn_weighted_fit(solver, sample_weight, alpha):
    """scikit-learn's fit, or None where it fails: an error, a numpy overflow
    warning (its sums of weights overflow) or a NaN loss."""
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est, X = _weighted_fit(solver, sample_weight, alpha, MLPRegressor)
        except ValueError:
            return None
    if any(issubclass(w.category, RuntimeWarning) for w in caught):
        return None
    return est if np.isfinite(est.loss_) else None


@pytest.mark.parametrize("solver", SOLVERS)
def test_scaled_sample_weights_with_penalty_agree_with_sklearn(solver):
    w = np.random.RandomState(1).uniform(0.2, 3.0, 60)
    compared = 0
    for c in SCALES:
        theirs = _sklearn_weighted_fit(solver, c * w, alpha=1e-3)
        try:
            ours, X = _weighted_fit(solver, c * w, alpha=1e-3)
        except ValueError as exc:
            # the same objective cannot be minimised: the weights are named
            assert theirs is None, c
            assert "sample_weight" in str(exc) and "learning" not in str(exc)
            continue
        if theirs is not None and not (solver == "lbfgs" and c > 1e305):
            np.testing.assert_allclose(
                ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-6, err_msg=str(c)
            )
            compared += 1
    assert compared >= 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_tiny_sample_weights_with_penalty_blame_the_weights(solver):
    # alpha / sum(w) is astronomically large: the model is all penalty, or the
    # fit fails with an error about the weights, never the learning rate
    w = np.full(60, 1e-310)
    try:
        est, X = _weighted_fit(solver, w, alpha=1e-4)
    except ValueError as exc:
        message = str(exc)
        assert "sample_weight" in message and "learning" not in message, message
    else:
        assert np.isfinite(est.predict(X)).all()


# ----------------------------------------------------------------------------
# divergence
DIVERGENT = {
    "learning rate 1e6": (1.0, {"learning_rate_init": 1e6}),
    "learning rate 1e6, full batch": (
        1.0,
        {"learning_rate_init": 1e6, "batch_size": 50},
    ),
    "inputs 1e150": (1e150, {}),
    "inputs 1e150, full batch": (1e150, {"batch_size": 50}),
    "inputs 1e100, learning rate 10": (1e100, {"learning_rate_init": 10.0}),
}


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(DIVERGENT))
@pytest.mark.parametrize("n_init", [1, 3])
def test_divergence_never_returns_non_finite_predictions(Est, solver, case, n_init):
    scale, params = DIVERGENT[case]
    X, y = _data(Est)
    X = X * scale
    est = Est(
        hidden_layer_sizes=(8,),
        solver=solver,
        max_iter=30,
        random_state=0,
        n_init=n_init,
        **params,
    )
    with strict_numerics() as caught:
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert re.search(DIVERGENCE_MESSAGE, str(exc)), str(exc)
            assert est.solver in str(exc)
            return
        _check_usable(est, X, y)
    if any(issubclass(w.category, DivergenceWarning) for w in caught):
        # the model kept the weights of the last epoch that ended finite
        assert est.n_iter_ == len(est.loss_curve_)
        assert np.all(np.isfinite(est.loss_curve_))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("n_init", [1, 3])
@pytest.mark.parametrize("batch_size", [10, 50])
def test_sgd_divergence_is_reported(Est, n_init, batch_size):
    # plain SGD with a step of 1e6 blows up within a few epochs: the user
    # must be told, by a DivergenceWarning or a ValueError
    X, y = _data(Est)
    if Est is BackpropClassifier:
        X = X * 1e150
    est = Est(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=1e6,
        batch_size=batch_size,
        max_iter=30,
        random_state=0,
        n_init=n_init,
    )
    with strict_numerics() as caught:
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert re.search(DIVERGENCE_MESSAGE, str(exc)), str(exc)
            return
    messages = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert messages, "divergence was not reported"
    assert re.search(DIVERGENCE_MESSAGE, str(messages[0].message))
    _check_usable(est, X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_sgd_divergence_keeps_weights_with_a_finite_loss(Est):
    # full-batch SGD: the loss of epoch k is evaluated at the weights left by
    # epoch k - 1, so the weights kept after a non-finite loss must be those
    # of an epoch whose own loss was finite
    X, y = _data(Est)
    if Est is BackpropClassifier:
        X = X * 1e150
    est = Est(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=1e6,
        batch_size=len(y),
        momentum=0.0,
        shuffle=False,
        max_iter=50,
        random_state=0,
    )
    with strict_numerics() as caught:
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert re.search(DIVERGENCE_MESSAGE, str(exc)), str(exc)
            return
    assert any(issubclass(w.category, DivergenceWarning) for w in caught)
    _check_usable(est, X, y)
    if Est is BackpropRegressor:
        with np.errstate(all="ignore"):
            residual = est.predict(X) - y
            loss = 0.5 * np.mean(residual**2) + 0.5 * est.alpha * sum(
                np.sum(W**2) for W in est.coefs_
            ) / len(y)
        assert np.isfinite(loss)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("n_init", [1, 2])
def test_lbfgs_on_badly_scaled_inputs_is_not_silent(Est, n_init):
    # L-BFGS cannot make progress on inputs of magnitude 1e150: it must raise
    # a ValueError naming the scaling, or at least warn, never return an
    # untrained model silently
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0, n_init=n_init)
    with strict_numerics() as caught:
        try:
            est.fit(X * 1e150, y)
        except ValueError as exc:
            assert re.search(DIVERGENCE_MESSAGE, str(exc)), str(exc)
            return
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught), (
        f"lbfgs stopped after {est.n_iter_} iterations without any warning"
    )
    _check_usable(est, X * 1e150, y)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_divergence_in_partial_fit(solver):
    X, y = _data(BackpropRegressor)
    reg = BackpropRegressor(
        hidden_layer_sizes=(8,), solver=solver, learning_rate_init=1e6, random_state=0
    )
    with strict_numerics():
        for _ in range(30):
            try:
                reg.partial_fit(X, y)
            except ValueError as exc:
                assert re.search(DIVERGENCE_MESSAGE, str(exc)), str(exc)
                break
        if hasattr(reg, "coefs_"):
            _check_usable(reg, X, y)


# ----------------------------------------------------------------------------
# Ctrl-C during fit
class _Interrupter:
    """Wraps ``Workspace.loss_grad``: raises KeyboardInterrupt on call ``at``
    (1-based) and records the parameters seen by every call."""

    def __init__(self, monkeypatch, at):
        self.at = at
        self.calls = 0
        self.calls_after = 0
        self.thetas = []
        original = skbackprop._network.Workspace.loss_grad
        interrupter = self

        def loss_grad(ws, *args, **kwargs):
            interrupter.calls += 1
            interrupter.thetas.append(ws.network.theta.copy())
            if interrupter.calls == interrupter.at:
                raise KeyboardInterrupt
            if interrupter.calls > interrupter.at:
                interrupter.calls_after += 1
            return original(ws, *args, **kwargs)

        monkeypatch.setattr(skbackprop._network.Workspace, "loss_grad", loss_grad)


def _interrupted_fit(est, X, y, monkeypatch, at):
    interrupter = _Interrupter(monkeypatch, at)
    with strict_numerics() as caught:
        returned = est.fit(X, y)
    monkeypatch.undo()
    assert returned is est
    interrupts = [
        w
        for w in caught
        if issubclass(w.category, UserWarning)
        and not issubclass(w.category, ConvergenceWarning)
        and "interrupt" in str(w.message).lower()
    ]
    assert len(interrupts) == 1, [str(w.message) for w in caught]
    return interrupter


def _same_weights(a, b):
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(Wa, Wb)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize(
    "batch_size, at, completed",
    [
        (10, 13, 2),  # 5 minibatches per epoch: stopped in the 3rd batch of epoch 3
        (10, 16, 3),  # at the first batch of epoch 4
        (50, 4, 3),  # full batch: one call per epoch
        (50, 2, 1),
    ],
)
def test_keyboard_interrupt_keeps_the_last_completed_epoch(
    Est, solver, batch_size, at, completed, monkeypatch
):
    X, y = _data(Est)
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        batch_size=batch_size,
        random_state=0,
        learning_rate_init=0.01,
    )
    est = Est(max_iter=50, **params)
    _interrupted_fit(est, X, y, monkeypatch, at)
    assert est.n_iter_ == completed
    assert len(est.loss_curve_) == completed
    _check_usable(est, X)
    # exactly the model trained for `completed` epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = Est(max_iter=completed, **params).fit(X, y)
    _same_weights(est, reference)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))
    assert est.loss_curve_ == reference.loss_curve_
    # and it can be trained further
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y)
    _check_usable(est, X)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("at", [1, 3])
def test_keyboard_interrupt_during_the_first_epoch(Est, solver, at, monkeypatch):
    # no epoch completed: the model keeps its initial weights, n_iter_ == 0
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(6,), solver=solver, batch_size=10, random_state=0)
    interrupter = _interrupted_fit(est, X, y, monkeypatch, at)
    assert est.n_iter_ == 0
    assert est.loss_curve_ == []
    theta = np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])
    np.testing.assert_array_equal(theta, interrupter.thetas[0])
    _check_usable(est, X)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("at, completed", [(1, 0), (13, 2)])
def test_keyboard_interrupt_with_stacked_restarts(
    Est, solver, at, completed, monkeypatch
):
    X, y = _data(Est)
    est = Est(
        hidden_layer_sizes=(6,), solver=solver, batch_size=10, random_state=0, n_init=2
    )
    _interrupted_fit(est, X, y, monkeypatch, at)
    assert est.n_iter_ == completed
    assert len(est.loss_curve_) == completed
    _check_usable(est, X)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("at", [1, 2, 12])
def test_keyboard_interrupt_lbfgs(Est, at, monkeypatch):
    X, y = _data(Est)
    params = dict(hidden_layer_sizes=(6,), solver="lbfgs", random_state=0)
    est = Est(max_iter=200, **params)
    _interrupted_fit(est, X, y, monkeypatch, at)
    _check_usable(est, X)
    assert est.n_iter_ == len(est.loss_curve_)
    if est.n_iter_:
        # the iterate of the last completed L-BFGS iteration
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reference = Est(max_iter=est.n_iter_, **params).fit(X, y)
        _same_weights(est, reference)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_keyboard_interrupt_lbfgs_restarts_stops_training(Est, monkeypatch):
    # Ctrl-C ends training: the remaining restarts are not run
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(6,), solver="lbfgs", random_state=0, n_init=3)
    interrupter = _interrupted_fit(est, X, y, monkeypatch, 8)
    assert interrupter.calls_after == 0, (
        f"{interrupter.calls_after} more loss evaluations after Ctrl-C"
    )
    _check_usable(est, X)


# ----------------------------------------------------------------------------
# never a silent NaN, never a misleading message
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_warns_when_the_output_overflows(Est):
    X, y = _data(Est, n_classes=3)  # softmax: inf - inf is NaN
    est = Est(hidden_layer_sizes=(), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    est.coefs_[0][...] = 10.0  # the first row's outputs overflow to inf
    extreme = np.array([[1e308, 1e308, 1e308, 1e308], [0.1, 0.2, 0.3, 0.4]])
    methods = [est.predict]
    if Est is BackpropClassifier:
        methods += [est.predict_proba, est.predict_log_proba]
    for method in methods:
        with strict_numerics() as caught:
            method(extreme)
        ours = [w for w in caught if issubclass(w.category, NonFiniteOutputWarning)]
        assert len(ours) == 1, [str(w.message) for w in caught]
        assert "1 of 2 rows" in str(ours[0].message)
        assert "outside the range of the training data" in str(ours[0].message)
    with strict_numerics() as caught:
        est.predict(X)
    assert not caught


def test_a_diverging_fit_records_nan_validation_scores():
    X, y = _data(BackpropRegressor, n_samples=200)
    est = BackpropRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=1e200,  # one step makes the outputs non-finite
        momentum=0.0,
        batch_size=200,
        early_stopping=True,
        max_iter=50,
        random_state=0,
    )
    with strict_numerics() as caught:
        est.fit(X, y)
    assert any(issubclass(w.category, DivergenceWarning) for w in caught)
    scores = np.asarray(est.validation_scores_)
    assert np.isnan(scores).any()
    assert not np.isneginf(scores).any()


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_keyboard_interrupt_with_early_stopping_names_the_kept_weights(
    Est, monkeypatch
):
    X, y = _data(Est, n_samples=100)
    est = Est(
        hidden_layer_sizes=(6,), batch_size=10, early_stopping=True, random_state=0
    )
    interrupter = _Interrupter(monkeypatch, at=40)
    with strict_numerics() as caught:
        est.fit(X, y)
    monkeypatch.undo()
    assert interrupter.calls == 40
    messages = [str(w.message) for w in caught if "interrupt" in str(w.message)]
    assert messages == [
        "Training interrupted by user; keeping the weights of the best "
        "validation score so far."
    ]
    assert est.best_validation_score_ == max(est.validation_scores_)
