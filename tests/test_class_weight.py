"""class_weight of BackpropClassifier: the table, the row weights and the
estimator's use of them (loss, early-stopping split, validation set,
partial_fit, restarts)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from skbackprop import BackpropClassifier
from skbackprop._class_weight import class_weight_table, row_weights


def _encoded(y):
    binarizer = LabelBinarizer().fit(y)
    return binarizer.transform(y), binarizer.classes_


def _small(**params):
    base = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    return BackpropClassifier(**{**base, **params})


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize(
    "y", [np.array([0, 0, 0, 1, 1, 0]), np.array(["b", "a", "c", "c", "a", "c"])]
)
def test_balanced_rows_match_scikit_learn(y):
    Y, classes = _encoded(y)
    table = class_weight_table("balanced", Y, classes, multilabel=False)
    assert_allclose(table, compute_class_weight("balanced", classes=classes, y=y))
    assert_allclose(row_weights(table, Y), compute_sample_weight("balanced", y))


def test_dict_weighs_its_classes_and_leaves_the_others_at_one():
    y = np.array(["b", "a", "c", "c", "a"])
    Y, classes = _encoded(y)
    table = class_weight_table({"c": 4.0, "a": 0.5}, Y, classes, multilabel=False)
    assert_allclose(table, [0.5, 1.0, 4.0])
    assert_allclose(row_weights(table, Y), [1.0, 0.5, 4.0, 4.0, 0.5])


@pytest.mark.parametrize(
    "class_weight, message",
    [
        ({0: 1.0, 7: 2.0}, r"keys \[7\] that are not among the classes"),
        ({0: -1.0}, r"class_weight\[0\] must be a non-negative finite number"),
        ({0: np.nan}, "non-negative finite"),
        ({0: "2"}, "non-negative finite"),
        ({0: True}, "non-negative finite"),
        ([{0: 1.0, 1: 2.0}], "list of dicts .* is for multilabel"),
    ],
)
def test_bad_class_weight_is_refused(class_weight, message):
    X = np.random.RandomState(0).rand(20, 3)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=message):
        _small(class_weight=class_weight).fit(X, y)


def test_multilabel_tables_follow_the_multi_output_convention():
    _, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    classes = np.arange(3)
    balanced = class_weight_table("balanced", Y, classes, multilabel=True)
    assert_allclose(row_weights(balanced, Y), compute_sample_weight("balanced", Y))
    per_column = [{0: 1.0, 1: 2.0}, {0: 0.5, 1: 1.0}, {1: 3.0}]
    table = class_weight_table(per_column, Y, classes, multilabel=True)
    assert_allclose(row_weights(table, Y), compute_sample_weight(per_column, Y))
    present = class_weight_table({0: 2.0, 2: 3.0}, Y, classes, multilabel=True)
    expected = np.where(Y[:, 0] == 1, 2.0, 1.0) * np.where(Y[:, 2] == 1, 3.0, 1.0)
    assert_allclose(row_weights(present, Y), expected)
    with pytest.raises(ValueError, match="list of 2 dicts but y has 3 label"):
        class_weight_table(per_column[:2], Y, classes, multilabel=True)
    with pytest.raises(TypeError, match=r"class_weight\[1\] must be a dict"):
        class_weight_table([{}, 2.0, {}], Y, classes, multilabel=True)
    with pytest.raises(ValueError, match=r"class_weight\[0\] has keys \[2\]"):
        class_weight_table([{2: 1.0}, {}, {}], Y, classes, multilabel=True)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_class_weight_equals_the_sample_weights_it_implies(solver):
    X, y = make_classification(
        n_samples=120, n_classes=3, n_informative=4, random_state=1
    )
    weights = {0: 1.0, 1: 3.0, 2: 0.25}
    rows = np.array([weights[c] for c in y])
    user = np.random.RandomState(2).uniform(0.5, 2.0, size=y.shape[0])
    by_class = _small(solver=solver, class_weight=weights).fit(X, y, sample_weight=user)
    by_rows = _small(solver=solver).fit(X, y, sample_weight=user * rows)
    for a, b in zip(
        by_class.coefs_ + by_class.intercepts_, by_rows.coefs_ + by_rows.intercepts_
    ):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert_allclose(by_class.loss_curve_, by_rows.loss_curve_, rtol=1e-10)


def test_balanced_raises_minority_recall():
    X, y = make_classification(n_samples=600, weights=[0.9, 0.1], random_state=0)
    X_train, X_test, y_train, y_test = X[:400], X[400:], y[:400], y[400:]
    recalls = {}
    for class_weight in (None, "balanced"):
        model = BackpropClassifier(
            hidden_layer_sizes=(16,),
            max_iter=300,
            class_weight=class_weight,
            random_state=0,
        ).fit(X_train, y_train)
        recalls[class_weight] = recall_score(y_test, model.predict(X_test))
    assert recalls["balanced"] > recalls[None] + 0.25


def test_zero_class_weight_drops_the_class_rows_but_keeps_the_class():
    X, y = make_classification(
        n_samples=90, n_classes=3, n_informative=4, random_state=3
    )
    keep = y != 2
    zero = _small(solver="lbfgs", class_weight={2: 0.0}).fit(X, y)
    assert_allclose(zero.classes_, [0, 1, 2])
    dropped = _small(solver="lbfgs").fit(X, y, sample_weight=keep.astype(float))
    assert_allclose(zero.coefs_[0], dropped.coefs_[0], rtol=1e-10, atol=1e-12)
    with pytest.raises(
        ValueError, match="times the class weights must not be all zero"
    ):
        _small(class_weight={0: 0.0, 1: 0.0, 2: 0.0}).fit(X, y)


def test_partial_fit_takes_a_dict_and_refuses_balanced():
    X, y = make_classification(n_samples=80, random_state=4)
    by_class = _small(class_weight={1: 2.0})
    by_rows = _small()
    for part in (slice(0, 40), slice(40, 80)):
        by_class.partial_fit(X[part], y[part], classes=[0, 1])
        by_rows.partial_fit(
            X[part],
            y[part],
            classes=[0, 1],
            sample_weight=np.where(y[part] == 1, 2.0, 1.0),
        )
    assert_allclose(by_class.coefs_[0], by_rows.coefs_[0], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        _small(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_class_weight_reaches_the_early_stopping_split_and_validation_score():
    X, y = make_classification(n_samples=200, weights=[0.8, 0.2], random_state=5)
    rows = np.where(y == 1, 4.0, 1.0)
    params = dict(early_stopping=True, max_iter=15, n_iter_no_change=100)
    by_class = _small(class_weight={1: 4.0}, **params).fit(X, y)
    by_rows = _small(**params).fit(X, y, sample_weight=rows)
    assert_allclose(by_class.validation_scores_, by_rows.validation_scores_, rtol=1e-12)
    assert_allclose(
        by_class.validation_loss_curve_, by_rows.validation_loss_curve_, rtol=1e-10
    )


def test_class_weight_weighs_a_given_validation_set():
    X, y = make_classification(n_samples=200, weights=[0.8, 0.2], random_state=6)
    X_val, y_val = X[150:], y[150:]
    params = dict(early_stopping=True, max_iter=10, n_iter_no_change=100)
    model = _small(class_weight={1: 4.0}, **params).fit(
        X[:150], y[:150], X_val=X_val, y_val=y_val
    )
    weighted = _small(**params).fit(
        X[:150],
        y[:150],
        sample_weight=np.where(y[:150] == 1, 4.0, 1.0),
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=np.where(y_val == 1, 4.0, 1.0),
    )
    assert_allclose(model.validation_scores_, weighted.validation_scores_, rtol=1e-12)
    assert_allclose(
        model.validation_loss_curve_, weighted.validation_loss_curve_, rtol=1e-10
    )


def test_class_weight_with_stacked_restarts_and_multilabel():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=7)
    per_column = [{1: 2.0}, {0: 0.5}, {}]
    by_class = _small(n_init=3, class_weight=per_column).fit(X, Y)
    by_rows = _small(n_init=3).fit(
        X, Y, sample_weight=compute_sample_weight(per_column, Y)
    )
    assert by_class.best_restart_ == by_rows.best_restart_
    assert_allclose(by_class.restart_losses_, by_rows.restart_losses_, rtol=1e-10)
    assert by_class.predict(X).shape == Y.shape
