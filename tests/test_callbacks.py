"""scikit-learn's callback API (sklearn.callback, scikit-learn >= 1.9)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import BackpropClassifier, BackpropRegressor, make_scaled_pipeline

callback = pytest.importorskip("sklearn.callback")


class Recorder:
    """A FitCallback that logs every hook call and can ask to stop."""

    def __init__(self, stop_after=None):
        self.events = []
        self.contexts = []
        self.stop_after = stop_after
        self.scores = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    # the signatures of sklearn.callback.FitCallback
    def on_fit_task_begin(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.events.append(("end", context.task_name))
        self.contexts.append(context)
        if context.task_name != "fit" and fitted_estimator is not None:
            self.scores.append(fitted_estimator.score(X, y))
        n_epochs = sum(1 for e in self.events if e[0] == "end" and e[1] != "fit")
        return self.stop_after is not None and n_epochs >= self.stop_after


@pytest.fixture
def data():
    X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
    return X / X.std(axis=0), y / y.std()


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("n_init", [1, 2])
def test_one_begin_and_end_per_epoch(data, solver, n_init):
    X, y = data
    rec = Recorder()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=6,
        n_init=n_init,
        random_state=0,
    ).set_callbacks(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    names = [e for e in rec.events if e[1] != "fit"]
    begins = [e for e in names if e[0] == "begin"]
    ends = [e for e in names if e[0] == "end"]
    assert rec.events[:2] == [("setup", "fit"), ("begin", "fit")]
    assert rec.events[-2:] == [("end", "fit"), ("teardown", "fit")]
    # begin/end alternate: every epoch is closed before the next one opens
    assert [e[0] for e in names] == ["begin", "end"] * len(begins)
    # the fitted_estimator handed to the hook predicts with the current weights
    assert all(np.isfinite(rec.scores))
    if solver == "lbfgs" and n_init == 1:
        # scipy decides when to stop: an iteration opened after the last one
        # may end empty (no fitted_estimator), as in sklearn's LogisticRegression
        assert est.n_iter_ <= len(ends) <= est.n_iter_ + 1
        assert len(rec.scores) == est.n_iter_
    elif solver != "lbfgs":
        # one subtask per epoch (stacked restarts share their epochs)
        assert len(ends) == len(rec.scores) == est.n_iter_ == len(est.loss_curve_) == 6
    else:
        # restarts run one after the other, each with its own iterations
        assert len(ends) >= est.n_iter_


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_callback_returning_true_stops_training(data, solver):
    X, y = data
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, max_iter=50, random_state=0
    ).set_callbacks(Recorder(stop_after=3))
    est.fit(X, y)  # no ConvergenceWarning: the callback ended training
    assert est.n_iter_ == 3
    assert len(est.loss_curve_) == 3
    assert np.isfinite(est.predict(X)).all()


def test_callbacks_do_not_change_the_fit(data):
    X, y = data
    params = dict(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = BackpropRegressor(**params).fit(X, y)
        observed = BackpropRegressor(**params).set_callbacks(Recorder()).fit(X, y)
    np.testing.assert_array_equal(plain.predict(X), observed.predict(X))


def test_progress_bar_nests_under_grid_search(data):
    pytest.importorskip("rich")
    X, y = data
    search = GridSearchCV(
        BackpropRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
        {"learning_rate_init": [1e-3, 1e-2]},
        cv=2,
    ).set_callbacks(callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_estimator_.n_iter_ == 5
    # the propagated callbacks are removed from the sub-estimators afterwards
    assert not getattr(search.best_estimator_, "_skl_callbacks", [])


def test_progress_bar_and_scoring_monitor_on_the_estimator(data):
    pytest.importorskip("rich")
    X, y = make_classification(n_samples=60, random_state=0)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BackpropClassifier(hidden_layer_sizes=(4,), max_iter=4, random_state=0)
    clf.set_callbacks(callback.ProgressBar(), monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    logs = monitor.get_logs()
    assert logs, "ScoringMonitor recorded nothing"


class PathRecorder:
    """An auto-propagated callback recording the task path of every task end."""

    max_propagation_depth = None

    def __init__(self):
        self.paths = []
        self.setups = []

    def setup(self, estimator, context):
        self.setups.append(type(estimator).__name__)

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        path = []
        while context is not None:
            path.append((context.estimator_name, context.task_name))
            context = context.parent
        self.paths.append(tuple(reversed(path)))


def test_recorders_follow_the_callback_protocols():
    assert isinstance(Recorder(), callback.FitCallback)
    assert isinstance(PathRecorder(), callback.AutoPropagatedCallback)


@pytest.mark.parametrize(
    "solver, subtask", [("adam", "epoch"), ("sgd", "epoch"), ("lbfgs", None)]
)
def test_fit_is_the_root_task_and_epochs_its_subtasks(data, solver, subtask):
    X, y = data
    rec = Recorder()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, max_iter=4, random_state=0
    ).set_callbacks(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    *steps, root = rec.contexts
    assert root.task_name == "fit" and root.parent is None
    assert root.estimator_name == "BackpropRegressor"
    assert steps and all(ctx.parent is root for ctx in steps)
    names = {ctx.task_name for ctx in steps}
    assert names == ({subtask} if subtask else {"lbfgs-iteration"})
    # sequential subtasks, numbered from 0
    assert [ctx.task_id for ctx in steps] == list(range(len(steps)))


def test_epochs_nest_under_grid_search_and_pipeline(data):
    X, y = data
    rec = PathRecorder()
    pipe = make_scaled_pipeline(
        BackpropRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    )
    search = GridSearchCV(
        pipe, {"model__learning_rate_init": [1e-3, 1e-2]}, cv=2
    ).set_callbacks(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # scikit-learn's note that MinMaxScaler takes no callbacks
        warnings.filterwarnings("ignore", "The estimator MinMaxScaler", UserWarning)
        search.fit(X, y)
    assert rec.setups == ["GridSearchCV"]  # set up once, on the outermost fit
    epochs = [path for path in rec.paths if path[-1][1] == "epoch"]
    # 2 candidates x 2 folds + the refit, 3 epochs each
    assert len(epochs) == 5 * 3
    for path in epochs:
        assert path[0] == ("GridSearchCV", "fit")
        assert ("Pipeline", "fit") in path
        assert path[-2:] == (
            ("BackpropRegressor", "fit"),
            ("BackpropRegressor", "epoch"),
        )


def test_progress_bar_on_a_search_over_a_pipeline(data):
    pytest.importorskip("rich")
    X, y = data
    pipe = make_scaled_pipeline(
        BackpropRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    )
    search = GridSearchCV(pipe, {"model__alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_estimator_[-1].n_iter_ == 3


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_scoring_monitor_logs_every_epoch(solver):
    X, y = make_classification(n_samples=60, random_state=0)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BackpropClassifier(
        hidden_layer_sizes=(4,), solver=solver, max_iter=4, random_state=0
    ).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    log = monitor.get_logs()
    assert log.estimator_name == "BackpropClassifier"
    steps = [row for row in log.data if row["task_name"] != "fit"]
    assert len(steps) == clf.n_iter_
    assert all(0 <= row["accuracy"] <= 1 for row in log.data)
    (root,) = [row for row in log.data if row["task_name"] == "fit"]
    assert root["accuracy"] == clf.score(X, y)


def test_callback_stops_a_classifier(data):
    X, y = make_classification(n_samples=60, random_state=0)
    clf = BackpropClassifier(
        hidden_layer_sizes=(4,), max_iter=50, random_state=0
    ).set_callbacks(Recorder(stop_after=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is no failure
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
