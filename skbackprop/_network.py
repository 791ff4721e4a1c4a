"""The multi-layer perceptron: parameters in one flat buffer, forward pass and
back-propagation into preallocated buffers.

This module is part of the engine and imports nothing from scikit-learn.

Layout of the parameter vector ``theta`` (and of the gradient ``grad``)::

    [ W_0.ravel(), W_1.ravel(), ..., W_{L-1}.ravel(), b_0, b_1, ..., b_{L-1} ]

``coefs[i]`` (shape ``(fan_in, fan_out)``) and ``intercepts[i]`` (shape
``(fan_out,)``) are views into ``theta``; writing into them changes the
network. Without intercepts the bias block is kept (all zeros) so that the
public attributes keep their usual shapes, but it is excluded from ``params``,
the part of ``theta`` a solver updates.

With ``n_restarts=R > 1`` the network holds R independent copies of the same
architecture (random restarts) trained together: every block gains a leading
axis of length R (``coefs[i]`` is ``(R, fan_in, fan_out)``, ``intercepts[i]``
is ``(R, fan_out)``), still one contiguous vector, and one batched matrix
product per layer serves all restarts. Losses are then arrays of shape (R,).
"""

import math

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES
from ._losses import CANONICAL_PAIRS, LOSS_GRADIENTS, LOSSES

# Rows per chunk in ``predict`` so that memory stays bounded for large inputs.
_PREDICT_CHUNK = 4096


class Network:
    """A fully connected feed-forward network with a flat parameter buffer.

    Parameters
    ----------
    layer_units : sequence of int
        Units per layer, input and output included: ``[n_features, *hidden,
        n_outputs]``.
    activation : str
        Hidden-layer activation, a key of ``ACTIVATIONS``.
    out_activation : str
        Output activation, a key of ``ACTIVATIONS``.
    loss : str
        Loss name, a key of ``LOSSES``.
    fit_intercept : bool
        Whether the layers have bias terms.
    dtype : numpy dtype
        Floating point type of parameters, activations and gradients.
    theta : ndarray of shape (n_total,), default=None
        Existing parameter buffer to adopt (not copied).
    n_restarts : int, default=1
        Number of stacked copies of the network trained together.
    """

    def __init__(
        self,
        layer_units,
        activation,
        out_activation,
        loss,
        fit_intercept=True,
        dtype=np.float64,
        theta=None,
        n_restarts=1,
    ):
        self.n_restarts = R = int(n_restarts)
        self.layer_units = tuple(int(u) for u in layer_units)
        self.activation = activation
        self.out_activation = out_activation
        if loss == "log_loss" and out_activation == "logistic":
            loss = "binary_log_loss"
        self.loss = loss
        self.fit_intercept = bool(fit_intercept)
        self.dtype = np.dtype(dtype)
        self.n_layers = len(self.layer_units) - 1
        pairs = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.n_coef = R * sum(a * b for a, b in pairs)
        self.n_total = self.n_coef + R * sum(b for _, b in pairs)
        self.n_params = self.n_total if self.fit_intercept else self.n_coef
        if theta is None:
            theta = np.zeros(self.n_total, dtype=self.dtype)
        elif theta.shape != (self.n_total,) or theta.dtype != self.dtype:
            raise ValueError("theta does not match the architecture.")
        self.theta = theta
        self.grad = np.zeros(self.n_total, dtype=self.dtype)
        self.coefs, self.intercepts = self._views(self.theta)
        self.coef_grads, self.intercept_grads = self._views(self.grad)
        self.params = self.theta[: self.n_params]
        self.param_grad = self.grad[: self.n_params]
        self._fused = (out_activation, self.loss) in CANONICAL_PAIRS
        self._act = ACTIVATIONS[activation]
        self._out_act = ACTIVATIONS[out_activation]
        self._deriv = DERIVATIVES[activation]
        self._out_deriv = DERIVATIVES[out_activation]
        self._loss_value = LOSSES[self.loss]
        self._loss_grad = LOSS_GRADIENTS[self.loss]
        self._capacity = 0
        self._plans = {}
        self._backward = {}
        if R == 1:
            self._mm = np.dot  # beats np.matmul on small arrays
        else:
            self._mm = np.matmul

    def _views(self, flat):
        R = self.n_restarts
        lead = () if R == 1 else (R,)
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in zip(self.layer_units[:-1], self.layer_units[1:]):
            stop = start + R * fan_in * fan_out
            coefs.append(flat[start:stop].reshape(*lead, fan_in, fan_out))
            start = stop
        for fan_out in self.layer_units[1:]:
            intercepts.append(flat[start : start + R * fan_out].reshape(*lead, fan_out))
            start += R * fan_out
        return coefs, intercepts

    def restart_owner(self):
        """Restart index owning each entry of ``theta``.

        Returns
        -------
        owner : ndarray of shape (n_total,)
        """
        R = self.n_restarts
        owner = np.empty(self.n_total, dtype=np.intp)
        for views in self._views(owner):
            for v in views:
                v[...] = (
                    0 if R == 1 else np.arange(R).reshape((R,) + (1,) * (v.ndim - 1))
                )
        return owner

    def extract(self, r, theta=None):
        """Parameters of restart ``r`` as a flat vector of a single network.

        ``theta`` (default: the network's own) is any vector with this
        network's layout, e.g. a saved copy.
        """
        theta = self.theta if theta is None else theta
        if self.n_restarts == 1:
            return theta.copy()
        coefs, intercepts = self._views(theta)
        return np.concatenate(
            [c[r].ravel() for c in coefs] + [b[r].ravel() for b in intercepts]
        )

    def __getstate__(self):
        state = {
            k: v
            for k, v in self.__dict__.items()
            if not k.startswith("_")
            and k
            not in (
                "grad",
                "coefs",
                "intercepts",
                "coef_grads",
                "intercept_grads",
                "params",
                "param_grad",
            )
        }
        return state

    def __setstate__(self, state):
        theta = state.pop("theta")
        self.__init__(
            state["layer_units"],
            state["activation"],
            state["out_activation"],
            state["loss"],
            state["fit_intercept"],
            state["dtype"],
            theta=theta,
            n_restarts=state.get("n_restarts", 1),
        )

    # ------------------------------------------------------------------
    # buffers
    def reserve(self, n_rows):
        """Allocate activation, delta and scratch buffers for ``n_rows`` rows.

        Buffers are reused by every later call with at most ``n_rows`` rows.
        """
        if n_rows <= self._capacity:
            return
        R = self.n_restarts
        lead = () if R == 1 else (R,)
        units = self.layer_units[1:]
        dtype = self.dtype
        self._acts = [np.empty((*lead, n_rows, u), dtype=dtype) for u in units]
        self._deltas = [np.empty((*lead, n_rows, u), dtype=dtype) for u in units]
        scratch = np.empty(R * n_rows * max(units), dtype=dtype)
        self._work = [
            scratch[: R * n_rows * u].reshape(*lead, n_rows, u) for u in units
        ]
        self._penalty_work = np.empty(self.n_coef, dtype=dtype)
        self._ones = np.ones(n_rows, dtype=dtype)
        self._capacity = n_rows
        self._plans = {}
        self._backward = {}

    def release(self):
        """Drop the batch buffers (they are rebuilt on demand)."""
        for name in ("_acts", "_deltas", "_work", "_penalty_work", "_ones"):
            self.__dict__.pop(name, None)
        self._capacity = 0
        self._plans = {}
        self._backward = {}

    def _plan(self, n):
        """Per-layer views for a batch of ``n`` rows, built once and cached.

        Each entry is ``(W, b, z, dW, db, delta, work, f, zT, WT)`` for one
        layer: ``z``, ``delta`` and ``work`` are the first ``n`` rows of its
        buffers, ``f`` its activation, ``zT``/``WT`` transposed views, and ``b``
        is shaped to broadcast over the rows.
        """
        plan = self._plans.get(n)
        if plan is None:
            if n > self._capacity:
                self.reserve(n)
            last = self.n_layers - 1
            R = self.n_restarts

            def rows(a):
                return a[:n] if R == 1 else a[:, :n]

            def transposed(a):
                return a.T if R == 1 else a.transpose(0, 2, 1)

            def bias(b):
                if not self.fit_intercept:
                    return None
                return b if R == 1 else b[:, None, :]

            plan = tuple(
                (
                    self.coefs[i],
                    bias(self.intercepts[i]),
                    rows(self._acts[i]),
                    self.coef_grads[i],
                    self.intercept_grads[i] if self.fit_intercept else None,
                    rows(self._deltas[i]),
                    rows(self._work[i]),
                    self._out_act if i == last else self._act,
                    transposed(rows(self._acts[i])),
                    transposed(self.coefs[i]),
                )
                for i in range(self.n_layers)
            )
            self._plans[n] = plan
            self._plans[-n] = self._ones[:n]
            # backward schedule, output layer first: (dW, db, a_below^T, W^T,
            # delta_below, a_below, work_below) per layer above the first,
            # then the first layer's (dW, db), then 1 / n and the flat output
            # delta
            self._backward[n] = (
                tuple(
                    (
                        plan[i][3],
                        plan[i][4],
                        plan[i - 1][8],
                        plan[i][9],
                        plan[i - 1][5],
                        plan[i - 1][2],
                        plan[i - 1][6],
                    )
                    for i in range(self.n_layers - 1, 0, -1)
                ),
                plan[0][3],
                plan[0][4],
                np.array(1.0 / n, dtype=self.dtype),  # faster than a Python float
                plan[-1][5].reshape(-1) if R == 1 else None,  # flat view
            )
        return plan

    # ------------------------------------------------------------------
    # forward and backward passes
    def _forward(self, X, plan):
        a = X
        mm = self._mm
        if not isinstance(X, np.ndarray):  # scipy sparse matrix
            W, b, z = plan[0][:3]
            if self.n_restarts == 1:
                z[...] = X @ W
            else:
                for r in range(self.n_restarts):
                    z[r] = X @ W[r]
            if b is not None:
                z += b
            a = plan[0][7](z)
            plan = plan[1:]
        for W, b, z, _, _, _, _, f, _, _ in plan:
            mm(a, W, out=z)
            if b is not None:
                z += b
            a = f(z)
        return a

    def forward(self, X):
        """Output activations for ``X`` (a view into an internal buffer)."""
        return self._forward(X, self._plan(X.shape[0]))

    def predict(self, X):
        """Output activations for ``X`` as a new array, computed in chunks."""
        n = X.shape[0]
        lead = () if self.n_restarts == 1 else (self.n_restarts,)
        out = np.empty((*lead, n, self.layer_units[-1]), dtype=self.dtype)
        chunk = min(n, _PREDICT_CHUNK) or 1
        self.reserve(chunk)
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            out[..., start:stop, :] = self._forward(
                X[start:stop], self._plan(stop - start)
            )
        return out

    def _provably_finite(self, X, y):
        """Cheap sufficient condition for finite outputs and loss on ``(X, y)``.

        Propagates a bound on ``max |a|`` through the layers: ``|z_j| <=
        max|a| * sum_i |W_ij| + |b_j|``; identity, relu and tanh units do not
        increase it and logistic units are bounded by 1. The loss is then
        bounded from the output bound and ``max |y|``. True only when the
        bound leaves a wide margin below the largest float; otherwise the
        caller evaluates the network.
        """
        if self.n_restarts != 1:
            return False
        data = X.data if not isinstance(X, np.ndarray) else X
        if data.size == 0:
            return False
        bound = float(max(data.max(), -data.min()))
        y_max = float(max(y.max(), -y.min()))
        if not (math.isfinite(bound) and math.isfinite(y_max)):
            return False
        n, k = y.shape
        # budget for every pre-activation and for one term of the loss, so
        # that sums over n * k terms, and the rounding in the passes, stay far
        # below the largest float of the dtype
        limit = 1e-6 * float(np.finfo(self.dtype).max) / (n * k + 1)
        for i, (W, b) in enumerate(zip(self.coefs, self.intercepts)):
            bound = bound * float(np.abs(W).sum(axis=0).max(initial=0.0))
            if self.fit_intercept:
                bound += float(np.abs(b).max(initial=0.0))
            if not bound < limit:  # also False for nan
                return False
            if i < self.n_layers - 1 and self.activation == "logistic":
                bound = 1.0
        out = self.out_activation
        if out in ("logistic", "tanh", "softmax"):
            p_max = 1.0
        elif out == "exp":
            if bound > math.log(limit):
                return False
            p_max = math.exp(bound)
        else:
            p_max = bound
        if self.loss == "squared_error":
            term = (p_max + y_max) * (p_max + y_max)  # no OverflowError
        elif self.loss == "poisson":
            # -log(p) <= -log(tiny) ~ 745 (float64) after the loss's clipping
            term = y_max * (abs(math.log(y_max + 1.0)) + 750.0) + y_max + p_max
        else:  # log losses clip the probabilities
            term = p_max + y_max
        return term < limit and p_max < limit

    def is_usable(self, X, y, sample_weight=None):
        """Whether the current parameters give finite outputs and a finite
        loss on ``(X, y)``.

        Usually settled by a bound computed from the weights and ``max |X|``
        (:meth:`_provably_finite`); otherwise computed from chunked
        predictions, so the memory used does not grow with ``n_samples *
        width``. Call it under ``np.errstate(all="ignore")``.

        Returns
        -------
        usable : bool, or ndarray of bool of shape (n_restarts,)
        """
        if self._provably_finite(X, y):
            return True
        out = self.predict(X)
        finite = np.isfinite(out).all(axis=(-2, -1))
        weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        value = self._loss_value(y, out, sample_weight, weight_sum)
        usable = finite & np.isfinite(value)
        return bool(usable) if self.n_restarts == 1 else usable

    def _penalty(self):
        """Squared norm of the weights: a float, or an array (R,) of them."""
        if self.n_restarts == 1:
            w = self.theta[: self.n_coef]
            return float(np.dot(w, w))
        return sum(np.einsum("rij,rij->r", W, W) for W in self.coefs)

    def objective(self, X, y, sample_weight=None, alpha=0.0):
        """Objective (loss plus L2 penalty) at the current parameters."""
        p = self.forward(X)
        weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        if not weight_sum > 0:
            return 0.0 if self.n_restarts == 1 else np.zeros(self.n_restarts)
        value = self._loss_value(y, p, sample_weight, weight_sum)
        if alpha:
            value = value + 0.5 * alpha * self._penalty() / weight_sum
        return value

    def loss_grad(self, X, y, sample_weight=None, alpha=0.0):
        """Objective at the current parameters; its gradient goes to ``grad``.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
        y : ndarray of shape (n, n_outputs)
        sample_weight : ndarray of shape (n,), default=None
        alpha : float, default=0.0
            L2 penalty; the objective adds ``alpha / (2 W) * sum ||W_i||**2``
            with ``W`` the sum of sample weights.

        Returns
        -------
        loss : float, or ndarray of shape (n_restarts,) when ``n_restarts > 1``
            (a new array on every call)
        """
        n = X.shape[0]
        plan = self._plans.get(n) if self._capacity else None
        if plan is None:
            plan = self._plan(n)
        p = self._forward(X, plan)
        delta = plan[-1][5]
        if sample_weight is None:
            weight_sum = n
        else:
            weight_sum = float(sample_weight.sum())
            if weight_sum <= 0:
                self.grad.fill(0)
                return 0.0 if self.n_restarts == 1 else np.zeros(self.n_restarts)

        layers, dW, db, inv_n, flat = self._backward[n]
        # Output delta dL/dz: fused p - y for canonical pairs, otherwise the
        # general rule dL/dp * f'(z) with f' taken from the activations.
        if self._fused:
            np.subtract(p, y, out=delta)
            if self.loss == "squared_error":
                # the residual is the delta: no second pass over p - y
                if self.n_restarts == 1 and sample_weight is None:
                    value = 0.5 * float(flat.dot(flat)) / n
                elif sample_weight is None:
                    value = (0.5 / n) * np.einsum("rij,rij->r", delta, delta)
                else:
                    per_sample = np.einsum("...ij,...ij->...i", delta, delta)
                    value = (0.5 / weight_sum) * np.dot(per_sample, sample_weight)
                    if self.n_restarts == 1:
                        value = float(value)
            else:
                value = self._loss_value(y, p, sample_weight, weight_sum)
        else:
            value = self._loss_value(y, p, sample_weight, weight_sum)
            self._loss_grad(y, p, out=delta)
            self._out_deriv(p, delta, plan[-1][6])
        if sample_weight is None:
            np.multiply(delta, inv_n, out=delta)
        else:
            delta *= (sample_weight / weight_sum)[:, None]

        deriv = self._deriv
        ones = self._plans[-n]
        mm = self._mm
        # Intercept gradients are ones @ delta (a BLAS gemv), faster than an
        # axis reduction.
        for dW_i, db_i, aT, WT, prev, a, work in layers:
            mm(aT, delta, out=dW_i)
            if db_i is not None:
                mm(ones, delta, out=db_i)
            mm(delta, WT, out=prev)
            deriv(a, prev, work)
            delta = prev
        if not isinstance(X, np.ndarray):
            if self.n_restarts == 1:
                dW[...] = X.T @ delta
            else:
                for r in range(self.n_restarts):
                    dW[r] = X.T @ delta[r]
        else:
            mm(X.T, delta, out=dW)
        if db is not None:
            mm(ones, delta, out=db)

        if alpha:
            c = alpha / weight_sum
            value = value + 0.5 * c * self._penalty()
            w = self.theta[: self.n_coef]
            np.multiply(w, c, out=self._penalty_work)
            self.grad[: self.n_coef] += self._penalty_work
        return value
