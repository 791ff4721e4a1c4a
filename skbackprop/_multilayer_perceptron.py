"""BackpropRegressor and BackpropClassifier: the scikit-learn estimators.

This module is the scikit-learn surface: it validates the input, encodes
targets, builds the engine's pieces (network, optimizer, schedule, stopping
rules, hooks), calls the training loop (:mod:`skbackprop._training`) and
writes the fitted attributes. The fitted model is its public arrays
``coefs_`` and ``intercepts_`` plus numbers, strings and lists.
"""

import math
import os
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.sparse import issparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    _fit_context,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn: no callbacks

    class CallbackSupportMixin:
        """Placeholder used when scikit-learn has no callback API."""


from . import _docs
from ._activations import HIDDEN_ACTIVATIONS, hidden_activations
from ._callbacks import EpochCallbacks
from ._checks import (
    cast,
    check_learning_rate_init,
    check_warmup,
    dropout_rates,
    hidden_sizes,
    layer_rates,
    penalty_for_weights,
    validate_sample_weight,
)
from ._class_weight import class_weight_table, row_weights
from ._initialization import derived_seed, initialize, sequential_starts
from ._layout import Layout
from ._network import Network
from ._schedules import StoppingRule, make_schedule
from ._solvers import SGD, Adam
from ._training import (
    Minibatches,
    Progress,
    StochasticConfig,
    StochasticTrainer,
    TrainingDiverged,
    Validation,
    train_lbfgs,
    train_lbfgs_restarts,
)

_STOCHASTIC_SOLVERS = ("sgd", "adam")

#: private fitted state besides the attributes ending in "_"
_PRIVATE_FITTED = (
    "_layer_units",
    "_fitted_activation",
    "_fitted_intercept",
    "_dtype_name",
    "_no_improvement_count",
    "_optimizer_state",
)


class _FitData(NamedTuple):
    """The checked data of one fit call (``X_user``/``y_user``: as the user
    gave them, for callbacks; ``alpha``: the penalty for the rescaled sample
    weights, multiplied by ``2 ** weight_shift``; ``class_weights``: the
    classifier's table of class weights, or None)."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None
    alpha: float
    X_user: object
    y_user: object
    weight_shift: int = 0
    class_weights: np.ndarray | None = None


class _HeldOut(NamedTuple):
    """A validation set given to ``fit``, as the user gave it."""

    X: object
    y: object
    sample_weight: object


#: Losses that are piecewise linear in the prediction: not differentiable
#: where a residual is zero (training follows the subgradient 0 there).
_KINKED_LOSSES = frozenset({"absolute_error", "quantile"})


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights became non-finite.

    The model keeps the weights of the last epoch that ended finite.
    """


class NonFiniteOutputWarning(UserWarning):
    """The network's output is not finite (inf or NaN) for some rows.

    Raised by prediction (and ``transform``, for the hidden activations) on
    inputs far outside the training range, where the network's arithmetic
    overflows; the returned values are what the network computes.
    """


def _activation_setting(activation):
    """The ``activation`` parameter as the engine keeps it: a name, or a
    tuple of names (one per hidden layer)."""
    return activation if isinstance(activation, str) else tuple(activation)


def _physical_memory():
    """Bytes of memory of this machine (infinite where unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return math.inf


#: More sequential L-BFGS restarts than this get a warning up front.
_MANY_LBFGS_RESTARTS = 1000


def _divergence_message(est, alpha):
    """Why training diverged, for the estimator ``est`` trained with the
    penalty ``alpha`` (rescaled with the sample weights)."""
    if alpha > 1e6 * float(est.alpha):
        # the weights were tiny: alpha / sum(w) is what blew up
        return (
            "Training diverged (non-finite loss or weights) because sample_weight "
            f"is tiny for alpha={est.alpha!r}: the L2 penalty alpha / (2 * "
            "sum(sample_weight)) is huge and dominates the loss. Rescale "
            "sample_weight (the loss only depends on the ratios of the weights) "
            "or lower alpha."
        )
    return (
        f"Training diverged (non-finite loss or weights) with solver={est.solver!r} "
        f"and learning_rate_init={est.learning_rate_init!r}. The learning rate is "
        "probably too large or the inputs/targets are badly scaled (try a smaller "
        "learning_rate_init or a MinMaxScaler/StandardScaler)."
    )


class _BaseBackprop(
    ClassNamePrefixFeaturesOutMixin, CallbackSupportMixin, BaseEstimator
):
    """Shared machinery of the backprop estimators (not public)."""

    # the HTML repr (notebooks) links the estimator to its API page, and each
    # parameter to its entry there (scikit-learn's text fragments); classes
    # outside skbackprop (user subclasses) get no link
    _doc_link_module = "skbackprop"
    _doc_link_template = (
        _docs.DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"
    )

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), tuple, list],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "init": [StrOptions({"glorot_uniform", "uniform"}), callable],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "scoring": [StrOptions({"loss"}), None],
        "transform_layer": [Integral],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    }

    # ------------------------------------------------------------------
    # the model
    def _network(self, dtype=None, activation=None):
        """The fitted model as an engine network, packed from the public
        ``coefs_``/``intercepts_`` (a copy: edits of them are honoured, and
        the estimator is never written by the caller's passes)."""
        dtype = np.dtype(self._dtype_name if dtype is None else dtype)
        layout = Layout(self._layer_units, self._fitted_intercept)
        theta = layout.pack(self.coefs_, self.intercepts_, dtype)
        return Network(
            layout,
            self._fitted_activation if activation is None else activation,
            self.out_activation_,
            self._loss_name(),
            dtype,
            theta,
            self._loss_params(),
        )

    def _new_network(self, layout, dtype):
        return Network(
            layout,
            _activation_setting(self.activation),
            self.out_activation_,
            self._loss_name(),
            dtype,
            loss_params=self._loss_params(),
        )

    def _loss_params(self):
        """The parameters of the loss, for the engine's network (none here)."""
        return None

    def _stacked_network(self, layer_units, dtype, n_restarts):
        """A freshly initialised network, or ``n_restarts`` stacked ones."""
        layout = Layout(layer_units, self.fit_intercept, n_restarts)
        # parameters, gradient, two snapshots, best weights, optimizer state
        # and scratch: about eight vectors, plus the batch buffers
        batch = 200 if self.batch_size == "auto" else self.batch_size
        n_bytes = np.dtype(dtype).itemsize * (
            8 * layout.n_total + 3 * n_restarts * batch * sum(layer_units[1:])
        )
        message = (
            f"n_init={n_restarts} stacked restarts need about {n_bytes / 1e9:.3g} "
            f"GB ({n_restarts} copies of {layout.n_total // n_restarts} parameters "
            "with their gradients and optimizer state); use a smaller n_init."
        )
        if n_restarts > 1 and n_bytes > _physical_memory():
            raise ValueError(message)
        try:
            net = self._new_network(layout, dtype)
        except MemoryError:
            raise ValueError(message) from None
        initialize(net, self._random_state, self.init)
        return net

    def _lbfgs_starts(self, layer_units, dtype, n_restarts):
        """The initial networks of the L-BFGS runs, made one at a time."""
        layout = Layout(layer_units, self.fit_intercept)
        return sequential_starts(
            lambda: self._new_network(layout, dtype),
            n_restarts,
            self._random_state,
            self.init,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------
    # fitting: input
    def _discard_fitted_state(self):
        """Forget everything a fit sets, so that a failed fresh fit leaves an
        unfitted estimator rather than a mix of old and new attributes."""
        for name in list(vars(self)):
            fitted = name.endswith("_") and not name.startswith("__")
            if fitted or name in _PRIVATE_FITTED:
                delattr(self, name)

    def _fit(self, X, y, sample_weight=None, incremental=False, held_out=None):
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        try:
            return self._fit_checked(
                X, y, sample_weight, incremental, first_pass, held_out
            )
        except BaseException:
            if first_pass:
                self._discard_fitted_state()
            raise

    def _validate_fit_data(self, X, y, sample_weight, incremental, first_pass):
        """The checked data of one call (:class:`_FitData`): ``y`` encoded as
        a 2-D float array of the dtype of ``X``, the sample weights rescaled
        and ``alpha`` with them."""
        check_learning_rate_init(self.learning_rate_init)
        check_warmup(self.learning_rate, self.warmup_epochs, self.max_iter)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=(np.float64, np.float32),
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not is_classifier(self):
            if y.dtype.kind in "mM":
                raise ValueError(
                    f"Regression target y has dtype {y.dtype} (dates or durations); "
                    "convert it to numbers first, e.g. y.astype('int64') or a "
                    "number of days."
                )
            # an object target such as [1.0, None] becomes NaN only after
            # sklearn's finiteness check
            assert_all_finite(y, input_name="y")
        X_user, y_user = X, y
        # classes are those of every row, zero weights included (as sklearn)
        y = self._encode_y(y, incremental, first_pass)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        alpha, shift = float(self.alpha), 0
        table = self._class_weight_table(y, incremental)
        if sample_weight is not None or table is not None:
            factor = None if table is None else row_weights(table, y)
            sample_weight, shift = validate_sample_weight(
                sample_weight, X.shape[0], X.dtype, factor
            )
            alpha = penalty_for_weights(alpha, shift)
        y = np.ascontiguousarray(cast(np.asarray(y), X.dtype, "y"))
        if sample_weight is not None and not (sample_weight > 0).all():
            # zero weights are exactly equivalent to removing the rows
            keep = sample_weight > 0
            X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
        if not issparse(X):
            X = np.ascontiguousarray(X)
        return _FitData(X, y, sample_weight, alpha, X_user, y_user, shift, table)

    def _class_weight_table(self, y, incremental):
        """Class weights (the classifier's ``class_weight``); None here."""
        return None

    def _check_held_out(self, X_val, y_val, sample_weight_val):
        """The validation set given to ``fit`` (:class:`_HeldOut`), or None;
        refused where early stopping does not run."""
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError(
                    "sample_weight_val is provided, but X_val and y_val were not."
                )
            return None
        if y_val is None:
            raise ValueError("X_val is provided, but y_val was not provided.")
        if X_val is None:
            raise ValueError("y_val is provided, but X_val was not provided.")
        if not self.early_stopping or self.solver == "lbfgs":
            raise ValueError(
                "X_val and y_val are the validation set of early stopping: set "
                "early_stopping=True (with solver='sgd' or 'adam') to use them, "
                f"got early_stopping={self.early_stopping!r} and "
                f"solver={self.solver!r}."
            )
        return _HeldOut(X_val, y_val, sample_weight_val)

    def _held_out_validation(self, held_out, data, dtype):
        """The :class:`Validation` of a set given to ``fit``, checked against
        the training data, in the model's dtype, its weights scaled (and
        weighted by class) as the training weights were."""
        X_val = check_array(
            held_out.X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            input_name="X_val",
        )
        if X_val.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X_val has {X_val.shape[1]} features, but the training data X "
                f"has {self.n_features_in_}."
            )
        validate_data(self, held_out.X, reset=False, skip_check_array=True)
        y_val = self._encode_held_out_y(held_out.y)
        if y_val.ndim == 1:
            y_val = y_val.reshape(-1, 1)
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} rows but y_val has {y_val.shape[0]}."
            )
        if y_val.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y_val has {y_val.shape[1]} columns but the training target y "
                f"has {self.n_outputs_}."
            )
        sw = held_out.sample_weight
        table = data.class_weights
        if sw is not None or table is not None or data.sample_weight is not None:
            factor = None if table is None else row_weights(table, y_val)
            sw, _ = validate_sample_weight(
                sw,
                X_val.shape[0],
                dtype,
                factor,
                data.weight_shift,
                "sample_weight_val",
            )
        y_val = np.ascontiguousarray(cast(np.asarray(y_val), dtype, "y_val"))
        X_val = cast(X_val, dtype, "X_val")
        return self._validation(X_val, y_val, sw)

    def _check_partial_fit(self):
        # early stopping holds out part of one data set; partial_fit gets new
        # data at every call (scikit-learn refuses it too)
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")

    def _check_continuation(self, layer_units):
        """A continued fit (warm start, partial_fit) must keep the network."""
        if list(self._layer_units) != layer_units:
            raise ValueError(
                "Cannot continue training (warm_start or partial_fit): the "
                f"architecture changed from {list(self._layer_units)} to "
                f"{layer_units} (input, hidden_layer_sizes, outputs). Set "
                "warm_start=False or refit from scratch."
            )
        if self._fitted_intercept != bool(self.fit_intercept):
            raise ValueError(
                "Cannot continue training (warm_start or partial_fit): "
                f"fit_intercept changed from {self._fitted_intercept} to "
                f"{self.fit_intercept}, which changes the parameters of the "
                "network. Set warm_start=False or refit from scratch."
            )
        self._check_out_activation()

    def _fit_checked(self, X, y, sample_weight, incremental, first_pass, held_out):
        hidden = hidden_sizes(self.hidden_layer_sizes)
        hidden_activations(self.activation, len(hidden))  # names and length
        dropout_rates(self.dropout, len(hidden), self.solver)  # fail early
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        data = self._validate_fit_data(X, y, sample_weight, incremental, first_pass)
        layer_units = [data.X.shape[1], *hidden, data.y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        start = None  # the network a continued fit starts from
        if first_pass:
            self._initialize(data.y, layer_units, data.X.dtype)
        else:
            self._check_continuation(layer_units)
            # packs (and checks) the public weights, which may have been edited
            start = self._network(activation=_activation_setting(self.activation))
            dtype = np.dtype(self._dtype_name)
            sw = data.sample_weight
            data = data._replace(
                X=cast(data.X, dtype, "X"),
                y=cast(data.y, dtype, "y"),
                sample_weight=None if sw is None else cast(sw, dtype, "sample_weight"),
            )
        X, y, sample_weight = data.X, data.y, data.sample_weight
        X_user, y_user = data.X_user, data.y_user
        validation = None
        if held_out is not None:
            validation = self._held_out_validation(held_out, data, X.dtype)
        root = self._callback_root(first_pass, incremental, X_user, y_user, metadata)
        hooks = None
        if root is not None and getattr(self, "_skl_callbacks", None):
            hooks = EpochCallbacks(self, root, X_user, y_user, metadata)
        with np.errstate(all="ignore"):
            R = self.n_init if first_pass and not incremental else 1
            residual_sums = None
            if self.solver == "lbfgs":
                starts = (
                    iter([start])
                    if start is not None
                    else self._lbfgs_starts(layer_units, X.dtype, R)
                )
                self._fit_lbfgs(starts, R, data, hooks)
            else:
                net = (
                    start
                    if start is not None
                    else self._stacked_network(layer_units, X.dtype, R)
                )
                residual_sums = self._fit_stochastic(
                    net, data, incremental, hooks, validation
                )
            self._after_fit(X, y, sample_weight, residual_sums)
        if root is not None:
            root.call_on_fit_task_end(
                estimator=self,
                X=X_user,
                y=y_user,
                metadata=metadata,
                reconstruction_attributes={},
            )
        return self

    def _callback_root(self, first_pass, incremental, X, y, metadata):
        if not hasattr(self, "_init_callback_context"):
            return None
        if self.solver != "lbfgs":
            max_subtasks = self.max_iter
        elif first_pass and not incremental and self.n_init > 1:
            max_subtasks = None  # restarts run one after the other
        else:  # L-BFGS: the last iteration opens a subtask it never runs
            max_subtasks = self.max_iter + 1
        root = self._init_callback_context(max_subtasks=max_subtasks)
        root.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        return root

    #: whether the minibatch loop sums the squared residuals of its epochs
    #: (for statistics of the fitted model that :meth:`_after_fit` makes)
    _tracks_residuals = False

    def _after_fit(self, X, y, sample_weight, residual_sums=None):
        """Hook for estimator-specific statistics of the fitted model;
        ``residual_sums``: the kept network's per-output sums of squared
        residuals over its last minibatch epoch, where the loop has them."""

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self._check_out_activation()
        self._layer_units = list(layer_units)
        self._fitted_activation = _activation_setting(self.activation)
        self._fitted_intercept = bool(self.fit_intercept)
        self._dtype_name = np.dtype(dtype).name
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._optimizer_state = None
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self.best_validation_loss_ = None
        self.best_loss_ = None

    def _check_out_activation(self):
        pass

    # ------------------------------------------------------------------
    # fitting: the pieces and the loop
    def _fit_lbfgs(self, starts, n_restarts, data, hooks):
        """L-BFGS from each network of ``starts``, one after the other."""
        X, y, sample_weight = data.X, data.y, data.sample_weight
        if n_restarts > _MANY_LBFGS_RESTARTS:
            warnings.warn(
                f"n_init={n_restarts} with solver='lbfgs': the restarts run one "
                f"after the other, so this fit runs {n_restarts} complete L-BFGS "
                "optimisations. With solver='sgd' or 'adam' restarts are stacked "
                "and trained together."
            )
        config = StochasticConfig(self.max_iter, data.alpha, verbose=self.verbose)
        kwargs = {"config": config, "tol": self.tol, "max_fun": self.max_fun}
        self._optimizer_state = None
        try:
            if n_restarts > 1:
                result = train_lbfgs_restarts(
                    starts, n_restarts, X, y, sample_weight, hooks=hooks, **kwargs
                )
            else:
                result = train_lbfgs(
                    next(starts), X, y, sample_weight, hooks=hooks, **kwargs
                )
        except TrainingDiverged:
            raise ValueError(_divergence_message(self, data.alpha)) from None
        p = result.progress
        self.loss_curve_ = p.loss_curve
        self.n_iter_ = p.n_iter
        self.loss_ = result.loss
        self.best_loss_ = p.best_loss
        self._store_weights(result)
        if result.interrupted:
            warnings.warn(
                "Training interrupted by user; keeping the weights of the last "
                "completed iteration."
            )
        # status 0: converged; 99: a callback asked to stop
        if result.status not in (None, 0, 99):
            if result.status == 1:
                hint = "Increase max_iter/max_fun or scale the data."
            elif self._loss_name() in _KINKED_LOSSES:
                hint = (
                    f"The line search failed: loss={self._loss_name()!r} is not "
                    "differentiable where a residual is zero, and L-BFGS assumes "
                    "a smooth objective; near such a minimum it can stall. The "
                    "weights reached are kept; solver='adam' or 'sgd', or "
                    "loss='huber', avoid this."
                )
            else:
                hint = (
                    "The line search failed: scale the inputs (e.g. with a "
                    "MinMaxScaler) or increase alpha."
                )
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(max_iter={self.max_iter}, max_fun={self.max_fun}): "
                f"{result.message}. {hint}",
                ConvergenceWarning,
            )

    def _store_weights(self, result):
        """Write the kept network and the restart summary."""
        net = result.network
        self.coefs_, self.intercepts_ = net.coefs, net.intercepts
        self._fitted_activation = net.activation
        self.restart_losses_ = np.asarray(result.final_losses, dtype=float)
        self.best_restart_ = int(result.index)

    def _make_optimizer(self, net, stacked):
        """The optimizer (with its schedule) for ``net``'s parameters."""
        params, layout = net.params, net.layout
        rate = layer_rates(self.learning_rate_init, layout, net.dtype)
        n_params = layout.n_params if stacked else None  # rates per restart
        schedule = make_schedule(
            self.learning_rate,
            rate,
            self.power_t,
            n_params,
            max_iter=self.max_iter,
            warmup_epochs=self.warmup_epochs,
        )
        if self.solver == "adam":
            return Adam(
                params, rate, self.beta_1, self.beta_2, self.epsilon, schedule=schedule
            )
        return SGD(
            params,
            rate,
            self.learning_rate,
            self.momentum,
            self.nesterovs_momentum,
            self.power_t,
            schedule=schedule,
        )

    def _continued_optimizer(self, net):
        """The optimizer of the previous ``partial_fit`` call, when it fits."""
        state = self._optimizer_state
        if state is None or state["solver"] != self.solver:
            return None
        optimizer = self._make_optimizer(net, stacked=False)
        try:
            optimizer.load_state(state)
        except (ValueError, KeyError):
            return None
        return optimizer

    def _progress(self, n_restarts, early_stopping):
        """One :class:`Progress` per network, carrying the history of earlier
        calls (None where an earlier fit kept none: another solver, or early
        stopping switched on since)."""
        on_loss = self.scoring == "loss"
        if early_stopping:
            # the attribute may be missing in a model pickled by an older version
            name = "best_validation_loss_" if on_loss else "best_validation_score_"
            best = getattr(self, name, None)
            scores = self.validation_scores_ or []
            losses = self.validation_loss_curve_ or []
        else:
            best, scores, losses = self.best_loss_, None, None
        best_loss = np.inf if self.best_loss_ is None else self.best_loss_
        return [
            Progress(
                rule=StoppingRule(
                    self.tol,
                    self.n_iter_no_change,
                    maximize=early_stopping and not on_loss,
                    best=best,
                    count=self._no_improvement_count,
                ),
                best_loss=best_loss,
                loss_curve=list(self.loss_curve_),
                validation_scores=None if scores is None else list(scores),
                validation_losses=None if losses is None else list(losses),
            )
            for _ in range(n_restarts)
        ]

    def _fit_stochastic(self, net, data, incremental, hooks, validation=None):
        """Minibatch descent on ``net`` (one network or stacked restarts);
        ``validation``: the set given to ``fit`` for early stopping. Returns
        the training result's ``residual_sums`` (None where not tracked)."""
        X, y, sample_weight = data.X, data.y, data.sample_weight
        R = net.layout.n_restarts
        optimizer = None
        if incremental and R == 1:
            optimizer = self._continued_optimizer(net)
        if optimizer is None:
            optimizer = self._make_optimizer(net, stacked=R > 1)
        if validation is None and self.early_stopping and not incremental:
            # partial_fit trains on all its data
            X, y, sample_weight, validation = self._validation_split(
                X, y, sample_weight
            )
        batches = self._minibatches(X, y, sample_weight)
        rates = dropout_rates(self.dropout, net.layout.n_layers - 1, self.solver)
        # the masks' seed, derived without drawing: the weights, split and
        # shuffles are those of the same fit without dropout
        seed = None if rates is None else derived_seed(self._random_state)
        config = StochasticConfig(
            self.max_iter,
            data.alpha,
            incremental,
            self.verbose,
            self.t_,
            track_residuals=self._tracks_residuals,
            max_grad_norm=self.max_grad_norm,
            dropout=rates,
            dropout_seed=seed,
        )
        progress = self._progress(R, validation is not None)
        trainer = StochasticTrainer(
            net, optimizer, batches, progress, config, validation, hooks
        )
        try:
            result = trainer.run()
        except TrainingDiverged:
            raise ValueError(_divergence_message(self, data.alpha)) from None
        self._store_stochastic(result, batches.n_samples, validation is not None)
        self._optimizer_state = None
        if R == 1:
            self._optimizer_state = {"solver": self.solver, **optimizer.state_dict()}
        self._warn_stochastic(result, R, validation is not None, data.alpha)
        return result.residual_sums

    def _store_stochastic(self, result, n_samples, early_stopping):
        p = result.progress
        self.n_iter_ = p.n_iter
        self.t_ += p.n_iter * n_samples
        self.loss_curve_ = p.loss_curve
        self.loss_ = result.loss
        self.best_loss_ = None if early_stopping else p.best_loss
        self._no_improvement_count = p.rule.count
        if early_stopping:
            self.validation_scores_ = p.validation_scores
            self.validation_loss_curve_ = p.validation_losses
            on_loss = self.scoring == "loss"
            self.best_validation_score_ = None if on_loss else p.rule.best
            self.best_validation_loss_ = p.rule.best if on_loss else None
        self._store_weights(result)

    def _warn_stochastic(self, result, R, early_stopping, alpha):
        if result.interrupted:
            kept = (
                "the best validation score so far"
                if early_stopping
                else "the last completed epoch"
            )
            warnings.warn(
                f"Training interrupted by user; keeping the weights of {kept}."
            )
        if result.n_diverged:
            if R == 1:
                detail = f" Keeping the weights of epoch {self.n_iter_}."
            else:
                detail = (
                    f" {result.n_diverged} of {R} restarts stopped early; keeping "
                    f"restart {result.index} after {self.n_iter_} epoch(s)."
                )
            warnings.warn(_divergence_message(self, alpha) + detail, DivergenceWarning)
        if result.exhausted:  # never for partial_fit's one epoch
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    def _minibatches(self, X, y, sample_weight):
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the number of "
                    f"training samples ({n_samples}); it is clipped to {n_samples}."
                )
            batch_size = int(min(self.batch_size, n_samples))
        return Minibatches(
            X, y, sample_weight, batch_size, self.shuffle, self._random_state
        )

    def _validation_split(self, X, y, sample_weight):
        """Hold out ``validation_fraction`` of the data for early stopping.

        Returns
        -------
        X, y, sample_weight : the training part
        validation : Validation
        """
        # as scikit-learn: stratified for single-output classification (a
        # class with one member is an error), never enlarged
        stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        parts = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if parts[1].shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        X_tr, X_val, y_tr, y_val = parts[:4]
        sw_tr, sw_val = (None, None) if sample_weight is None else parts[4:6]
        if not issparse(X_tr):
            X_tr = np.ascontiguousarray(X_tr)
        validation = self._validation(X_val, y_val, sw_val)
        return X_tr, np.ascontiguousarray(y_tr), sw_tr, validation

    def _validation(self, X_val, y_val, sample_weight_val):
        """The :class:`Validation` of early stopping on encoded targets."""
        labels = self._decode_y(y_val)

        def score(out):
            return self._score_output(out, labels, sample_weight_val)

        monitor = "loss" if self.scoring == "loss" else "score"
        return Validation(X_val, y_val, sample_weight_val, score, monitor)

    # ------------------------------------------------------------------
    # prediction
    def _forward_output(self, X):
        """Output activations for ``X``; reads the model, writes nothing."""
        return self._forward(X, None)

    def _forward(self, X, layer):
        """Activations for ``X`` of the output layer (``layer`` None) or of
        hidden layer ``layer``, through a network packed for this call;
        warns where they are not finite."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        net = self._network()
        X = cast(X, net.dtype, "X")
        with np.errstate(all="ignore"):
            out = net.predict(X) if layer is None else net.hidden_activations(X, layer)
        bad = ~np.isfinite(out).all(axis=1)
        if bad.any():
            what = "network's output is" if layer is None else "hidden activations are"
            warnings.warn(
                f"The {what} not finite for {int(bad.sum())} of "
                f"{out.shape[0]} rows: their inputs are probably far outside the "
                "range of the training data (the arithmetic overflows).",
                NonFiniteOutputWarning,
                stacklevel=4,  # the caller of predict, transform, ...
            )
        return out

    def _transform_layer_index(self):
        """``transform_layer`` as a non-negative index into the fitted hidden
        layers; a ValueError when the network has no such layer."""
        hidden = list(self._layer_units[1:-1])
        layer = self.transform_layer
        n_hidden = len(hidden)
        if not isinstance(layer, Integral) or not -n_hidden <= layer < n_hidden:
            if n_hidden == 0:
                detail = (
                    "the network has no hidden layers (hidden_layer_sizes=()), so "
                    "it has no hidden activations to transform to"
                )
            else:
                detail = (
                    f"the network has {n_hidden} hidden layer(s) "
                    f"(hidden_layer_sizes={tuple(hidden)}); use an integer from "
                    f"{-n_hidden} to {n_hidden - 1}"
                )
            raise ValueError(
                f"transform_layer={layer!r} is not a hidden layer of the network: "
                f"{detail}."
            )
        return int(layer) % n_hidden

    @property
    def _n_features_out(self):
        # the width of the transform layer (ClassNamePrefixFeaturesOutMixin's
        # get_feature_names_out reads it). An AttributeError where there is
        # none (NotFittedError is one), so that hasattr() and dir() work on
        # every estimator; get_feature_names_out raises the ValueError.
        check_is_fitted(self)
        try:
            layer = self._transform_layer_index()
        except ValueError as error:
            raise AttributeError(str(error)) from None
        return int(self._layer_units[1 + layer])

    def transform(self, X):
        """Activations of the hidden layer ``transform_layer``: the network as
        a feature extractor.

        ``X`` goes through the weight layers up to that hidden layer and its
        activation function (``activation``), as in :meth:`predict`: the
        model is packed afresh from ``coefs_`` and ``intercepts_`` (edits of
        them are honoured), the rows are processed in chunks of bounded
        memory, and nothing is written to the estimator, so that any number
        of threads may transform with one fitted estimator at the same time.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data; a sparse matrix (CSR or CSC) is multiplied without
            being densified.

        Returns
        -------
        X_new : ndarray of shape (n_samples, width)
            The activations, ``width = hidden_layer_sizes[transform_layer]``,
            in the dtype of the model (float32 for a model fitted on float32
            data).

        Raises
        ------
        ValueError
            If ``transform_layer`` is not the index of a hidden layer of the
            fitted network.
        """
        check_is_fitted(self)
        return self._forward(X, self._transform_layer_index())

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of :meth:`transform`.

        As for scikit-learn's transformers that make new features (e.g.
        :class:`~sklearn.decomposition.PCA`): the lowercased class name
        followed by the unit's index, one name per unit of the hidden layer
        ``transform_layer`` (``"backpropregressor0"``,
        ``"backpropregressor1"``, ... for :class:`BackpropRegressor`).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the feature names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The names of the output features.

        Raises
        ------
        ValueError
            If ``transform_layer`` is not the index of a hidden layer of the
            fitted network.
        """
        check_is_fitted(self)
        self._transform_layer_index()  # the ValueError of a layer that is not there
        return super().get_feature_names_out(input_features)


class BackpropRegressor(RegressorMixin, TransformerMixin, _BaseBackprop):
    __doc__ = _docs.REGRESSOR_DOC

    _parameter_constraints: dict = {
        **_BaseBackprop._parameter_constraints,
        "loss": [
            StrOptions(
                {"squared_error", "poisson", "absolute_error", "huber", "quantile"}
            )
        ],
        "out_activation": [StrOptions({"auto", "identity", "logistic", "tanh", "exp"})],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        fit_intercept=True,
        out_activation="auto",
        init="glorot_uniform",
        n_init=1,
        scoring=None,
        transform_layer=-1,
        warmup_epochs=0,
        max_grad_norm=None,
        quantile=0.5,
        huber_delta=1.0,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.fit_intercept = fit_intercept
        self.out_activation = out_activation
        self.init = init
        self.n_init = n_init
        self.scoring = scoring
        self.transform_layer = transform_layer
        self.warmup_epochs = warmup_epochs
        self.max_grad_norm = max_grad_norm
        self.quantile = quantile
        self.huber_delta = huber_delta

    def _loss_name(self):
        return self.loss

    def _loss_params(self):
        if self.loss == "huber":
            return {"delta": float(self.huber_delta)}
        if self.loss == "quantile":
            return {"quantile": float(self.quantile)}
        return None

    def _output_activation(self):
        if self.out_activation != "auto":
            return self.out_activation
        return "exp" if self.loss == "poisson" else "identity"

    def _check_out_activation(self):
        # the residual losses (squared, absolute, huber, quantile) are finite
        # for any prediction: every output activation suits them (a bounded
        # one restricts the range of the predictions)
        self.out_activation_ = self._output_activation()
        if self.loss == "poisson" and self.out_activation_ not in ("exp", "logistic"):
            raise ValueError(
                "loss='poisson' needs a positive output activation ('exp' or "
                f"'logistic'), got out_activation={self.out_activation!r}."
            )

    def _encode_y(self, y, incremental, first_pass):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets y.")
        return y

    def _decode_y(self, y):
        return y

    def _encode_held_out_y(self, y_val):
        y_val = check_array(y_val, ensure_2d=False, dtype="numeric", input_name="y_val")
        return self._encode_y(y_val, incremental=True, first_pass=False)

    def _score_output(self, out, y, sample_weight):
        if not np.isfinite(out).all():
            return np.nan  # as scikit-learn: a diverged network has no score
        return r2_score(y, out, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 input keeps the whole model in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights (a number weighs every row alike); the loss
            becomes a weighted mean. Rows with weight zero are dropped,
            exactly as if they were absent. Only the ratios matter to the
            loss (the L2 penalty is divided by their sum): weights of any
            magnitude, from subnormal to near the largest float, work.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Validation set of early stopping (needs ``early_stopping=True``
            and a stochastic solver), used instead of holding out
            ``validation_fraction`` of ``X``; ``validation_scores_`` and
            ``validation_loss_curve_`` are computed on it. In a
            :class:`~sklearn.pipeline.Pipeline`, ``transform_input=["X_val"]``
            passes it through the steps fitted on ``X`` (metadata routing).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation rows (in the scale of ``sample_weight``:
            the validation loss divides the L2 penalty by their sum).

        Returns
        -------
        self : BackpropRegressor
            The fitted estimator.
        """
        held_out = self._check_held_out(X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, held_out=held_out)

    @available_if(lambda est: est.solver in _STOCHASTIC_SOLVERS)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``(X, y)``, starting from the current weights.

        Only available for ``solver`` 'sgd' and 'adam'.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : BackpropRegressor
            The updated estimator.
        """
        self._check_partial_fit()
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    _tracks_residuals = True

    def _after_fit(self, X, y, sample_weight, residual_sums=None):
        # Maximum-likelihood noise variance of the Gaussian reading of the
        # squared error: 1 / beta_ML = mean squared training residual. After
        # minibatch descent, the residuals of the last epoch (each batch's
        # before its update, as loss_): no pass over the data beyond the
        # epochs. Otherwise one prediction of the training data.
        weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        if residual_sums is not None:
            variance = residual_sums / float(weight_sum)
        else:
            residual = self._network().predict(X)
            residual -= y
            residual *= residual
            if sample_weight is None:
                variance = residual.mean(axis=0)
            else:
                variance = sample_weight @ residual / weight_sum
        self.noise_variance_ = np.asarray(variance, dtype=np.float64)

    def predict(self, X, return_std=False):
        """Predict with the trained network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            Also return the standard deviation of the observation noise,
            ``sqrt(noise_variance_)``, for every sample. It is homoscedastic
            (the same for all samples): the spread of the targets around the
            network's output estimated on the training data, not the
            uncertainty of the network's weights.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Noise standard deviation; only with ``return_std=True``.
        """
        out = self._forward_output(X)
        if out.shape[1] == 1:
            out = out.ravel()
        if not return_std:
            return out
        std = np.sqrt(self.noise_variance_).astype(out.dtype)
        return out, np.broadcast_to(std if out.ndim == 2 else std[0], out.shape).copy()

    # bound in the class body: set_output wraps only the transform a
    # TransformerMixin subclass defines itself (and the API pages list the
    # class's own methods)
    transform = _BaseBackprop.transform
    get_feature_names_out = _BaseBackprop.get_feature_names_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class BackpropClassifier(ClassifierMixin, TransformerMixin, _BaseBackprop):
    __doc__ = _docs.CLASSIFIER_DOC

    _parameter_constraints: dict = {
        **_BaseBackprop._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "class_weight": [StrOptions({"balanced"}), dict, list, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        loss="log_loss",
        fit_intercept=True,
        init="glorot_uniform",
        n_init=1,
        class_weight=None,
        scoring=None,
        transform_layer=-1,
        warmup_epochs=0,
        max_grad_norm=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.init = init
        self.n_init = n_init
        self.class_weight = class_weight
        self.scoring = scoring
        self.transform_layer = transform_layer
        self.warmup_epochs = warmup_epochs
        self.max_grad_norm = max_grad_norm

    def _loss_name(self):
        return self.loss

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _encode_y(self, y, incremental, first_pass, classes=None):
        check_classification_targets(y)
        if first_pass and not incremental or not hasattr(self, "classes_"):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if classes is None else classes)
            self.classes_ = self._label_binarizer.classes_
        else:
            labels = unique_labels(y)
            if self.warm_start and not incremental:
                if set(labels) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes "
                        f"as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {labels}."
                    )
            elif len(np.setdiff1d(labels, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
        return self._label_binarizer.transform(y)

    def _decode_y(self, y):
        if y.shape[1] == 1:
            y = y.ravel()
        return self._label_binarizer.inverse_transform(y)

    def _class_weight_table(self, y, incremental):
        if incremental and isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one "
                "batch does not tell the class frequencies. Compute the weights "
                "with sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on a representative sample of the targets "
                "and pass them as a dict."
            )
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        return class_weight_table(self.class_weight, y, self.classes_, multilabel)

    def _encode_held_out_y(self, y_val):
        y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val)
        check_classification_targets(y_val)
        if self._label_binarizer.y_type_ != "multilabel-indicator":
            unseen = np.setdiff1d(unique_labels(y_val), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y_val has classes {unseen.tolist()!r} that are not in the "
                    f"training classes {self.classes_.tolist()!r}."
                )
        return self._label_binarizer.transform(y_val)

    def _score_output(self, out, y, sample_weight):
        return accuracy_score(y, self._decode_y(out), sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 input keeps the whole model in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a binary indicator matrix for multilabel.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights (a number weighs every row alike); the loss
            becomes a weighted mean. Rows with weight zero are dropped,
            exactly as if they were absent. Only the ratios matter to the
            loss (the L2 penalty is divided by their sum): weights of any
            magnitude, from subnormal to near the largest float, work.
            ``class_weight`` multiplies into them.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Validation set of early stopping (needs ``early_stopping=True``
            and a stochastic solver), used instead of holding out
            ``validation_fraction`` of ``X``; ``validation_scores_`` and
            ``validation_loss_curve_`` are computed on it. In a
            :class:`~sklearn.pipeline.Pipeline`, ``transform_input=["X_val"]``
            passes it through the steps fitted on ``X`` (metadata routing).
        y_val : array-like of shape (n_val,) or (n_val, n_classes), default=None
            Labels of ``X_val``, among the classes of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation rows (in the scale of ``sample_weight``:
            the validation loss divides the L2 penalty by their sum);
            ``class_weight`` multiplies into them.

        Returns
        -------
        self : BackpropClassifier
            The fitted estimator.
        """
        held_out = self._check_held_out(X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, held_out=held_out)

    @available_if(lambda est: est.solver in _STOCHASTIC_SOLVERS)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over ``(X, y)``, starting from the current weights.

        Only available for ``solver`` 'sgd' and 'adam'.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear; required on the first call,
            ignored (but checked for consistency) afterwards.

        Returns
        -------
        self : BackpropClassifier
            The updated estimator.
        """
        self._check_partial_fit()
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            binarizer = LabelBinarizer()
            with np.errstate(all="ignore"):  # NaN in y: a clear error below
                target_type = type_of_target(y, input_name="y")
            if target_type.startswith("multilabel"):
                binarizer.fit(y)  # the indicator matrix gives the labels
            else:
                binarizer.fit(np.asarray(classes))
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to "
                f"partial_fit: {self.classes_!r}."
            )
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels.
        """
        return self._decode_y(self._forward_output(X))

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``; rows sum
            to one except for multilabel targets (independent probabilities).
        """
        out = self._forward_output(X)
        if self.out_activation_ == "logistic":
            # Keep probabilities of saturated logistic units strictly inside
            # (0, 1) so that their logarithms stay finite.
            eps = np.finfo(out.dtype).eps
            np.clip(out, eps, 1 - eps, out=out)
            if (
                out.shape[1] == 1
                and self._label_binarizer.y_type_ != "multilabel-indicator"
            ):
                return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    # bound in the class body: set_output wraps only the transform a
    # TransformerMixin subclass defines itself (and the API pages list the
    # class's own methods)
    transform = _BaseBackprop.transform
    get_feature_names_out = _BaseBackprop.get_feature_names_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
