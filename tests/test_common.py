"""scikit-learn's estimator checks, for both estimators in several configurations."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import BackpropClassifier, BackpropRegressor

# Small networks and budgets keep the check suite fast; every solver, several
# activations, the bias-free network and restarts are covered, with no expected
# failures.
# early_stopping is tested in test_multilayer_perceptron.py: a held-out split of
# repeated rows cannot match the split of weighted rows, so sklearn's
# sample-weight equivalence check does not apply to it.
_SMALL = dict(hidden_layer_sizes=(32,), max_iter=200, random_state=0)
ESTIMATORS = [
    BackpropRegressor(**_SMALL),
    BackpropRegressor(solver="sgd", activation="tanh", **_SMALL),
    BackpropRegressor(solver="lbfgs", activation="logistic", **_SMALL),
    BackpropRegressor(fit_intercept=False, **_SMALL),
    BackpropClassifier(**_SMALL),
    BackpropClassifier(solver="sgd", activation="logistic", **_SMALL),
    BackpropClassifier(solver="lbfgs", activation="tanh", **_SMALL),
    # bias-free with relu: with identity units it would be a linear model
    # through the origin, which cannot follow check_class_weight_classifiers'
    # weights (LogisticRegression(fit_intercept=False) cannot either)
    BackpropClassifier(fit_intercept=False, **_SMALL),
    BackpropClassifier(loss="squared_error", activation="identity", **_SMALL),
    # stacked (sgd/adam) and sequential (lbfgs) restarts
    BackpropRegressor(n_init=3, **_SMALL),
    BackpropClassifier(solver="lbfgs", n_init=2, **_SMALL),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
