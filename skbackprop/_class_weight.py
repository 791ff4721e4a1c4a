"""Class weights of :class:`~skbackprop.BackpropClassifier`.

``class_weight`` becomes a table of weights, then one weight per row that is
multiplied into ``sample_weight``. The table is made once per ``fit`` (from
that call's targets for ``'balanced'``) and applied to the training rows and
to a validation set alike.

- single-output targets: shape ``(n_classes,)``, the weight of each class of
  ``classes_``;
- multilabel targets: shape ``(n_labels, 2)``, the weight of a row whose
  label column is absent (0) or present (1); a row's weight is the product
  over its columns (scikit-learn's multi-output convention).
"""

from numbers import Real

import numpy as np
from sklearn.utils.class_weight import compute_class_weight


def class_weight_table(class_weight, Y, classes, multilabel):
    """The table of ``class_weight`` for the encoded targets ``Y``.

    Parameters
    ----------
    class_weight : dict, list of dict, 'balanced' or None
    Y : ndarray of shape (n_samples, n_columns)
        Binarized targets (``LabelBinarizer``): one column for two classes,
        one-hot columns for more, the indicator matrix for multilabel.
    classes : ndarray of shape (n_classes,)
        The classifier's ``classes_``.
    multilabel : bool
        Whether ``Y`` is a multilabel indicator matrix.

    Returns
    -------
    table : ndarray of shape (n_classes,) or (n_labels, 2), or None
        None when ``class_weight`` is None.
    """
    if class_weight is None:
        return None
    if multilabel:
        return _label_table(class_weight, Y, classes)
    if isinstance(class_weight, list):
        raise ValueError(
            "class_weight as a list of dicts (one per label column) is for "
            "multilabel targets; for these targets give a dict {class: weight} "
            "or 'balanced'."
        )
    if isinstance(class_weight, str):  # 'balanced'
        index = _class_index(Y)
        return compute_class_weight(
            "balanced", classes=np.arange(len(classes)), y=index
        )
    table = np.ones(len(classes))
    for i, value in _lookup(class_weight, classes, "class_weight"):
        table[i] = value
    return table


def row_weights(table, Y):
    """One weight per row of the encoded targets ``Y`` (see
    :func:`class_weight_table`).

    Returns
    -------
    weights : ndarray of shape (n_samples,)
    """
    if table.ndim == 1:
        return table[_class_index(Y)]
    present = Y.astype(np.intp)
    return table[np.arange(table.shape[0]), present].prod(axis=1)


def _class_index(Y):
    """Index in ``classes_`` of each row of binarized single-output targets."""
    if Y.shape[1] == 1:  # two classes (or one): the column is the index
        return Y[:, 0].astype(np.intp)
    return np.argmax(Y, axis=1)


def _label_table(class_weight, Y, labels):
    n_labels = Y.shape[1]
    table = np.ones((n_labels, 2))
    if isinstance(class_weight, str):  # 'balanced', column by column
        for k in range(n_labels):
            column = Y[:, k].astype(np.intp)
            present = np.unique(column)
            table[k, present] = compute_class_weight(
                "balanced", classes=present, y=column
            )
    elif isinstance(class_weight, dict):  # weight of a present label
        for k, value in _lookup(class_weight, labels, "class_weight"):
            table[k, 1] = value
    else:
        if len(class_weight) != n_labels:
            raise ValueError(
                f"class_weight is a list of {len(class_weight)} dicts but y has "
                f"{n_labels} label columns; give one dict {{0: w_absent, 1: "
                "w_present}} per column."
            )
        for k, weights in enumerate(class_weight):
            if not isinstance(weights, dict):
                raise TypeError(
                    f"class_weight[{k}] must be a dict {{0: w_absent, 1: "
                    f"w_present}}, got {type(weights).__name__}."
                )
            for value_index, value in _lookup(
                weights, np.array([0, 1]), f"class_weight[{k}]"
            ):
                table[k, value_index] = value
    return table


def _lookup(weights, classes, name):
    """``(index in classes, weight)`` for each entry of the dict ``weights``;
    a ValueError for a key that is not a class or a weight that is not a
    non-negative finite number."""
    position = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    unknown = [key for key in weights if key not in position]
    if unknown:
        raise ValueError(
            f"{name} has keys {unknown!r} that are not among the classes "
            f"{np.asarray(classes).tolist()!r}."
        )
    pairs = []
    for key, value in weights.items():
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, Real)
            or not np.isfinite(value)
            or value < 0
        ):
            raise ValueError(
                f"{name}[{key!r}] must be a non-negative finite number, got {value!r}."
            )
        pairs.append((position[key], float(value)))
    return pairs
