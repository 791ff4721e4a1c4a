"""Pipelines that scale features (and optionally targets) before an MLP.

Multi-layer perceptrons train best on inputs of comparable magnitude, so the
usual recipe puts a :class:`~sklearn.preprocessing.MinMaxScaler` in front of
the network. :func:`make_scaled_pipeline` builds that pipeline with fixed step
names (``"scale"`` and ``"model"``), so that one ``param_grid`` such as
``{"model__learning_rate_init": [...]}`` works for any estimator put inside,
:class:`~skbackprop.BackpropRegressor` and
:class:`~sklearn.neural_network.MLPRegressor` alike.
"""

from sklearn.base import is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

__all__ = ["make_scaled_pipeline"]


def make_scaled_pipeline(
    estimator, feature_range=(0, 1), scale_target=False, target_range=(0, 1)
):
    """Put a min-max feature scaler (and optionally a target scaler) around a model.

    The result is ``Pipeline([("scale", MinMaxScaler(feature_range)), ("model",
    estimator)])``. With ``scale_target=True`` that pipeline is additionally
    wrapped in a :class:`~sklearn.compose.TransformedTargetRegressor` whose
    transformer is ``MinMaxScaler(feature_range=target_range)``: the model is
    then trained on targets mapped to ``target_range`` and its predictions are
    mapped back to the original units. This is what a network with a bounded
    output activation (``BackpropRegressor(out_activation="logistic")``, whose
    outputs lie in (0, 1)) needs: classic backpropagation course material
    divides its targets by 100 for the same reason.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn compatible regressor or classifier, for example
        :class:`~skbackprop.BackpropRegressor`,
        :class:`~skbackprop.BackpropClassifier` or scikit-learn's
        ``MLPRegressor``/``MLPClassifier``. It is used as is (not cloned), like
        in :func:`sklearn.pipeline.make_pipeline`.

    feature_range : tuple (min, max), default=(0, 1)
        Range the features are scaled to, passed to
        :class:`~sklearn.preprocessing.MinMaxScaler`.

    scale_target : bool, default=False
        Whether to also min-max scale the target (regressors only). If True,
        the returned estimator is a ``TransformedTargetRegressor`` and the
        pipeline's parameters are reached with a ``regressor__`` prefix, for
        example ``regressor__model__learning_rate_init``.

    target_range : tuple (min, max), default=(0, 1)
        Range the training targets are scaled to when ``scale_target=True``;
        ignored otherwise. With a logistic output layer, a range slightly
        inside (0, 1), such as ``(0.1, 0.9)``, keeps the extreme targets
        reachable without saturating the output unit.

    Returns
    -------
    pipeline : Pipeline or TransformedTargetRegressor
        The pipeline with steps ``"scale"`` and ``"model"``; wrapped in a
        ``TransformedTargetRegressor`` (as its ``regressor``) when
        ``scale_target=True``.

    Raises
    ------
    ValueError
        If ``scale_target=True`` and ``estimator`` is a classifier.

    See Also
    --------
    sklearn.pipeline.make_pipeline : Build a pipeline with generated step names.
    sklearn.compose.TransformedTargetRegressor : Regress on a transformed target.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skbackprop import BackpropRegressor
    >>> from skbackprop.pipeline import make_scaled_pipeline
    >>> X, y = load_diabetes(return_X_y=True)
    >>> pipe = make_scaled_pipeline(
    ...     BackpropRegressor(learning_rate_init=0.01, max_iter=50, random_state=0)
    ... )
    >>> [name for name, _ in pipe.steps]
    ['scale', 'model']
    >>> grid = {"model__hidden_layer_sizes": [(8,), (16,)]}
    >>> search = GridSearchCV(pipe, grid, cv=2).fit(X, y)  # doctest: +SKIP

    Scaling the target for a logistic output layer:

    >>> reg = make_scaled_pipeline(
    ...     BackpropRegressor(out_activation="logistic"), scale_target=True
    ... )
    >>> type(reg).__name__
    'TransformedTargetRegressor'
    >>> reg.regressor.named_steps["model"].out_activation
    'logistic'
    """
    if scale_target and is_classifier(estimator):
        raise ValueError(
            "scale_target=True only applies to regressors: "
            f"{type(estimator).__name__} is a classifier, whose class labels "
            "must not be scaled. Use scale_target=False."
        )
    pipeline = Pipeline(
        [
            ("scale", MinMaxScaler(feature_range=feature_range)),
            ("model", estimator),
        ]
    )
    if not scale_target:
        return pipeline
    return TransformedTargetRegressor(
        regressor=pipeline, transformer=MinMaxScaler(feature_range=target_range)
    )
