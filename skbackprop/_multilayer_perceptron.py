"""BackpropRegressor and BackpropClassifier: the scikit-learn estimators."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse as sp_issparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
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


from ._activations import HIDDEN_ACTIVATIONS
from ._network import Network
from ._solvers import SGD, Adam, minimize_lbfgs

_STOCHASTIC_SOLVERS = ("sgd", "adam")


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights became non-finite.

    The model keeps the weights of the last epoch that ended finite.
    """


def _divergence_message(est):
    return (
        f"Training diverged (non-finite loss or weights) with solver={est.solver!r} "
        f"and learning_rate_init={est.learning_rate_init!r}. The learning rate is "
        "probably too large or the inputs/targets are badly scaled (try a smaller "
        "learning_rate_init or a MinMaxScaler/StandardScaler)."
    )


def _cast(array, dtype, name):
    """``array`` as ``dtype``; a ValueError if values overflow the new dtype."""
    if array.dtype == dtype:
        return array
    with np.errstate(all="ignore"):
        cast = array.astype(dtype)
    data = cast.data if sp_issparse(cast) else cast
    if not np.isfinite(data).all():
        raise ValueError(
            f"{name} has values too large for {np.dtype(dtype).name} (the dtype of "
            f"the model, set by the training data X); scale {name} down or use "
            "float64 data."
        )
    return cast


def _validate_sample_weight(sample_weight, n_samples, dtype):
    if isinstance(sample_weight, Real) and not isinstance(sample_weight, bool):
        # a number weighs every sample alike, as in scikit-learn
        sample_weight = np.full(n_samples, float(sample_weight))
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=np.float64,
        input_name="sample_weight",
    )
    if sample_weight.ndim != 1:
        raise ValueError(
            f"sample_weight must be 1D, got an array of shape {sample_weight.shape}."
        )
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {sample_weight.shape[0]} entries but X has "
            f"{n_samples} samples."
        )
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative.")
    if not np.any(sample_weight > 0):
        raise ValueError(
            "sample_weight must not be all zero: at least one weight must be positive."
        )
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not np.isfinite(total):
        raise ValueError(
            "sample_weight is too large: its sum overflows. Rescale the weights "
            "(the loss only depends on their ratios; the L2 penalty is divided "
            "by their sum)."
        )
    return _cast(sample_weight, dtype, "sample_weight")


class _Minibatches:
    """Iterate over one epoch of minibatches; shuffled rows are gathered into
    buffers allocated once. Full-batch descent is never shuffled (the order of
    the rows cannot change the gradient)."""

    def __init__(self, X, y, sample_weight, batch_size, shuffle, rng):
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.n_samples = n = X.shape[0]
        self.batch_size = batch_size
        self.full_batch = batch_size == n
        self.shuffle = shuffle and not self.full_batch
        self.rng = rng
        self.starts = list(range(0, n, batch_size))
        self.dense = not sp_issparse(X)
        if self.shuffle:
            self.idx = np.arange(n)
            if self.dense:
                self.x_buf = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
            self.y_buf = np.empty((batch_size, y.shape[1]), dtype=y.dtype)
            if sample_weight is not None:
                self.sw_buf = np.empty(batch_size, dtype=sample_weight.dtype)

    def __iter__(self):
        X, y, sw, n = self.X, self.y, self.sample_weight, self.n_samples
        if self.full_batch:
            yield X, y, sw, n
            return
        bs = self.batch_size
        if not self.shuffle:
            for start in self.starts:
                stop = min(start + bs, n)
                swb = None if sw is None else sw[start:stop]
                yield X[start:stop], y[start:stop], swb, stop - start
            return
        idx = self.idx
        self.rng.shuffle(idx)
        for start in self.starts:
            stop = min(start + bs, n)
            m = stop - start
            batch = idx[start:stop]
            if self.dense:
                Xb = np.take(X, batch, axis=0, out=self.x_buf[:m])
            else:
                Xb = X[batch]
            yb = np.take(y, batch, axis=0, out=self.y_buf[:m])
            swb = None if sw is None else np.take(sw, batch, out=self.sw_buf[:m])
            yield Xb, yb, swb, m


class _EpochCallbacks:
    """Calls scikit-learn's callback hooks around epochs (one subtask each).

    The fit is the root task; every epoch (every L-BFGS iteration) is a
    subtask. ``end()`` returns True when a callback asks to stop training.
    Built only when the estimator has callbacks, so plain fits pay nothing.
    """

    def __init__(self, estimator, root, X, y, metadata):
        self.estimator, self.root = estimator, root
        self.X, self.y, self.metadata = X, y, metadata
        self._current = None

    def fitted_attributes(self):
        # A copy of the current weights for the ``fitted_estimator`` handed to
        # callbacks (built lazily, only for callbacks that ask for it).
        est = self.estimator
        net = est._net
        copy = est._make_network(net.layer_units, net.dtype, net.theta.copy())
        return {
            "_net": copy,
            "coefs_": copy.coefs,
            "intercepts_": copy.intercepts,
            "n_iter_": est.n_iter_,
            "loss_curve_": list(est.loss_curve_),
        }

    def begin(self, task_name="epoch"):
        self._current = self.root.subcontext(task_name=task_name)
        self._current.call_on_fit_task_begin(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=self.fitted_attributes,
        )

    def end(self):
        ctx, self._current = self._current, None
        return bool(
            ctx.call_on_fit_task_end(
                estimator=self.estimator,
                X=self.X,
                y=self.y,
                metadata=self.metadata,
                reconstruction_attributes=self.fitted_attributes,
            )
        )

    def close(self):
        """End a subtask left open (interrupted epoch) as an empty task."""
        if self._current is not None:
            self._current.call_on_fit_task_end(estimator=self.estimator)
            self._current = None


class _BaseBackprop(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of the backprop estimators (not public)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
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
    }

    # ------------------------------------------------------------------
    # helpers
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(
                s, (Integral, np.integer)
            ):
                raise ValueError(
                    f"hidden_layer_sizes must contain positive integers, got {sizes!r}."
                )
            if s <= 0:
                raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes!r}.")
        return [int(s) for s in sizes]

    def _make_network(self, layer_units, dtype, theta=None, n_restarts=1):
        return Network(
            layer_units,
            self.activation,
            self.out_activation_,
            self._loss_name(),
            fit_intercept=self.fit_intercept,
            dtype=dtype,
            theta=theta,
            n_restarts=n_restarts,
        )

    def _init_layers(self, coefs, intercepts):
        """Draw initial weights into ``coefs``/``intercepts`` (lists of arrays).

        ``'glorot_uniform'`` draws ``U[-s, s]`` with ``s = sqrt(k / (fan_in +
        fan_out))`` (``k = 2`` for logistic units, 6 otherwise), in
        scikit-learn's order, so a fit starts from the same weights as
        ``MLPRegressor``/``MLPClassifier`` with the same ``random_state``.
        """
        rng = self._random_state
        init = self.init
        factor = 2.0 if self.activation == "logistic" else 6.0
        for W, b in zip(coefs, intercepts):
            fan_in, fan_out = W.shape
            if callable(init):
                drawn = init(rng, fan_in, fan_out)
                W_init, b_init = drawn if isinstance(drawn, tuple) else (drawn, 0.0)
                W_init = np.asarray(W_init)
                if W_init.shape != W.shape or np.shape(b_init) not in ((), b.shape):
                    raise ValueError(
                        f"init returned weights of shape {W_init.shape} (and "
                        f"intercepts of shape {np.shape(b_init)}); expected "
                        f"{W.shape} and {b.shape}."
                    )
            else:
                bound = (
                    1.0 if init == "uniform" else np.sqrt(factor / (fan_in + fan_out))
                )
                W_init = rng.uniform(-bound, bound, (fan_in, fan_out))
                b_init = rng.uniform(-bound, bound, fan_out)
            if not np.all(np.isfinite(W_init)) or not np.all(np.isfinite(b_init)):
                raise ValueError("init produced non-finite initial weights.")
            W[...] = W_init
            b[...] = b_init if self.fit_intercept else 0.0

    def _init_theta(self, net):
        """Initialise every restart of ``net`` in turn."""
        if net.n_restarts == 1:
            self._init_layers(net.coefs, net.intercepts)
        else:
            for r in range(net.n_restarts):
                self._init_layers(
                    [c[r] for c in net.coefs], [b[r] for b in net.intercepts]
                )

    def _learning_rates(self, net):
        """Step size per trainable parameter: a float, or an array for
        per-layer rates (``learning_rate_init`` given as a sequence)."""
        lr = self.learning_rate_init
        if np.ndim(lr) == 0:
            return float(lr)
        lr = np.asarray(lr, dtype=float)  # values checked by _check_learning_rate_init
        n_weight_layers = net.n_layers
        if lr.ndim != 1 or lr.shape[0] != n_weight_layers:
            raise ValueError(
                f"learning_rate_init has {lr.size} entries but the network has "
                f"{n_weight_layers} weight layers (hidden_layer_sizes + output); "
                "give one rate per layer or a single float."
            )
        rates = np.empty(net.n_total, dtype=net.dtype)
        coefs, intercepts = net._views(rates)
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            c[...] = lr[i]
            b[...] = lr[i]
        return rates[: net.n_params]

    def _check_learning_rate_init(self):
        """A sequence of per-layer rates must hold positive finite numbers
        (for every solver, so that a grid over solvers fails early)."""
        lr = self.learning_rate_init
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

    def _bind(self, net):
        self._net = net
        self.coefs_ = net.coefs
        self.intercepts_ = net.intercepts

    def _sync_params(self):
        """Make the network see parameters assigned through ``coefs_``/``intercepts_``.

        Writing into the arrays needs no sync (they are views of the flat
        buffer); re-binding the attributes to new arrays does.
        """
        net = self._net
        coefs, intercepts = self.coefs_, self.intercepts_
        if (
            coefs is net.coefs
            and intercepts is net.intercepts
            and all(a is b for a, b in zip(coefs, net.coefs))
            and all(a is b for a, b in zip(intercepts, net.intercepts))
        ):
            return
        if len(coefs) != net.n_layers or len(intercepts) != net.n_layers:
            raise ValueError(
                f"coefs_ and intercepts_ must have {net.n_layers} entries, got "
                f"{len(coefs)} and {len(intercepts)}."
            )
        for name, new, old in (
            ("coefs_", coefs, net.coefs),
            ("intercepts_", intercepts, net.intercepts),
        ):
            for i, (a, b) in enumerate(zip(new, old)):
                a = np.asarray(a)
                if a.shape != b.shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {a.shape}, expected {b.shape}."
                    )
                b[...] = a
        self._bind(net)

    def __getstate__(self):
        if "_net" in self.__dict__:
            self._sync_params()
        state = super().__getstate__()
        if "_net" in state:
            state = dict(state)
            state.pop("coefs_", None)
            state.pop("intercepts_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_net" in self.__dict__:
            self._bind(self._net)

    # ------------------------------------------------------------------
    # fitting
    def _discard_fitted_state(self):
        """Forget everything a fit sets, so that a failed fresh fit leaves an
        unfitted estimator rather than a mix of old and new attributes."""
        private = ("_net", "_optimizer", "_optimizer_solver", "_best_theta")
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("__")) or name in private:
                delattr(self, name)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        try:
            return self._fit_checked(X, y, sample_weight, incremental, first_pass)
        except BaseException:
            if first_pass:
                self._discard_fitted_state()
            raise

    def _fit_checked(self, X, y, sample_weight, incremental, first_pass):
        hidden = self._hidden_sizes()
        self._check_learning_rate_init()
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
        if sample_weight is not None:
            sample_weight = _validate_sample_weight(sample_weight, X.shape[0], X.dtype)
            keep = sample_weight > 0
            if not keep.all():
                # zero weights are exactly equivalent to removing the rows
                X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
        X_user, y_user = X, y
        y = self._encode_y(y, incremental, first_pass)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        y = np.ascontiguousarray(_cast(np.asarray(y), X.dtype, "y"))
        if not sp_issparse(X):
            X = np.ascontiguousarray(X)

        layer_units = [X.shape[1], *hidden, y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            # stacked restarts draw their own weights
            draw = incremental or self.n_init == 1
            self._initialize(y, layer_units, X.dtype, draw=draw)
        else:
            self._sync_params()
            if list(self._net.layer_units) != layer_units:
                raise ValueError(
                    "Cannot continue training (warm_start or partial_fit): the "
                    f"architecture changed from {list(self._net.layer_units)} to "
                    f"{layer_units} (input, hidden_layer_sizes, outputs). Set "
                    "warm_start=False or refit from scratch."
                )
            if self._net.fit_intercept != bool(self.fit_intercept):
                raise ValueError(
                    "Cannot continue training (warm_start or partial_fit): "
                    f"fit_intercept changed from {self._net.fit_intercept} to "
                    f"{self.fit_intercept}, which changes the parameters of the "
                    "network. Set warm_start=False or refit from scratch."
                )
            self._check_out_activation()
            self._continue_bookkeeping()
            theta = self._net.theta
            if theta.dtype != X.dtype:
                X = _cast(X, theta.dtype, "X")
                y = _cast(y, theta.dtype, "y")
                if sample_weight is not None:
                    sample_weight = _cast(sample_weight, theta.dtype, "sample_weight")
            self._bind(self._make_network(layer_units, theta.dtype, theta))

        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        root = None
        if hasattr(self, "_init_callback_context"):
            if self.solver != "lbfgs":
                max_subtasks = self.max_iter
            elif first_pass and not incremental and self.n_init > 1:
                max_subtasks = None  # restarts run one after the other
            else:  # L-BFGS: the last iteration opens a subtask it never runs
                max_subtasks = self.max_iter + 1
            root = self._init_callback_context(max_subtasks=max_subtasks)
            root.call_on_fit_task_begin(
                estimator=self, X=X_user, y=y_user, metadata=metadata
            )
        self._callbacks = None
        if root is not None and getattr(self, "_skl_callbacks", None):
            self._callbacks = _EpochCallbacks(self, root, X_user, y_user, metadata)
        try:
            self._fit_solver(X, y, sample_weight, incremental, first_pass, layer_units)
        finally:
            if self._callbacks is not None:
                self._callbacks.close()
            del self._callbacks
        if root is not None:
            root.call_on_fit_task_end(
                estimator=self,
                X=X_user,
                y=y_user,
                metadata=metadata,
                reconstruction_attributes={},
            )
        return self

    def _fit_solver(self, X, y, sample_weight, incremental, first_pass, layer_units):
        with np.errstate(all="ignore"):
            restarts = first_pass and not incremental and self.n_init > 1
            if restarts and self.solver == "lbfgs":
                self._fit_lbfgs_restarts(X, y, sample_weight, layer_units)
            elif restarts:
                self._fit_stochastic_restarts(X, y, sample_weight, layer_units)
            elif self.solver == "lbfgs":
                self._fit_lbfgs(X, y, sample_weight)
            else:
                self._fit_stochastic(X, y, sample_weight, incremental)
            if not restarts and (
                first_pass and not incremental or not hasattr(self, "restart_losses_")
            ):
                self.restart_losses_ = np.array([self.loss_], dtype=float)
                self.best_restart_ = 0
            self._after_fit(X, y, sample_weight)
        self._net.release()

    def _after_fit(self, X, y, sample_weight):
        """Hook for estimator-specific statistics of the fitted model."""

    def _fit_lbfgs_restarts(self, X, y, sample_weight, layer_units):
        """Run L-BFGS from ``n_init`` starting points in turn; keep the best."""
        dtype = X.dtype
        best = None
        losses = np.full(self.n_init, np.inf)
        error = None
        for r in range(self.n_init):
            net = self._make_network(layer_units, dtype)
            self._init_theta(net)
            self._bind(net)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    interrupted = self._fit_lbfgs(X, y, sample_weight)
                except ValueError as exc:
                    error = exc
                    continue
            loss = np.inf if self.loss_ is None else self.loss_
            losses[r] = loss
            if best is None or loss < losses[best[0]]:
                state = (self.loss_curve_, self.n_iter_, self.loss_, self.best_loss_)
                best = (r, net.theta.copy(), state, caught)
            if interrupted:
                # Ctrl-C ends the whole fit, not just this restart
                if best[0] != r:
                    for w in caught:
                        if "interrupted" in str(w.message):
                            best[3].append(w)
                break
        if best is None:
            raise error
        r, theta, state, caught = best
        self._bind(self._make_network(layer_units, dtype, theta))
        self.loss_curve_, self.n_iter_, self.loss_, self.best_loss_ = state
        self.restart_losses_ = losses
        self.best_restart_ = r
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _fit_stochastic_restarts(self, X, y, sample_weight, layer_units):
        """Train ``n_init`` stacked restarts together; keep the best one.

        All restarts see the same minibatches; each has its own stopping
        criterion and is frozen (gradient masked, optimizer state zeroed) once
        it stops or diverges, while the others go on.
        """
        R = self.n_init
        dtype = X.dtype
        net = self._make_network(layer_units, dtype, n_restarts=R)
        self._init_theta(net)
        params, param_grad, theta = net.params, net.param_grad, net.theta
        owner_all = net.restart_owner()
        owner = owner_all[: net.n_params]
        lr = self._learning_rates(net)
        adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
        if adaptive:  # each restart divides its own rate
            lr = np.array(np.broadcast_to(lr, params.shape))
        optimizer = self._make_optimizer(params, lr)
        early_stopping = self.early_stopping
        if early_stopping:
            (X, X_val, y, y_val, sample_weight, sw_val) = self._validation_split(
                X, y, sample_weight
            )
            y_val_labels = self._decode_y(y_val)
            val_scores, val_losses = [], []
            best_val = np.full(R, -np.inf)
        batches = self._minibatches(X, y, sample_weight)
        n_samples, full_batch = batches.n_samples, batches.full_batch
        net.reserve(batches.batch_size)
        alpha, tol = float(self.alpha), self.tol
        n_iter_no_change = self.n_iter_no_change
        loss_grad, update, copyto = net.loss_grad, optimizer.update, np.copyto
        invscaling = self.solver == "sgd" and self.learning_rate == "invscaling"
        active = np.ones(R, dtype=bool)
        diverged = np.zeros(R, dtype=bool)
        n_iter = np.zeros(R, dtype=int)
        best_loss = np.full(R, np.inf)
        no_improvement = np.zeros(R, dtype=int)
        snapshot = theta.copy()  # end of each restart's last finite epoch
        previous = theta.copy()  # and of the one before
        best_theta = theta.copy()
        curves = []
        frozen = None
        interrupted = False
        callbacks = self._callbacks
        if callbacks is not None:
            # callbacks see the single network of the restart currently best
            def fitted_attributes():
                r = int(np.argmin(np.where(active, best_loss, np.inf)))
                single = self._make_network(layer_units, dtype, net.extract(r))
                return {
                    "_net": single,
                    "coefs_": single.coefs,
                    "intercepts_": single.intercepts,
                }

            callbacks.fitted_attributes = fitted_attributes
        try:
            all_active = True
            for epoch in range(self.max_iter):
                if callbacks is not None:
                    callbacks.begin()
                if full_batch:
                    loss = np.asarray(loss_grad(X, y, sample_weight, alpha), float)
                    if frozen is not None:
                        copyto(param_grad, 0, where=frozen)
                    update(params, param_grad)
                else:
                    loss = np.zeros(R)
                    for Xb, yb, swb, m in batches:
                        loss += loss_grad(Xb, yb, swb, alpha) * m
                        if frozen is not None:
                            copyto(param_grad, 0, where=frozen)
                        update(params, param_grad)
                    loss /= n_samples
                # as in a single fit, only the loss is checked here (non-finite
                # weights make the next loss non-finite); the weights finally
                # kept are checked after the loop
                finite = np.isfinite(loss)
                blown = None
                if all_active and finite.all():
                    ok = active
                    snapshot, previous = previous, snapshot
                    copyto(snapshot, theta)
                    n_iter += 1
                    curves.append(loss)
                else:
                    ok = active & finite
                    blown = active & ~finite
                    if blown.any():
                        diverged |= blown
                        copyto(theta, snapshot, where=blown[owner_all])
                    ok_params = ok[owner_all]
                    copyto(previous, snapshot, where=ok_params)
                    copyto(snapshot, theta, where=ok_params)
                    n_iter[ok] += 1
                    curves.append(np.where(ok, loss, np.nan))
                if self.verbose:
                    shown = ", ".join(f"{v:.8f}" for v in loss[ok])
                    print(f"Iteration {epoch + 1}, loss = {shown}")
                if early_stopping:
                    out = net.predict(X_val)
                    scores = np.array(
                        [
                            self._score_output(out[r], y_val_labels, sw_val)
                            for r in range(R)
                        ]
                    )
                    val_scores.append(np.where(ok, scores, np.nan))
                    val_losses.append(
                        np.where(ok, net.objective(X_val, y_val, sw_val, alpha), np.nan)
                    )
                    stall = ~(scores >= best_val + tol)
                    better = ok & (scores > best_val)
                    best_val = np.where(better, scores, best_val)
                    np.copyto(best_theta, theta, where=better[owner_all])
                else:
                    stall = loss > best_loss - tol
                no_improvement = np.where(
                    ok, np.where(stall, no_improvement + 1, 0), no_improvement
                )
                best_loss = np.where(ok & (loss < best_loss), loss, best_loss)
                if invscaling:
                    optimizer.iteration_ends((epoch + 1) * n_samples)
                stop = blown
                stalled = ok & (no_improvement > n_iter_no_change)
                if stalled.any():
                    stop = np.zeros(R, dtype=bool) if stop is None else stop.copy()
                    for r in np.flatnonzero(stalled):
                        mine = owner == r
                        if adaptive and optimizer.learning_rate[mine].max() > 1e-6:
                            optimizer.learning_rate[mine] /= 5.0
                            no_improvement[r] = 0
                        else:
                            stop[r] = True
                if callbacks is not None and callbacks.end():
                    break
                if stop is not None and stop.any():
                    active = active & ~stop
                    all_active = False
                    frozen = ~active[owner]
                    optimizer.reset_state(frozen)
                    # a frozen restart must not move, whatever its gradient
                    copyto(theta, snapshot, where=~active[owner_all])
                    if not active.any():
                        break
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by user; keeping the weights of the last "
                "completed epoch."
            )
            np.copyto(theta, snapshot)
            interrupted = True

        curves = np.array(curves).reshape(-1, R)
        final = np.array(
            [curves[n_iter[r] - 1, r] if n_iter[r] else np.inf for r in range(R)]
        )
        if early_stopping:
            order = np.argsort(-np.where(n_iter > 0, best_val, -np.inf), kind="stable")
        else:
            order = np.argsort(final, kind="stable")
        # the weights left by a restart's last epoch have not been evaluated:
        # take the first restart (best first) whose kept weights are usable,
        # falling back on its previous epoch
        chosen = None
        for best in order:
            if n_iter[best] == 0 and not (interrupted and not n_iter.any()):
                continue
            if early_stopping:
                candidates = [(best_theta, n_iter[best])]
            else:
                candidates = [(theta, n_iter[best]), (previous, n_iter[best] - 1)]
            for source, k in candidates:
                if k < 0 or (k == 0 and n_iter[best] > 0):
                    continue
                single = self._make_network(
                    layer_units, dtype, net.extract(best, source)
                )
                if single.is_usable(X, y, sample_weight):
                    chosen = best, k, single
                    break
            if chosen is not None:
                break
        if chosen is None:
            raise ValueError(_divergence_message(self))
        best, k, single = chosen
        best = int(best)
        if k < n_iter[best]:
            diverged[best] = True
            final[best] = curves[k - 1, best]
        self._bind(single)
        self.loss_curve_ = [float(v) for v in curves[:k, best]]
        self.loss_ = self.loss_curve_[-1] if k else None
        self.best_loss_ = float(best_loss[best]) if k else np.inf
        self.n_iter_ = int(k)
        self.t_ = int(k) * n_samples
        self._no_improvement_count = int(no_improvement[best])
        self.restart_losses_ = final
        self.best_restart_ = best
        self._optimizer = None
        if early_stopping:
            self.validation_scores_ = [float(v[best]) for v in val_scores[:k]]
            self.validation_loss_curve_ = [float(v[best]) for v in val_losses[:k]]
            self.best_validation_score_ = float(best_val[best])
        if diverged.any():
            warnings.warn(
                _divergence_message(self)
                + f" {int(diverged.sum())} of {R} restarts stopped early; keeping "
                f"restart {best} after {k} epoch(s).",
                DivergenceWarning,
            )
        if k == self.max_iter:
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    def _initialize(self, y, layer_units, dtype, draw=True):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self._check_out_activation()
        net = self._make_network(layer_units, dtype)
        if draw:
            self._init_theta(net)
        self._bind(net)
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self.best_loss_ = None
        if self.solver in _STOCHASTIC_SOLVERS:
            self.best_loss_ = np.inf
            if self.early_stopping:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
                self.best_validation_score_ = -np.inf
        self.__dict__.pop("_optimizer", None)

    def _check_out_activation(self):
        pass

    def _continue_bookkeeping(self):
        """Complete the progress attributes when a continued fit uses another
        solver or turns early stopping on (``set_params`` between fits)."""
        if self.solver not in _STOCHASTIC_SOLVERS:
            return
        if self.best_loss_ is None:
            self.best_loss_ = np.inf
        if self.early_stopping:
            if self.validation_scores_ is None:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
            if self.best_validation_score_ is None:
                self.best_validation_score_ = -np.inf

    def _make_optimizer(self, params, learning_rate):
        if self.solver == "sgd":
            return SGD(
                params,
                learning_rate,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return Adam(params, learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def _fit_lbfgs(self, X, y, sample_weight):
        net = self._net
        params, param_grad = net.params, net.param_grad
        net.reserve(X.shape[0])
        alpha = float(self.alpha)
        curve = []
        verbose = self.verbose

        def fun(x):
            params[...] = x
            value = net.loss_grad(X, y, sample_weight, alpha)
            return value, param_grad.astype(np.float64)

        callbacks = self._callbacks
        x0 = params.copy()
        last_x = [x0]

        def callback(value, x):
            curve.append(value)
            last_x[0] = x.copy()
            if verbose:
                print(f"Iteration {len(curve)}, loss = {value:.8f}")
            if callbacks is not None:
                params[...] = x
                self.n_iter_ = len(curve)
                self.loss_curve_ = curve
                if callbacks.end():
                    raise StopIteration
                if len(curve) < self.max_iter:
                    callbacks.begin("lbfgs-iteration")

        if callbacks is not None:
            callbacks.begin("lbfgs-iteration")
        interrupted = False
        try:
            result = minimize_lbfgs(
                fun, x0, self.max_iter, self.max_fun, self.tol, callback=callback
            )
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by user; keeping the weights of the last "
                "completed iteration."
            )
            interrupted = True
            result = None
        params[...] = last_x[0] if result is None else result.x
        final = float(result.fun) if result is not None else None
        if interrupted:
            final = curve[-1] if curve else None
        if not (
            (final is None or math.isfinite(final))
            and math.isfinite(float(params.sum()))
            and net.is_usable(X, y, sample_weight)
        ):
            params[...] = x0
            raise ValueError(_divergence_message(self))
        self.loss_curve_ = curve
        self.n_iter_ = len(curve) if result is None else int(result.nit)
        self.loss_ = final
        self.best_loss_ = min(curve) if curve else final
        # status 0: converged; 99: a callback asked to stop
        if result is not None and result.status not in (0, 99):
            hint = (
                "Increase max_iter/max_fun or scale the data."
                if result.status == 1
                else "The line search failed: scale the inputs (e.g. with a "
                "MinMaxScaler) or increase alpha."
            )
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(max_iter={self.max_iter}, max_fun={self.max_fun}): "
                f"{result.message}. {hint}",
                ConvergenceWarning,
            )
        return interrupted

    def _fit_stochastic(self, X, y, sample_weight, incremental):
        net = self._net
        params, param_grad = net.params, net.param_grad
        if (
            not incremental
            or getattr(self, "_optimizer", None) is None
            or getattr(self, "_optimizer_solver", None) != self.solver
            or self._optimizer._work.shape != params.shape
        ):
            self._optimizer = self._make_optimizer(params, self._learning_rates(net))
            self._optimizer_solver = self.solver
        optimizer = self._optimizer

        # partial_fit always trains on all the data it is given.
        early_stopping = self.early_stopping and not incremental
        if early_stopping:
            (X, X_val, y, y_val, sample_weight, sw_val) = self._validation_split(
                X, y, sample_weight
            )
            y_val_labels = self._decode_y(y_val)
        batches = self._minibatches(X, y, sample_weight)
        n_samples, batch_size = batches.n_samples, batches.batch_size
        full_batch = batches.full_batch
        net.reserve(batch_size)
        alpha = float(self.alpha)
        # weights at the end of the last two finite epochs
        snapshot = params.copy()
        previous = params.copy()
        loss_curve = self.loss_curve_
        verbose = self.verbose
        diverged = False
        loss_grad, update = net.loss_grad, optimizer.update
        copyto, isfinite, record = np.copyto, math.isfinite, loss_curve.append

        # Epoch bookkeeping lives in locals (written back in ``finally``): for
        # tiny networks the per-epoch Python overhead is a large share of the
        # time.
        n_iter = 0
        t = self.t_
        tol = self.tol
        best_loss = self.best_loss_
        no_improvement = self._no_improvement_count
        n_iter_no_change = self.n_iter_no_change
        schedule_per_epoch = self.solver == "sgd" and self.learning_rate == "invscaling"
        loss = None
        callbacks = self._callbacks
        try:
            for _ in range(self.max_iter):
                if callbacks is not None:
                    callbacks.begin()
                if full_batch:
                    loss = loss_grad(X, y, sample_weight, alpha)
                    update(params, param_grad)
                else:
                    accumulated = 0.0
                    for Xb, yb, swb, m in batches:
                        accumulated += loss_grad(Xb, yb, swb, alpha) * m
                        update(params, param_grad)
                    loss = accumulated / n_samples
                # Non-finite weights always make the next loss non-finite; the
                # weights left by the last epoch are checked after the loop.
                if not isfinite(loss):
                    diverged = True
                    break
                snapshot, previous = previous, snapshot
                snapshot[...] = params  # cheaper than np.copyto on tiny nets
                n_iter += 1
                t += n_samples
                record(loss)
                if verbose:
                    print(f"Iteration {n_iter}, loss = {loss:.8f}")
                if early_stopping:
                    self._no_improvement_count = no_improvement
                    self._update_validation(X_val, y_val, y_val_labels, sw_val)
                    no_improvement = self._no_improvement_count
                elif loss > best_loss - tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if loss < best_loss:
                    best_loss = loss
                if schedule_per_epoch:
                    optimizer.iteration_ends(t)
                if callbacks is not None:
                    self.n_iter_, self.t_ = n_iter, t
                    if callbacks.end():
                        break

                if no_improvement > n_iter_no_change:
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={tol} for "
                        f"{n_iter_no_change} consecutive epochs."
                    )
                    stop_now = optimizer.trigger_stopping()
                    if verbose:
                        print(
                            msg
                            + (
                                " Stopping."
                                if stop_now
                                else " Setting learning rate to "
                                f"{optimizer.learning_rate}"
                            )
                        )
                    if stop_now:
                        break
                    no_improvement = 0
                if incremental:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by user; keeping the weights of the last "
                "completed epoch."
            )
            copyto(params, snapshot)
        finally:
            self.n_iter_ = n_iter
            self.t_ = t
            self.best_loss_ = best_loss
            self._no_improvement_count = no_improvement
            self.loss_ = loss_curve[-1] if loss_curve else None

        if diverged:
            copyto(params, snapshot)
        if early_stopping and self._best_theta is not None:
            params[...] = self._best_theta[: params.shape[0]]
        # The loss of an epoch is evaluated before its updates: the weights
        # left by the last one have not been checked yet.
        usable = net.is_usable(X, y, sample_weight)
        if not usable and not early_stopping and n_iter > 0:
            copyto(params, previous)
            diverged = True
            loss_curve.pop()
            self.n_iter_ -= 1
            self.t_ -= n_samples
            self.loss_ = loss_curve[-1] if loss_curve else None
            usable = net.is_usable(X, y, sample_weight)
        if not usable:
            raise ValueError(_divergence_message(self))
        if diverged:
            if not loss_curve:
                raise ValueError(_divergence_message(self))
            warnings.warn(
                _divergence_message(self)
                + f" Keeping the weights of epoch {self.n_iter_}.",
                DivergenceWarning,
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
        return _Minibatches(
            X, y, sample_weight, batch_size, self.shuffle, self._random_state
        )

    def _validation_split(self, X, y, sample_weight):
        n_samples = X.shape[0]
        stratify = None
        n_val = max(math.ceil(self.validation_fraction * n_samples), 2)
        if is_classifier(self) and self.n_outputs_ == 1:
            stratify = y
            n_classes = max(len(self.classes_), 2)
            n_val = max(n_val, n_classes)
            counts = np.unique(y, axis=0, return_counts=True)[1]
            if counts.shape[0] < 2 or counts.min() < 2:
                stratify = None
        if n_samples - n_val < 1:
            raise ValueError(
                f"Too few samples (n_samples={n_samples}) for early stopping: the "
                f"validation set needs {n_val} of them and training at least one. Set "
                "early_stopping=False or provide more data."
            )
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        parts = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=n_val,
            stratify=stratify,
        )
        X_tr, X_val, y_tr, y_val = parts[:4]
        sw_tr, sw_val = (None, None) if sample_weight is None else parts[4:6]
        self._best_theta = self._net.params.copy()
        if not sp_issparse(X_tr):
            X_tr = np.ascontiguousarray(X_tr)
        return X_tr, X_val, np.ascontiguousarray(y_tr), y_val, sw_tr, sw_val

    def _update_validation(self, X_val, y_val, y_val_labels, sw_val):
        net = self._net
        out = net.predict(X_val)
        score = self._score_output(out, y_val_labels, sw_val)
        val_loss = net.objective(X_val, y_val, sw_val, float(self.alpha))
        self.validation_scores_.append(score)
        self.validation_loss_curve_.append(float(val_loss))
        if self.verbose:
            print(f"Validation score: {score:f}")
        if not score >= self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_theta[...] = net.params

    def _update_training_progress(self, count_stalls):
        loss = self.loss_curve_[-1]
        if count_stalls:
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
        if loss < self.best_loss_:
            self.best_loss_ = loss

    # ------------------------------------------------------------------
    # prediction
    def _forward_output(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        self._sync_params()
        net = self._net
        X = _cast(X, net.dtype, "X")
        with np.errstate(all="ignore"):
            out = net.predict(X)
        net.release()
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_COMMON_PARAMETERS = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        Units of each hidden layer; ``()`` gives a network with no hidden
        layer (a generalised linear model trained by gradient descent).

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of the hidden units: ``x``, ``1 / (1 + exp(-x))``,
        ``tanh(x)`` or ``max(0, x)``.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Weight optimisation. ``'sgd'`` is minibatch gradient descent
        (``batch_size=1`` is sequential mode, ``batch_size=n_samples`` is
        full-batch descent), ``'adam'`` the Adam optimiser, ``'lbfgs'`` the
        quasi-Newton L-BFGS-B of :func:`scipy.optimize.minimize` on the whole
        training set.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / (2 W) * sum ||W_i||**2`` on the
        weights (not the intercepts), ``W`` being the sum of sample weights of
        the batch.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; ``'auto'`` is
        ``min(200, n_samples)``. Clipped to ``n_samples`` with a warning.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Step-size schedule of ``solver='sgd'``: constant, ``eta_0 / (t + 1) **
        power_t`` with ``t`` the number of samples seen, or divided by 5 each
        time ``n_iter_no_change`` epochs fail to improve by ``tol``.

    learning_rate_init : float or array-like of shape (n_layers - 1,), default=0.001
        Initial step size of ``'sgd'`` and ``'adam'``. A sequence gives each
        weight layer (hidden layers, then the output layer) its own rate
        ``eta^(n)``, applied to its weights and intercepts.

    power_t : float, default=0.5
        Exponent of the ``'invscaling'`` schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch (stochastic solvers).
        Full-batch descent does not shuffle, as the order cannot matter.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split.
        An int makes fits bit-for-bit reproducible.

    tol : float, default=1e-4
        Improvement below which an epoch counts as stalled (stochastic
        solvers); gradient tolerance of lbfgs.

    verbose : bool, default=False
        Print the loss after every epoch or lbfgs iteration.

    warm_start : bool, default=False
        Continue from the previous solution on the next ``fit``.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (``solver='sgd'``, ``momentum > 0``).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        single-output classification, sample weights carried along) and stop
        when its score stalls for ``n_iter_no_change`` epochs; the weights of
        the best validation score are restored. Stochastic solvers only.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping, in (0, 1).

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of Adam.

    n_iter_no_change : int, default=10
        Stalled epochs tolerated before stopping (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver='lbfgs'``.

"""

_FIT_INTERCEPT_PARAMETER = """
    fit_intercept : bool, default=True
        Whether layers have bias terms. ``False`` trains a network without any
        bias (``intercepts_`` then stay zero).

"""

_INIT_PARAMETERS = """
    init : {'glorot_uniform', 'uniform'} or callable, default='glorot_uniform'
        Initial weights. ``'glorot_uniform'`` is scikit-learn's scheme (same
        draws as MLP for the same ``random_state``); ``'uniform'`` draws every
        weight and intercept from ``U[-1, 1]``; a callable
        ``init(rng, fan_in, fan_out)`` returns the weight matrix of shape
        ``(fan_in, fan_out)`` (intercepts start at zero) or a tuple
        ``(weights, intercepts)``; ``rng`` is a ``numpy.random.RandomState``.

    n_init : int, default=1
        Number of random starting points. The network is trained from each and
        the one with the lowest final training loss (highest best validation
        score with ``early_stopping``) is kept, a guard against poor local
        minima. With ``'sgd'``/``'adam'`` the restarts are stacked and trained
        together, one batched matrix product per layer for all of them, on
        the same minibatches; each stops on its own criterion. ``'lbfgs'``
        runs them one after the other. Ignored by ``partial_fit`` (which
        trains a single network from its first call) and when ``warm_start``
        continues a fit.
"""

_COMMON_ATTRIBUTES = """
    loss_ : float
        Objective (loss plus penalty) at the end of training. For the
        stochastic solvers, the average over the last epoch's minibatches,
        each evaluated before its update.

    best_loss_ : float or None
        Lowest ``loss_`` seen (None with early stopping).

    loss_curve_ : list of float
        ``loss_`` after every epoch (stochastic solvers) or lbfgs iteration.

    validation_scores_ : list of float or None
        Validation score after every epoch, with early stopping.

    validation_loss_curve_ : list of float or None
        Validation objective after every epoch, with early stopping.

    best_validation_score_ : float or None
        Best validation score, with early stopping.

    t_ : int
        Number of training samples seen by the stochastic solvers.

    coefs_ : list of ndarray of shape (fan_in, fan_out)
        Weight matrix of each layer. Writable views into one flat parameter
        buffer: assigning into them changes the model.

    intercepts_ : list of ndarray of shape (fan_out,)
        Bias vector of each layer (views into the same buffer).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    n_iter_ : int
        Number of epochs (or lbfgs iterations) run.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Activation of the output layer.

    restart_losses_ : ndarray of shape (n_init,)
        Final training loss of every restart (``inf`` for one that diverged).

    best_restart_ : int
        Index of the restart that was kept.
"""


class BackpropRegressor(RegressorMixin, _BaseBackprop):
    __doc__ = (
        """Multi-layer perceptron regressor trained by backpropagation.

    A drop-in alternative to :class:`sklearn.neural_network.MLPRegressor`
    with the same parameters and defaults, plus ``fit_intercept`` and
    ``out_activation``. All weights live in one flat buffer and the passes
    reuse preallocated arrays.

    The squared-error loss is half the squared residual *summed over outputs*
    and averaged over samples, so that ``loss_`` is the function whose
    gradient is followed, for several outputs too.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Loss to minimise. ``'poisson'`` needs non-negative targets and a
        positive output activation (``'exp'`` or ``'logistic'``).
"""
        + _COMMON_PARAMETERS
        + _FIT_INTERCEPT_PARAMETER
        + """
    out_activation : {'auto', 'identity', 'logistic', 'tanh', 'exp'}, default='auto'
        Activation of the output layer. ``'auto'`` is ``'identity'`` for the
        squared error and ``'exp'`` for the Poisson loss. Any activation can
        be paired with any loss: the output delta uses the general rule
        ``dL/dy * f'(z)``.
"""
        + _INIT_PARAMETERS
        + """
    Attributes
    ----------
    noise_variance_ : ndarray of shape (`n_outputs_`,)
        Mean squared training residual of each output (weighted by
        ``sample_weight``), the maximum-likelihood noise variance ``1/beta``
        when squared error is read as a Gaussian likelihood. Computed on the
        data of the last ``fit``/``partial_fit`` call.
"""
        + _COMMON_ATTRIBUTES
        + """
    See Also
    --------
    BackpropClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skbackprop import BackpropRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    >>> reg = BackpropRegressor(hidden_layer_sizes=(20,), solver="lbfgs",
    ...                         max_iter=500, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
    )

    _parameter_constraints: dict = {
        **_BaseBackprop._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "out_activation": [StrOptions({"auto", "identity", "logistic", "tanh", "exp"})],
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
        fit_intercept=True,
        out_activation="auto",
        init="glorot_uniform",
        n_init=1,
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
        self.fit_intercept = fit_intercept
        self.out_activation = out_activation
        self.init = init
        self.n_init = n_init

    def _loss_name(self):
        return self.loss

    def _output_activation(self):
        if self.out_activation != "auto":
            return self.out_activation
        return "exp" if self.loss == "poisson" else "identity"

    def _check_out_activation(self):
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

    def _score_output(self, out, y, sample_weight):
        if not np.isfinite(out).all():
            return -np.inf
        return r2_score(y, out, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
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
            exactly as if they were absent.

        Returns
        -------
        self : BackpropRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

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
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _after_fit(self, X, y, sample_weight):
        # Maximum-likelihood noise variance of the Gaussian reading of the
        # squared error: 1 / beta_ML = mean squared training residual.
        residual = self._net.predict(X)
        residual -= y
        residual *= residual
        if sample_weight is None:
            variance = residual.mean(axis=0)
        else:
            variance = sample_weight @ residual / sample_weight.sum()
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


class BackpropClassifier(ClassifierMixin, _BaseBackprop):
    __doc__ = (
        """Multi-layer perceptron classifier trained by backpropagation.

    A drop-in alternative to :class:`sklearn.neural_network.MLPClassifier`
    with the same parameters and defaults, plus ``loss`` and
    ``fit_intercept``. Handles binary, multiclass (softmax output) and
    multilabel (independent logistic outputs) targets.

    Parameters
    ----------
"""
        + _COMMON_PARAMETERS
        + """
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``'log_loss'`` is the cross-entropy (binary for logistic outputs,
        categorical for softmax). ``'squared_error'`` trains the same outputs
        on half the squared difference to the one-hot targets.
"""
        + _FIT_INTERCEPT_PARAMETER
        + _INIT_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels seen during fit.
"""
        + _COMMON_ATTRIBUTES
        + """
    See Also
    --------
    BackpropRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skbackprop import BackpropClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = BackpropClassifier(hidden_layer_sizes=(10,), solver="lbfgs",
    ...                          max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """
    )

    _parameter_constraints: dict = {
        **_BaseBackprop._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
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
        loss="log_loss",
        fit_intercept=True,
        init="glorot_uniform",
        n_init=1,
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
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.init = init
        self.n_init = n_init

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

    def _score_output(self, out, y, sample_weight):
        return accuracy_score(y, self._decode_y(out), sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
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
            exactly as if they were absent.

        Returns
        -------
        self : BackpropClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
