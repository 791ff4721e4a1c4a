"""Tests of skbackprop.pipeline.make_scaled_pipeline."""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_iris, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop.pipeline import make_scaled_pipeline

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _bounded_target_data(n_samples=300, seed=0):
    """Smooth targets in [50, 100], like the seed lecture's percentages."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n_samples, 3))
    y = 50 + 50 * (0.5 + 0.5 * np.sin(X[:, 0]) * np.cos(0.5 * X[:, 1]))
    return X, y


# ---------------------------------------------------------------- structure


def test_structure_without_target_scaling():
    est = BackpropRegressor()
    pipe = make_scaled_pipeline(est, feature_range=(-1, 1))

    assert isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["scale", "model"]
    assert isinstance(pipe.named_steps["scale"], MinMaxScaler)
    assert pipe.named_steps["scale"].feature_range == (-1, 1)
    # like make_pipeline, the estimator is used as is
    assert pipe.named_steps["model"] is est
    # the defaults
    assert make_scaled_pipeline(Ridge())["scale"].feature_range == (0, 1)


def test_structure_with_target_scaling():
    est = BackpropRegressor(out_activation="logistic")
    reg = make_scaled_pipeline(
        est, feature_range=(-1, 1), scale_target=True, target_range=(0.1, 0.9)
    )

    assert isinstance(reg, TransformedTargetRegressor)
    assert isinstance(reg.transformer, MinMaxScaler)
    assert reg.transformer.feature_range == (0.1, 0.9)
    pipe = reg.regressor
    assert [name for name, _ in pipe.steps] == ["scale", "model"]
    assert pipe.named_steps["scale"].feature_range == (-1, 1)
    assert pipe.named_steps["model"] is est
    params = reg.get_params()
    assert params["regressor__model__out_activation"] == "logistic"
    assert params["transformer__feature_range"] == (0.1, 0.9)
    # clonable like any estimator
    assert clone(reg).get_params()["regressor__scale__feature_range"] == (-1, 1)


@pytest.mark.parametrize(
    "classifier", [BackpropClassifier(), MLPClassifier(), LogisticRegression()]
)
def test_scale_target_rejects_classifiers(classifier):
    with pytest.raises(ValueError, match="only applies to regressors"):
        make_scaled_pipeline(classifier, scale_target=True)


@pytest.mark.parametrize("cls", [BackpropClassifier, MLPClassifier])
def test_classifier_pipeline_fits(cls):
    X, y = load_iris(return_X_y=True)
    pipe = make_scaled_pipeline(
        cls(
            hidden_layer_sizes=(8,),
            learning_rate_init=0.05,
            max_iter=200,
            random_state=0,
        )
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert set(pipe.predict(X)) <= {0, 1, 2}
    # the scaler saw the raw features, the model the scaled ones
    assert pipe["scale"].data_max_.tolist() == X.max(axis=0).tolist()


def test_target_scaling_for_a_logistic_output_layer():
    X, y = _bounded_target_data()
    assert 50 <= y.min() and y.max() <= 100
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    def model():
        return BackpropRegressor(
            hidden_layer_sizes=(16,),
            activation="tanh",
            out_activation="logistic",
            solver="lbfgs",
            max_iter=1000,
            random_state=0,
        )

    reg = make_scaled_pipeline(model(), scale_target=True).fit(X_train, y_train)
    pred = reg.predict(X_test)

    # predictions come back in the original units ...
    assert pred.shape == y_test.shape
    assert 45 < pred.min() and pred.max() < 105
    assert abs(pred.mean() - y_test.mean()) < 2
    assert r2_score(y_test, pred) > 0.95
    # ... while the network itself was trained on targets in [0, 1]
    inner = reg.regressor_.named_steps["model"]
    scaled = inner.predict(reg.regressor_["scale"].transform(X_test))
    assert 0 < scaled.min() and scaled.max() < 1

    # without target scaling the logistic output cannot leave (0, 1)
    unscaled = make_scaled_pipeline(model()).fit(X_train, y_train)
    assert unscaled.predict(X_test).max() < 1
    assert unscaled.score(X_test, y_test) < -10


# ------------------------------------------------------------- grid search

GRID = {
    "model__learning_rate_init": [1e-3, 1e-2],
    "model__hidden_layer_sizes": [(4,), (8,)],
}


def _grid_data():
    X, y = make_regression(n_samples=80, n_features=4, noise=5.0, random_state=0)
    return X, y


@pytest.mark.parametrize("cls", [BackpropRegressor, MLPRegressor])
def test_same_grid_runs_for_both_regressors(cls):
    X, y = _grid_data()
    pipe = make_scaled_pipeline(cls(max_iter=30, random_state=0))
    search = GridSearchCV(pipe, GRID, cv=2).fit(X, y)

    assert set(search.best_params_) == set(GRID)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.named_steps["model"].n_iter_ <= 30


@pytest.mark.parametrize("cls", [BackpropRegressor, MLPRegressor])
def test_same_grid_runs_with_target_scaling(cls):
    X, y = _grid_data()
    reg = make_scaled_pipeline(cls(max_iter=30, random_state=0), scale_target=True)
    grid = {f"regressor__{key}": values for key, values in GRID.items()}
    search = GridSearchCV(reg, grid, cv=2).fit(X, y)

    assert set(search.best_params_) == set(grid)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    assert (
        best.regressor_.named_steps["model"].learning_rate_init
        == (search.best_params_["regressor__model__learning_rate_init"])
    )


# --------------------------------------------------------- metadata routing


def _weighted_data():
    X, y = make_regression(n_samples=120, n_features=4, noise=1.0, random_state=0)
    sw = np.ones(len(y))
    sw[::2] = 0.0  # zero weights are exactly equivalent to removing the rows
    return X, y, sw


def _routed_model():
    model = BackpropRegressor(
        hidden_layer_sizes=(5,), learning_rate_init=0.01, max_iter=30, random_state=0
    )
    # score too: GridSearchCV passes sample_weight to the scorer as well
    return model.set_fit_request(sample_weight=True).set_score_request(
        sample_weight=True
    )


def _assert_same_weights(a, b):
    assert len(a.coefs_) == len(b.coefs_)
    for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(left, right)


def _assert_different_weights(a, b):
    assert any(
        not np.array_equal(left, right)
        for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    )


def test_sample_weight_reaches_the_estimator_through_grid_search():
    X, y, sw = _weighted_data()
    keep = sw > 0
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(_routed_model(), {"alpha": [1e-4]}, cv=3)
        search.fit(X, y, sample_weight=sw)
        direct = clone(_routed_model()).fit(X[keep], y[keep])
        unweighted = clone(_routed_model()).fit(X, y)

    # the refitted best model saw the weights: it equals a fit without the rows
    _assert_same_weights(search.best_estimator_, direct)
    _assert_different_weights(search.best_estimator_, unweighted)


def test_sample_weight_reaches_the_estimator_through_a_pipeline():
    X, y, sw = _weighted_data()
    keep = sw > 0
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_scaled_pipeline(_routed_model())
        grid = {"model__alpha": [1e-4]}
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y, sample_weight=sw)
        # the scaler ignores sample_weight and is fit on every row
        X_scaled = MinMaxScaler().fit(X).transform(X)
        direct = clone(_routed_model()).fit(X_scaled[keep], y[keep])
        unweighted = clone(_routed_model()).fit(X_scaled, y)

    model = search.best_estimator_.named_steps["model"]
    _assert_same_weights(model, direct)
    _assert_different_weights(model, unweighted)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_sample_weight_reaches_the_estimator_through_target_scaling():
    X, y, sw = _weighted_data()
    keep = sw > 0
    with sklearn.config_context(enable_metadata_routing=True):
        reg = make_scaled_pipeline(_routed_model(), scale_target=True)
        grid = {"regressor__model__alpha": [1e-4]}
        search = GridSearchCV(reg, grid, cv=3).fit(X, y, sample_weight=sw)
        X_scaled = MinMaxScaler().fit(X).transform(X)
        y_scaled = MinMaxScaler().fit_transform(y.reshape(-1, 1)).ravel()
        direct = clone(_routed_model()).fit(X_scaled[keep], y_scaled[keep])

    model = search.best_estimator_.regressor_.named_steps["model"]
    _assert_same_weights(model, direct)


def test_pipeline_without_routing_takes_step_prefixed_sample_weight():
    # without metadata routing, a Pipeline takes ``model__sample_weight``
    X, y, sw = _weighted_data()
    keep = sw > 0
    model = BackpropRegressor(
        hidden_layer_sizes=(5,), learning_rate_init=0.01, max_iter=30, random_state=0
    )
    pipe = make_scaled_pipeline(clone(model)).fit(X, y, model__sample_weight=sw)
    X_scaled = pipe["scale"].transform(X)
    _assert_same_weights(pipe["model"], clone(model).fit(X_scaled[keep], y[keep]))


# ---------------------------------------------------------- API reference


def _documented_names(api_rst):
    """``module.name`` of every autosummary entry of ``docs/api.rst``."""
    documented, module, in_summary = set(), None, False
    for line in api_rst.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith(".. currentmodule::"):
            module = stripped.split("::")[1].strip()
        elif stripped.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and line and not line[0].isspace():
            in_summary = False
        elif in_summary and stripped and not stripped.startswith(":"):
            documented.add(f"{module}.{stripped}")
    return documented


def test_api_reference_lists_every_public_name():
    """docs/api.rst documents every name of the public modules' ``__all__``."""
    import importlib
    from pathlib import Path

    api_rst = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
    documented = _documented_names(api_rst)
    missing = []
    for module_name in (
        "skbackprop",
        "skbackprop.pipeline",
        "skbackprop.plotting",
        "skbackprop.optimizers",
    ):
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name == "__version__":
                continue
            obj = getattr(module, name)
            # a re-exported name may be documented where it is defined
            # (skbackprop.make_scaled_pipeline as skbackprop.pipeline's)
            homes = {f"{module_name}.{name}", f"{obj.__module__}.{name}"}
            if not homes & documented:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"not in docs/api.rst: {missing}"
