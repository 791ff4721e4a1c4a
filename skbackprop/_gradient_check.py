"""Finite-difference check of the back-propagated gradient of a fitted model."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted, validate_data


def check_gradients(estimator, X, y, sample_weight=None, eps=1e-6):
    """Compare back-propagation with central finite differences.

    At the estimator's current weights, every trainable parameter ``w`` is
    perturbed to ``w + eps`` and ``w - eps`` and the objective (loss plus L2
    penalty, exactly what training minimises) is evaluated twice; the slope
    ``(J(w + eps) - J(w - eps)) / (2 eps)`` is compared with the analytic
    gradient. The computation runs in float64 whatever the model's dtype, and
    costs two forward passes per parameter: use it on small networks and a
    few samples.

    Parameters
    ----------
    estimator : BackpropRegressor or BackpropClassifier
        A fitted estimator (its weights are not modified).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs at which the objective is evaluated.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets (class labels for a classifier).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights of the objective.
    eps : float, default=1e-6
        Perturbation size.

    Returns
    -------
    errors : ndarray of shape (`n_layers_` - 1,)
        Relative error ``||g_num - g|| / max(||g_num|| + ||g||, tiny)`` of
        each weight layer (its weights and, with ``fit_intercept``, its
        intercepts). Values around 1e-7 or below mean the gradient is right.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import BackpropRegressor, check_gradients
    >>> X = np.array([[0.3, 1.0], [0.5, 0.2], [1.0, 0.4]])
    >>> y = np.array([0.75, 0.82, 0.93])
    >>> reg = BackpropRegressor(hidden_layer_sizes=(3,), activation="logistic",
    ...                         solver="lbfgs", random_state=0).fit(X, y)
    >>> bool(check_gradients(reg, X, y).max() < 1e-6)
    True
    """
    check_is_fitted(estimator)
    if not float(eps) > 0:
        raise ValueError(f"eps must be positive, got {eps!r}.")
    X = validate_data(
        estimator,
        X,
        accept_sparse=["csr", "csc"],
        dtype=np.float64,
        reset=False,
    )
    if is_classifier(estimator):
        y = estimator._label_binarizer.transform(y)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape != (X.shape[0], estimator.n_outputs_):
        raise ValueError(
            f"y has shape {y.shape}; expected ({X.shape[0]}, {estimator.n_outputs_})."
        )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    net = estimator._network(dtype=np.float64)
    ws = net.workspace(X.shape[0])
    alpha = float(estimator.alpha)
    with np.errstate(all="ignore"):
        ws.loss_grad(X, y, sample_weight, alpha)
        analytic = ws.param_grad.copy()
        numeric = np.empty_like(analytic)
        params = net.params
        for j in range(params.shape[0]):
            saved = params[j]
            params[j] = saved + eps
            plus = net.objective(X, y, sample_weight, alpha)
            params[j] = saved - eps
            minus = net.objective(X, y, sample_weight, alpha)
            params[j] = saved
            numeric[j] = (plus - minus) / (2 * eps)

    layer = net.layout.layer_index()
    tiny = np.finfo(np.float64).tiny
    errors = np.empty(net.layout.n_layers)
    for i in range(net.layout.n_layers):
        g, g_num = analytic[layer == i], numeric[layer == i]
        scale = max(np.linalg.norm(g_num) + np.linalg.norm(g), tiny)
        errors[i] = np.linalg.norm(g_num - g) / scale
    return errors
