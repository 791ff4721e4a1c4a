"""Input checks of the estimators: dtypes, sample weights, layer sizes and
learning rates, each rule in one place."""

from numbers import Integral, Number, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import check_array


def cast(array, dtype, name):
    """``array`` as ``dtype``; a ValueError if values overflow the new dtype.

    Parameters
    ----------
    array : ndarray or sparse matrix
    dtype : numpy dtype
    name : str
        How the error message calls the array.

    Returns
    -------
    array : ndarray or sparse matrix
    """
    if array.dtype == dtype:
        return array
    with np.errstate(all="ignore"):
        converted = array.astype(dtype)
    data = converted.data if issparse(converted) else converted
    if not np.isfinite(data).all():
        raise ValueError(
            f"{name} has values too large for {np.dtype(dtype).name} (the dtype of "
            f"the model, set by the training data X); scale {name} down or use "
            "float64 data."
        )
    return converted


def validate_sample_weight(
    sample_weight, n_samples, dtype, factor=None, shift=None, name="sample_weight"
):
    """Check ``sample_weight`` (a number or one non-negative weight per row),
    multiply it by ``factor`` (the class weights of the rows) and bring it to
    a scale near 1.

    Only the ratios of the weights matter to the loss, so they are multiplied
    by a power of two (exact: the arithmetic of the fit is that of the given
    weights) that puts their mean in ``[0.5, 1)``; then no sum or product of
    weights over- or underflows, whatever their magnitude. The L2 penalty
    ``alpha / (2 sum(w))`` is rescaled by the same power (``shift``).

    Parameters
    ----------
    sample_weight : float, array-like of shape (n_samples,) or None
        None weighs every row 1.
    n_samples : int
    dtype : numpy dtype
        The dtype of the returned weights.
    factor : ndarray of shape (n_samples,), default=None
        Non-negative finite weights multiplied in (class weights).
    shift : int, default=None
        Use this power of two instead of the one that centres the weights
        (a validation set scaled as its training set was).
    name : str, default="sample_weight"
        How error messages call the weights.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) and dtype ``dtype``
    shift : int
        The weights were multiplied by ``2 ** shift``.
    """
    if sample_weight is None:
        sample_weight = 1.0
    if isinstance(sample_weight, Number):
        # a number (True too) weighs every sample alike, as in scikit-learn
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name=name
    )
    if sample_weight.ndim != 1:
        raise ValueError(
            f"{name} must be 1D, got an array of shape {sample_weight.shape}."
        )
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {sample_weight.shape[0]} entries but "
            f"{'X_val' if name.endswith('_val') else 'X'} has {n_samples} samples."
        )
    if np.any(sample_weight < 0):
        raise ValueError(f"{name} must be non-negative.")
    weighed = name
    if factor is not None:
        with np.errstate(over="ignore"):
            sample_weight = sample_weight * factor
        weighed = f"{name} times the class weights"
        if not np.isfinite(sample_weight).all():
            raise ValueError(f"{weighed} overflows; use smaller class weights.")
    if not np.any(sample_weight > 0):
        raise ValueError(
            f"{weighed} must not be all zero: at least one weight must be positive."
        )
    if shift is None:
        top = np.frexp(sample_weight.max())[1]
        shift = -int(top) - int(np.frexp(np.ldexp(sample_weight, -top).mean())[1])
    return cast(np.ldexp(sample_weight, shift), dtype, name), shift


def penalty_for_weights(alpha, shift):
    """``alpha`` for weights multiplied by ``2 ** shift`` (the penalty
    ``alpha / (2 sum(w))`` unchanged); a ValueError naming the weights when
    it overflows.

    Returns
    -------
    alpha : float
    """
    scaled = float(np.ldexp(float(alpha), shift))
    if not np.isfinite(scaled):
        raise ValueError(
            "sample_weight is too small for alpha: the L2 penalty alpha / (2 * "
            "sum(sample_weight)) overflows. Rescale sample_weight (the loss only "
            "depends on the ratios of the weights) or lower alpha."
        )
    return scaled


def hidden_sizes(sizes):
    """``hidden_layer_sizes`` as a list of positive ints.

    Returns
    -------
    sizes : list of int
    """
    if not hasattr(sizes, "__iter__"):
        sizes = [sizes]
    sizes = list(sizes)
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (Integral, np.integer)):
            raise ValueError(
                f"hidden_layer_sizes must contain positive integers, got {sizes!r}."
            )
        if s <= 0:
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes!r}.")
    return [int(s) for s in sizes]


def check_learning_rate_init(lr):
    """A sequence of per-layer rates must hold positive finite numbers (for
    every solver, so that a grid over solvers fails early)."""
    if np.ndim(lr) == 0:
        return
    try:
        rates = np.asarray(lr, dtype=float)
    except (TypeError, ValueError):
        rates = None
    if (
        rates is None
        or rates.ndim != 1
        or rates.size == 0
        or not np.all(np.isfinite(rates))
        or np.any(rates <= 0)
    ):
        raise ValueError(
            "learning_rate_init must be a positive float or a sequence of "
            f"positive floats, one per weight layer; got {lr!r}."
        )


def check_warmup(learning_rate, warmup_epochs, max_iter):
    """The cosine schedule needs at least one epoch after the warm-up (for
    every solver, so that a grid over solvers fails early)."""
    if learning_rate == "cosine" and warmup_epochs >= max_iter:
        raise ValueError(
            f"learning_rate='cosine' decays over the epochs after the warm-up: "
            f"warmup_epochs={warmup_epochs} must be smaller than "
            f"max_iter={max_iter}."
        )


def dropout_rates(dropout, n_hidden, solver):
    """``dropout`` as one rate per hidden layer, checked; None when no unit
    is ever dropped (every rate 0, or no hidden layer), so that training
    takes the plain path.

    Parameters
    ----------
    dropout : float or sequence of float
        A rate in ``[0, 1)`` for every hidden layer (the range of a single
        float is checked by the estimator's parameter constraints), or one
        rate per hidden layer.
    n_hidden : int
        Number of hidden layers.
    solver : str

    Returns
    -------
    rates : tuple of float of length n_hidden, or None
    """
    if np.ndim(dropout) == 0:
        rates = (float(dropout),) * n_hidden
    else:
        given = list(dropout) if np.ndim(dropout) == 1 else None
        if given is None or not all(
            isinstance(p, Real)
            and not isinstance(p, (bool, np.bool_))
            and 0.0 <= float(p) < 1.0
            for p in given
        ):
            raise ValueError(
                "dropout must be a float in [0, 1) or a sequence of such floats, "
                f"one per hidden layer; got {dropout!r}."
            )
        if len(given) != n_hidden:
            raise ValueError(
                f"dropout has {len(given)} rate(s) but the network has {n_hidden} "
                "hidden layer(s) (hidden_layer_sizes); give one rate per hidden "
                "layer or a single float."
            )
        rates = tuple(float(p) for p in given)
    if not any(p > 0 for p in rates):
        return None
    if solver == "lbfgs":
        raise ValueError(
            f"dropout={dropout!r} needs a stochastic solver ('sgd' or 'adam'): "
            "solver='lbfgs' minimises one fixed objective, and dropout's random "
            "masks would change it at every evaluation. Use solver='adam' or "
            "'sgd', or dropout=0."
        )
    return rates


def layer_rates(lr, layout, dtype):
    """Step size per trainable parameter: a float, or an array for per-layer
    rates (``learning_rate_init`` given as a sequence, checked by
    :func:`check_learning_rate_init`).

    Returns
    -------
    rate : float or ndarray of shape (layout.n_params,)
    """
    if np.ndim(lr) == 0:
        return float(lr)
    lr = np.asarray(lr, dtype=float)
    if lr.ndim != 1 or lr.shape[0] != layout.n_layers:
        raise ValueError(
            f"learning_rate_init has {lr.size} entries but the network has "
            f"{layout.n_layers} weight layers (hidden_layer_sizes + output); "
            "give one rate per layer or a single float."
        )
    return lr[layout.layer_index()].astype(dtype)
