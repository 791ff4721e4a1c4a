"""Tests of skbackprop.plotting.LossCurveDisplay."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop.pipeline import make_scaled_pipeline
from skbackprop.plotting import LossCurveDisplay

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_importing_does_not_import_matplotlib():
    code = (
        "import sys; import skbackprop, skbackprop.plotting, skbackprop.pipeline; "
        "import skbackprop._compare; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skbackprop\[plot\]"):
        LossCurveDisplay([3.0, 2.0, 1.0]).plot()


@pytest.fixture
def plt():
    """matplotlib.pyplot on the Agg backend; skips the test without matplotlib."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
    return X, y


def _fit(est, data):
    return est.fit(*data)


def test_plot_stored_curves(plt):
    loss = [4.0, 2.0, 1.0, 0.5]
    val = [5.0, 3.0, 2.5, 2.4]
    display = LossCurveDisplay(loss, validation_loss_curve=val, estimator_name="net")
    assert display.loss_curve is loss and display.validation_loss_curve is val
    assert display.plot() is display

    assert len(display.lines_) == 2
    train, valid = display.lines_
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(train.get_ydata(), loss)
    np.testing.assert_array_equal(valid.get_ydata(), val)
    assert train.get_label() == "net (training)"
    assert valid.get_label() == "net (validation)"
    assert valid.get_linestyle() == "--"
    assert valid.get_color() == train.get_color()
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylabel() == "Loss"
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_legend() is not None


def test_plot_options(plt):
    fig, ax = plt.subplots()
    display = LossCurveDisplay([3.0, 2.0, 1.0]).plot(
        ax=ax, log_scale=True, name="mine", color="red", linewidth=3
    )
    assert display.ax_ is ax and display.figure_ is fig
    (line,) = display.lines_
    assert line.get_label() == "mine"  # a single curve: no "(training)"
    assert line.get_color() == "red" and line.get_linewidth() == 3
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "Loss (log scale)"

    unnamed = LossCurveDisplay([1.0, 0.5], validation_loss_curve=[2.0, 1.0]).plot()
    assert [line.get_label() for line in unnamed.lines_] == [
        "Training loss",
        "Validation loss",
    ]
    # name overrides estimator_name
    named = LossCurveDisplay([1.0], estimator_name="a").plot(name="b")
    assert named.lines_[0].get_label() == "b"


@pytest.mark.parametrize("curve", [[], [[1.0, 2.0]], 3.0])
def test_invalid_curves(curve):
    with pytest.raises(ValueError, match="1-D"):
        LossCurveDisplay(curve).plot()


def test_from_estimator_with_early_stopping(regression_data, plt):
    reg = _fit(
        BackpropRegressor(
            hidden_layer_sizes=(8,),
            learning_rate_init=0.01,
            max_iter=60,
            early_stopping=True,
            n_iter_no_change=100,
            random_state=0,
        ),
        regression_data,
    )
    display = LossCurveDisplay.from_estimator(reg)
    assert display.estimator_name == "BackpropRegressor"
    assert len(display.lines_) == 2
    train, valid = display.lines_
    np.testing.assert_allclose(train.get_ydata(), reg.loss_curve_)
    np.testing.assert_allclose(valid.get_ydata(), reg.validation_loss_curve_)
    assert train.get_label() == "BackpropRegressor (training)"


@pytest.mark.parametrize(
    "est",
    [
        BackpropRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
        MLPRegressor(
            hidden_layer_sizes=(8,), max_iter=30, early_stopping=True, random_state=0
        ),
    ],
    ids=["BackpropRegressor", "MLPRegressor", "MLPRegressor-early-stopping"],
)
def test_from_estimator_training_curve_only(est, regression_data, plt):
    # scikit-learn's MLP has loss_curve_ but never validation_loss_curve_
    _fit(est, regression_data)
    display = LossCurveDisplay.from_estimator(est, name="model")
    assert display.validation_loss_curve is None
    (line,) = display.lines_
    np.testing.assert_allclose(line.get_ydata(), est.loss_curve_)
    assert line.get_label() == "model"


def test_from_estimator_classifiers(plt):
    X, y = load_iris(return_X_y=True)
    fig, ax = plt.subplots()
    for cls in (BackpropClassifier, MLPClassifier):
        clf = cls(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, y)
        LossCurveDisplay.from_estimator(clf, ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == [
        "BackpropClassifier",
        "MLPClassifier",
    ]


def test_from_estimator_meta_estimators(regression_data, plt):
    X, y = regression_data
    model = BackpropRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0)

    pipe = make_scaled_pipeline(model).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    assert display.estimator_name == "BackpropRegressor"
    np.testing.assert_allclose(display.lines_[0].get_ydata(), pipe[-1].loss_curve_)

    # TransformedTargetRegressor fits a clone: its regressor_ is plotted
    ttr = make_scaled_pipeline(
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
        scale_target=True,
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(ttr)
    assert display.estimator_name == "MLPRegressor"
    fitted = ttr.regressor_.named_steps["model"]
    np.testing.assert_allclose(display.lines_[0].get_ydata(), fitted.loss_curve_)

    search = GridSearchCV(pipe, {"model__alpha": [1e-4, 1e-2]}, cv=2).fit(X, y)
    display = LossCurveDisplay.from_estimator(search)
    best = search.best_estimator_[-1]
    np.testing.assert_allclose(display.lines_[0].get_ydata(), best.loss_curve_)


def test_from_estimator_lbfgs_mlp_has_no_curve(regression_data):
    est = _fit(
        MLPRegressor(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20, random_state=0
        ),
        regression_data,
    )
    with pytest.raises(ValueError, match="lbfgs"):
        LossCurveDisplay.from_estimator(est)
    pipe = make_scaled_pipeline(
        MLPRegressor(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20, random_state=0
        )
    ).fit(*regression_data)
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(pipe)


@pytest.mark.parametrize(
    "est",
    [
        BackpropRegressor(),
        MLPRegressor(),
        make_scaled_pipeline(BackpropRegressor()),
        make_scaled_pipeline(BackpropRegressor(), scale_target=True),
        GridSearchCV(BackpropRegressor(), {"alpha": [1e-4]}),
    ],
    ids=["BackpropRegressor", "MLPRegressor", "Pipeline", "TTR", "GridSearchCV"],
)
def test_from_estimator_unfitted(est):
    with pytest.raises(NotFittedError, match="not fitted") as exc:
        LossCurveDisplay.from_estimator(est)
    assert isinstance(exc.value, ValueError)


def test_from_estimator_not_an_estimator():
    with pytest.raises(ValueError, match="not an estimator"):
        LossCurveDisplay.from_estimator("passthrough")


def test_top_level_exports():
    import skbackprop
    import skbackprop.pipeline

    assert skbackprop.LossCurveDisplay is LossCurveDisplay
    assert skbackprop.make_scaled_pipeline is skbackprop.pipeline.make_scaled_pipeline
    assert {"LossCurveDisplay", "make_scaled_pipeline"} <= set(skbackprop.__all__)


def test_from_estimator_then_plot_on_other_axes(regression_data, plt):
    reg = _fit(
        BackpropRegressor(
            hidden_layer_sizes=(8,),
            max_iter=20,
            early_stopping=True,
            n_iter_no_change=100,
            random_state=0,
        ),
        regression_data,
    )
    display = LossCurveDisplay.from_estimator(reg, log_scale=True)
    first_ax = display.ax_
    assert first_ax.get_yscale() == "log"
    fig, ax = plt.subplots()
    assert display.plot(ax=ax) is display  # redraw the stored curves elsewhere
    assert display.ax_ is ax and display.figure_ is fig
    assert ax.get_yscale() == "linear"
    assert len(ax.get_lines()) == 2  # training and validation
    np.testing.assert_allclose(
        ax.get_lines()[1].get_ydata(), reg.validation_loss_curve_
    )
