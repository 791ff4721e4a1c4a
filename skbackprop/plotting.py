"""Plotting utilities, following scikit-learn's ``Display`` conventions.

matplotlib is an optional dependency (the ``plot`` extra:
``pip install "skbackprop[plot]"``). Importing this module does not import
matplotlib; only :meth:`LossCurveDisplay.plot` does.
"""

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "LossCurveDisplay.plot requires matplotlib, which is not installed. "
            "Install it with: pip install 'skbackprop[plot]' "
            "(or pip install matplotlib)."
        ) from exc
    return plt


def _as_curve(curve, name):
    values = np.asarray(curve, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of losses, one per epoch; "
            f"got an array of shape {values.shape}."
        )
    return values


def _final_estimator(estimator):
    """Follow pipelines, target transformers and searches to the fitted model."""
    seen = 0
    while seen < 50:  # guard against cycles in exotic meta-estimators
        seen += 1
        if isinstance(estimator, Pipeline):
            estimator = estimator._final_estimator  # steps are fitted in place
        elif isinstance(estimator, TransformedTargetRegressor):
            # TransformedTargetRegressor fits a clone: ``regressor_``
            if not hasattr(estimator, "regressor_"):
                raise NotFittedError(
                    f"This {type(estimator).__name__} instance is not fitted yet: "
                    "fit it before plotting its loss curve."
                )
            estimator = estimator.regressor_
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_  # GridSearchCV and friends
        else:
            return estimator
    return estimator


class LossCurveDisplay:
    """Training (and validation) loss per epoch of a multi-layer perceptron.

    Create it from a fitted estimator with :meth:`from_estimator`, or from
    stored curves with the constructor followed by :meth:`plot`. All
    attributes are stored as given.

    The training loss is drawn as a solid line; the validation loss (recorded
    by skbackprop's estimators with ``early_stopping=True``) as a dashed line
    in the same colour.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after each epoch, such as an estimator's
        ``loss_curve_``.

    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Loss on the validation set after each epoch, such as
        ``validation_loss_curve_``. ``None`` draws the training loss only.

    estimator_name : str, default=None
        Name used in the legend. ``None`` labels the curves "Training loss"
        and "Validation loss".

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training loss line, followed by the validation loss line if
        there is one.

    ax_ : matplotlib Axes
        Axes with the curves.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    LossCurveDisplay.from_estimator : Plot the loss curves of a fitted model.
    sklearn.model_selection.LearningCurveDisplay : Scores versus training size.

    Examples
    --------
    >>> import matplotlib.pyplot as plt  # doctest: +SKIP
    >>> from sklearn.datasets import load_diabetes
    >>> from skbackprop import BackpropRegressor
    >>> from skbackprop.plotting import LossCurveDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = BackpropRegressor(learning_rate_init=0.01, max_iter=100,
    ...                         early_stopping=True, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(reg, log_scale=True)  # doctest: +SKIP
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, log_scale=False, name=None, **kwargs):
        """Plot the loss curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on. ``None`` creates a new figure and axes.

        log_scale : bool, default=False
            Whether to use a logarithmic loss (y) axis, which shows the late,
            slow part of training better.

        name : str, default=None
            Name used in the legend; overrides ``estimator_name``.

        **kwargs : dict
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            both lines (for example ``color`` or ``linewidth``). The validation
            line is always dashed.

        Returns
        -------
        display : LossCurveDisplay
            Object that stores the computed values, with ``lines_``, ``ax_``
            and ``figure_`` set.
        """
        loss = _as_curve(self.loss_curve, "loss_curve")
        val = self.validation_loss_curve
        if val is not None:
            val = _as_curve(val, "validation_loss_curve")
        if ax is None:
            _, ax = _import_pyplot().subplots()

        name = self.estimator_name if name is None else name
        if name is None:
            train_label = "Training loss"
        else:  # with a single curve the name says it all
            train_label = name if val is None else f"{name} (training)"
        val_label = "Validation loss" if name is None else f"{name} (validation)"

        train_kwargs = {"label": train_label, **kwargs}
        (train_line,) = ax.plot(np.arange(1, loss.size + 1), loss, **train_kwargs)
        self.lines_ = [train_line]
        if val is not None:
            val_kwargs = {
                "label": val_label,
                "color": train_line.get_color(),
                **{k: v for k, v in kwargs.items() if k not in ("ls", "linestyle")},
                "linestyle": "--",
            }
            if "label" in kwargs:
                val_kwargs["label"] = f"{kwargs['label']} (validation)"
            (val_line,) = ax.plot(np.arange(1, val.size + 1), val, **val_kwargs)
            self.lines_.append(val_line)

        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss (log scale)" if log_scale else "Loss")
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, log_scale=False, name=None, **kwargs
    ):
        """Plot the loss curves of a fitted estimator.

        Works with :class:`~skbackprop.BackpropRegressor`,
        :class:`~skbackprop.BackpropClassifier`, scikit-learn's
        ``MLPRegressor``/``MLPClassifier`` (which record no validation loss),
        and with a :class:`~sklearn.pipeline.Pipeline`,
        :class:`~sklearn.compose.TransformedTargetRegressor` or fitted
        :class:`~sklearn.model_selection.GridSearchCV` whose (best) final
        estimator is one of them.

        Parameters
        ----------
        estimator : estimator instance
            Fitted estimator with a ``loss_curve_`` attribute (the ``sgd``
            and ``adam`` solvers), or a fitted meta-estimator around one.

        ax : matplotlib Axes, default=None
            Axes to plot on. ``None`` creates a new figure and axes.

        log_scale : bool, default=False
            Whether to use a logarithmic loss (y) axis.

        name : str, default=None
            Name used in the legend. ``None`` uses the class name of the
            final estimator.

        **kwargs : dict
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : LossCurveDisplay
            Object that stores the computed values.

        Raises
        ------
        ValueError
            If the estimator is not fitted (:class:`sklearn.exceptions.NotFittedError`,
            a ``ValueError``), or has no loss curve, as with scikit-learn's
            ``solver="lbfgs"``.
        """
        model = _final_estimator(estimator)
        try:
            check_is_fitted(model)
        except NotFittedError as exc:
            raise NotFittedError(
                f"This {type(model).__name__} instance is not fitted yet: fit it "
                "before plotting its loss curve."
            ) from exc
        except TypeError as exc:  # not an estimator at all
            raise ValueError(
                f"Cannot plot the loss curve of {estimator!r}: it is not an estimator."
            ) from exc
        curve = getattr(model, "loss_curve_", None)
        if curve is None:
            solver = getattr(model, "solver", None)
            hint = (
                " The 'lbfgs' solver records no per-epoch loss; use "
                "solver='adam' or 'sgd'."
                if solver == "lbfgs"
                else ""
            )
            raise ValueError(
                f"{type(model).__name__} has no loss_curve_ to plot.{hint}"
            )
        display = cls(
            loss_curve=curve,
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            estimator_name=type(model).__name__,
        )
        return display.plot(ax=ax, log_scale=log_scale, name=name, **kwargs)
