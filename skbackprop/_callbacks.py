"""scikit-learn's callbacks around the training loop's epochs."""

from ._training import Hooks


class EpochCallbacks(Hooks):
    """Calls scikit-learn's callback hooks around epochs (one subtask each).

    The fit is the root task; every epoch (every L-BFGS iteration) is a
    subtask. :meth:`epoch_end` returns True when a callback asks to stop.
    Built only when the estimator has callbacks, so plain fits pay nothing.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted.
    root : callback context
        The fit's task context.
    X, y : array-like
        The data the user passed to fit.
    metadata : dict or None
        Fit metadata (``sample_weight``).
    """

    def __init__(self, estimator, root, X, y, metadata):
        self.estimator, self.root = estimator, root
        self.X, self.y, self.metadata = X, y, metadata
        self._current = None
        self._view = None

    def _fitted_attributes(self):
        # A copy of the current weights for the ``fitted_estimator`` handed
        # to callbacks (built lazily, only for callbacks that ask for it).
        view = self._view
        if view is None:
            return {}
        net = view.network
        return {
            "coefs_": [c.copy() for c in net.coefs],
            "intercepts_": [b.copy() for b in net.intercepts],
            "n_iter_": view.n_iter,
            "loss_curve_": list(view.loss_curve),
            "_fitted_activation": net.activation,
        }

    def epoch_begin(self, name, view):
        self._view = view
        self._current = self.root.subcontext(task_name=name)
        self._current.call_on_fit_task_begin(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=self._fitted_attributes,
        )

    def epoch_end(self, view):
        ctx, self._current, self._view = self._current, None, view
        return bool(
            ctx.call_on_fit_task_end(
                estimator=self.estimator,
                X=self.X,
                y=self.y,
                metadata=self.metadata,
                reconstruction_attributes=self._fitted_attributes,
            )
        )

    def close(self):
        """End a subtask left open (interrupted epoch) as an empty task."""
        if self._current is not None:
            self._current.call_on_fit_task_end(estimator=self.estimator)
            self._current = None
