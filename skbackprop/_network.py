"""The multi-layer perceptron: the model (:class:`Network`) and the scratch
space of one call (:class:`Workspace`).

This module is part of the engine and imports nothing from scikit-learn.

A :class:`Network` is plain parameters: one flat vector ``theta`` laid out by
a :class:`~skbackprop._layout.Layout`, the per-layer views ``coefs`` and
``intercepts`` into it, and the names of its activations and loss. Nothing
that a forward or backward pass writes lives on it, so any number of threads
may predict with one network at the same time.

A :class:`Workspace` holds what one call writes: activations, deltas,
scratch buffers, the gradient vector and the per-batch-size plans that view
them. One fit owns one workspace for all its minibatches; every call to
:meth:`Network.predict` makes its own.

Values of a stacked network (``layout.n_restarts = R > 1``) carry the leading
axis ``layout.lead``: outputs are ``(R, n, k)``, and a loss value is an array
of shape ``(R,)`` where a single network returns a float.
"""

import math
from functools import partial
from typing import NamedTuple

import numpy as np

from ._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    KEEPING_ACTIVATIONS,
    KEEPS_BUFFER,
    KEPT_DERIVATIVES,
    hidden_activations,
)
from ._layout import Layout
from ._losses import CANONICAL_PAIRS, check_loss_params, loss_functions

#: Rows per chunk in :meth:`Network.predict`, so that memory stays bounded.
PREDICT_CHUNK = 4096


def canonical_loss(loss, out_activation):
    """The loss a network trains: logistic outputs with ``"log_loss"`` are
    independent binary cross-entropies (``"binary_log_loss"``)."""
    if loss == "log_loss" and out_activation == "logistic":
        return "binary_log_loss"
    return loss


class Network:
    """A fully connected feed-forward network: its layout and parameters.

    Parameters
    ----------
    layout : Layout
        Architecture and parameter positions.
    activation : str or tuple of str
        Hidden-layer activation, a key of ``ACTIVATIONS``, or one per hidden
        layer (:attr:`activations` holds the per-layer names either way).
    out_activation : str
        Output activation, a key of ``ACTIVATIONS``.
    loss : str
        Loss name, a key of ``LOSSES`` (``"log_loss"`` with logistic outputs
        means ``"binary_log_loss"``).
    dtype : numpy dtype, default=np.float64
        Floating point type of the parameters and of every pass.
    theta : ndarray of shape (layout.n_total,), default=None
        Parameter vector to adopt (not copied); zeros when None.
    loss_params : dict, default=None
        Parameters of the loss (``LOSS_PARAMETERS``: ``{"delta": ...}`` for
        ``"huber"``, ``{"quantile": ...}`` for ``"quantile"``); the loss
        functions' defaults where missing.
    """

    def __init__(
        self,
        layout,
        activation,
        out_activation,
        loss,
        dtype=np.float64,
        theta=None,
        loss_params=None,
    ):
        self.layout = layout
        self.activation = activation
        #: the activation of every hidden layer, first to last
        self.activations = hidden_activations(activation, layout.n_layers - 1)
        self.out_activation = out_activation
        self.loss = canonical_loss(loss, out_activation)
        self.loss_params = check_loss_params(self.loss, loss_params)
        #: the loss value and gradient functions, parameters bound
        self.loss_value, self.loss_gradient = loss_functions(
            self.loss, self.loss_params
        )
        self.dtype = np.dtype(dtype)
        if theta is None:
            theta = np.zeros(layout.n_total, dtype=self.dtype)
        elif theta.shape != (layout.n_total,) or theta.dtype != self.dtype:
            raise ValueError("theta does not match the architecture.")
        self.theta = theta
        self.coefs, self.intercepts = layout.views(theta)
        self.params = theta[: layout.n_params]

    def __getstate__(self):
        # the views are rebuilt on load, so that they stay views of theta
        return {
            "layout": self.layout,
            "activation": self.activation,
            "out_activation": self.out_activation,
            "loss": self.loss,
            "dtype": self.dtype,
            "theta": self.theta,
            "loss_params": self.loss_params,
        }

    def __setstate__(self, state):
        self.__init__(**state)

    @classmethod
    def from_weights(
        cls,
        coefs,
        intercepts,
        activation,
        out_activation,
        loss,
        fit_intercept,
        dtype,
        loss_params=None,
    ):
        """A network holding a copy of per-layer weight arrays.

        Parameters
        ----------
        coefs : list of array-like of shape (fan_in, fan_out)
        intercepts : list of array-like of shape (fan_out,)
        activation, out_activation, loss : str
        fit_intercept : bool
        dtype : numpy dtype
        loss_params : dict, default=None

        Returns
        -------
        network : Network
        """
        units = [np.shape(coefs[0])[0], *(np.shape(c)[1] for c in coefs)]
        layout = Layout(units, fit_intercept)
        theta = layout.pack(coefs, intercepts, dtype)
        return cls(layout, activation, out_activation, loss, dtype, theta, loss_params)

    def single(self, r, theta=None):
        """Stacked network ``r`` as a network of its own (a copy).

        Parameters
        ----------
        r : int
        theta : ndarray of shape (layout.n_total,), default=None
            A vector laid out like this network's (e.g. a snapshot) to take
            the parameters from instead of ``self.theta``.

        Returns
        -------
        network : Network
        """
        theta = self.theta if theta is None else theta
        return Network(
            self.layout.single(),
            self.activation,
            self.out_activation,
            self.loss,
            self.dtype,
            self.layout.extract(theta, r),
            self.loss_params,
        )

    def workspace(self, n_rows, training=True, dropout=None, rng=None):
        """A new workspace for batches of at most ``n_rows`` rows.

        Parameters
        ----------
        n_rows : int
        training : bool, default=True
            Whether the workspace computes gradients (else forward only).
        dropout : sequence of float, default=None
            Dropout rate of every hidden layer, for the training passes
            (:meth:`Workspace.loss_grad`) of a training workspace; None or
            all zero: no dropout.
        rng : numpy.random.Generator, default=None
            Source of the dropout masks (needed when a rate is positive).

        Returns
        -------
        workspace : Workspace
        """
        return Workspace(self, n_rows, training, dropout, rng)

    def predict(self, X):
        """Output activations for ``X`` as a new array, computed in chunks
        with a workspace of this call's own.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
            Input of the network's dtype.

        Returns
        -------
        out : ndarray of shape (*layout.lead, n, n_outputs)
        """
        return self._chunked_forward(X, None)

    def hidden_activations(self, X, layer):
        """Activations of hidden layer ``layer`` for ``X`` as a new array,
        computed in chunks with a workspace of this call's own (as
        :meth:`predict`, stopping after the layer).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
            Input of the network's dtype.
        layer : int
            Index of the hidden layer: ``0`` is the first, ``-1`` the last
            (negative indices count from the end).

        Returns
        -------
        activations : ndarray of shape (*layout.lead, n, width)
            ``width`` is ``layout.layer_units[layer + 1]`` (``layer`` made
            non-negative).

        Raises
        ------
        IndexError
            If the network has no hidden layer ``layer``.
        """
        n_hidden = self.layout.n_layers - 1
        if not -n_hidden <= layer < n_hidden:
            raise IndexError(
                f"hidden layer {layer} out of range: the network has {n_hidden} "
                "hidden layer(s)."
            )
        return self._chunked_forward(X, layer % n_hidden + 1)

    def _chunked_forward(self, X, depth):
        """The activations after ``depth`` weight layers (all when None), in
        chunks of at most ``PREDICT_CHUNK`` rows, as a new array."""
        n = X.shape[0]
        width = self.layout.layer_units[-1 if depth is None else depth]
        out = np.empty((*self.layout.lead, n, width), self.dtype)
        chunk = min(n, PREDICT_CHUNK) or 1
        ws = Workspace(self, chunk, training=False)
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            out[..., start:stop, :] = ws.forward(X[start:stop], depth=depth)
        return out

    def penalty(self):
        """Squared norm of the weights (not the biases).

        Returns
        -------
        penalty : float, or ndarray of shape (R,) when stacked
        """
        if not self.layout.stacked:
            w = self.theta[: self.layout.n_coef]
            return float(np.dot(w, w))
        return sum(np.einsum("rij,rij->r", W, W) for W in self.coefs)

    def objective(self, X, y, sample_weight=None, alpha=0.0, out=None):
        """Loss plus L2 penalty at the current parameters (chunked).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
        y : ndarray of shape (n, n_outputs)
        sample_weight : ndarray of shape (n,), default=None
        alpha : float, default=0.0
        out : ndarray of shape (*layout.lead, n, n_outputs), default=None
            ``predict(X)`` when the caller has it already.

        Returns
        -------
        value : float, or ndarray of shape (R,) when stacked
        """
        weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        if not weight_sum > 0:
            return self.layout.zero_value()
        out = self.predict(X) if out is None else out
        value = self.loss_value(y, out, sample_weight, weight_sum)
        if alpha:
            value = value + 0.5 * alpha * self.penalty() / weight_sum
        return value

    def is_usable(self, X, y, sample_weight=None):
        """Whether the parameters give finite outputs and a finite loss on
        ``(X, y)``.

        Usually settled by a bound computed from the weights and ``max |X|``
        (:meth:`provably_finite`); otherwise by chunked predictions, so the
        memory used does not grow with ``n_samples * width``. Call it under
        ``np.errstate(all="ignore")``.

        Returns
        -------
        usable : bool, or ndarray of bool of shape (R,) when stacked
        """
        if self.provably_finite(X, y):
            return True
        out = self.predict(X)
        finite = np.isfinite(out).all(axis=(-2, -1))
        weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        value = self.loss_value(y, out, sample_weight, weight_sum)
        usable = finite & np.isfinite(value)
        return usable if self.layout.stacked else bool(usable)

    def provably_finite(self, X, y):
        """Cheap sufficient condition for finite outputs and loss on ``(X, y)``.

        Propagates a bound on ``max |a|`` through the layers: ``|z_j| <=
        max|a| * sum_i |W_ij| + |b_j|``; identity, relu and tanh units do not
        increase it and logistic units are bounded by 1. The loss is then
        bounded from the output bound and ``max |y|``. True only when the
        bound leaves a wide margin below the largest float; otherwise the
        caller evaluates the network.
        """
        if self.layout.stacked:
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
        last = self.layout.n_layers - 1
        for i, (W, b) in enumerate(zip(self.coefs, self.intercepts)):
            bound = bound * float(np.abs(W).sum(axis=0).max(initial=0.0))
            if self.layout.fit_intercept:
                bound += float(np.abs(b).max(initial=0.0))
            if not bound < limit:  # also False for nan
                return False
            if i < last:
                bound = _activation_bound(self.activations[i], bound)
        p_max = _output_bound(self.out_activation, bound, limit)
        if p_max is None:
            return False
        term = _loss_term_bound(self.loss, p_max, y_max, self.loss_params)
        return term < limit and p_max < limit


def _activation_bound(activation, bound):
    """A bound on ``|f(z)|`` given ``|z| <= bound``: logistic units are
    bounded by 1, softplus by ``|z| + log 2``, and every other hidden
    activation satisfies ``|f(z)| <= |z|``."""
    if activation == "logistic":
        return 1.0
    if activation == "softplus":
        return bound + math.log(2.0)
    return bound


def _output_bound(out_activation, bound, limit):
    if out_activation in ("logistic", "tanh", "softmax"):
        return 1.0
    if out_activation == "exp":
        return math.exp(bound) if bound <= math.log(limit) else None
    return bound


def _loss_term_bound(loss, p_max, y_max, loss_params):
    if loss == "squared_error":
        return (p_max + y_max) * (p_max + y_max)  # no OverflowError
    if loss == "poisson":
        # -log(p) <= -log(tiny) ~ 745 (float64) after the loss's clipping
        return y_max * (abs(math.log(y_max + 1.0)) + 750.0) + y_max + p_max
    r_max = p_max + y_max  # bounds every residual |y - p|
    if loss == "huber":
        # m (|r| - m/2) <= m |r| with m = min(|r|, delta) <= min(delta, r_max)
        return min(loss_params.get("delta", 1.0), r_max) * r_max
    # the absolute error, the pinball loss (max(q r, (q - 1) r) <= |r|) and
    # the log losses, which clip the probabilities
    return r_max


class ForwardStep(NamedTuple):
    """One layer of a forward pass: ``z <- f(a_below @ W + b)`` in place."""

    W: np.ndarray
    b: np.ndarray | None  # shaped to broadcast over rows; None without bias
    z: np.ndarray  # the layer's activation rows (written in place)
    f: object  # in-place activation


class BackwardStep(NamedTuple):
    """One layer above the first in a backward pass (output layer first)."""

    dW: np.ndarray  # gradient of the layer's weights
    db: np.ndarray | None  # gradient of its biases
    a_below_T: np.ndarray  # transposed activations of the layer below
    W_T: np.ndarray  # transposed weights
    delta_below: np.ndarray  # delta of the layer below (written)
    a_below: np.ndarray  # activations of the layer below
    work_below: np.ndarray  # scratch rows shaped like the layer below
    deriv: object  # deriv(a_below, delta_below, work_below): times f'(z) below


class BatchPlan(NamedTuple):
    """Views of a workspace's buffers for a batch of ``n`` rows."""

    forward: tuple  # of ForwardStep, input layer first
    backward: tuple  # of BackwardStep, output layer first
    dW0: np.ndarray | None  # gradient of the first layer's weights
    db0: np.ndarray | None  # and biases
    delta_out: np.ndarray | None  # output delta rows
    work_out: np.ndarray | None  # scratch rows shaped like the output
    flat_delta: np.ndarray | None  # output delta as one vector (single net)
    ones: np.ndarray | None  # n ones: intercept gradients are ones @ delta
    inv_n: np.ndarray  # 1 / n as a 0-d array (faster than a float)


class Workspace:
    """Buffers of one call: activations, deltas, scratch and the gradient.

    A workspace serves batches of up to ``n_rows`` rows of one network and
    caches one :class:`BatchPlan` per batch size. It belongs to the call that
    made it; the network it reads is never written.

    With dropout (a training workspace given a positive rate), every
    :meth:`loss_grad` call trains the thinned network of a fresh mask (see
    :meth:`_loss_grad_dropout`); :meth:`forward` always runs the full
    network. Without dropout nothing of it is allocated and
    :meth:`loss_grad` is the plain pass.

    Parameters
    ----------
    network : Network
    n_rows : int
        Largest batch the workspace serves.
    training : bool, default=True
        Whether to allocate deltas and the gradient vector.
    dropout : sequence of float, default=None
        Dropout rate in ``[0, 1)`` of every hidden layer (training
        workspaces); None or all zero: none.
    rng : numpy.random.Generator, default=None
        Draws the dropout masks; required when a rate is positive.

    Attributes
    ----------
    grad : ndarray of shape (layout.n_total,)
        Gradient of the last :meth:`loss_grad` call, laid out like ``theta``
        (training workspaces only).
    param_grad : ndarray of shape (layout.n_params,)
        Its trainable prefix.
    """

    def __init__(self, network, n_rows, training=True, dropout=None, rng=None):
        layout = network.layout
        self.network = network
        self.layout = layout
        self.n_rows = n_rows = max(int(n_rows), 1)
        self.training = training
        lead, dtype = layout.lead, network.dtype
        units = layout.layer_units[1:]
        self._acts = [np.empty((*lead, n_rows, u), dtype=dtype) for u in units]
        self._plans = {}
        self._mm = np.matmul if layout.stacked else np.dot  # dot: small arrays
        self._out_act = ACTIVATIONS[network.out_activation]
        # what training passes keep for the derivative of a hidden layer (the
        # pre-activations of GELU and SiLU, the mask f'(z) of ReLU); None for
        # the other layers and in inference workspaces
        self._kept = [
            np.empty((*lead, n_rows, u), dtype=dtype)
            if training and name in KEEPS_BUFFER
            else None
            for name, u in zip(network.activations, units)
        ]
        #: rate of every hidden layer when training passes drop units; None
        self.dropout = None
        if dropout is not None and any(float(p) > 0 for p in dropout):
            self.dropout = self._dropout_rates(dropout, training)
        if not training:
            return
        R = layout.n_restarts
        self._deltas = [np.empty((*lead, n_rows, u), dtype=dtype) for u in units]
        scratch = np.empty(R * n_rows * max(units), dtype=dtype)
        self._work = [
            scratch[: R * n_rows * u].reshape(*lead, n_rows, u) for u in units
        ]
        self._ones = np.ones(n_rows, dtype=dtype)
        self._penalty_work = np.empty(layout.n_coef, dtype=dtype)
        self._weights = network.theta[: layout.n_coef]  # the penalised part
        self.grad = np.zeros(layout.n_total, dtype=dtype)
        self.param_grad = self.grad[: layout.n_params]
        self._weight_grad = self.grad[: layout.n_coef]
        self._coef_grads, self._intercept_grads = layout.views(self.grad)
        self._fused = (network.out_activation, network.loss) in CANONICAL_PAIRS
        self._squared = network.loss == "squared_error"
        self._plain_squared = self._fused and self._squared and not layout.stacked
        self._out_deriv = DERIVATIVES[network.out_activation]
        self._loss_value = network.loss_value
        self._loss_grad = network.loss_gradient
        #: per-output sums of the (weighted) squared residuals ``(p - y)**2``
        #: of the loss_grad calls since :meth:`track_residuals`; None: off
        self.residual_sums = None
        if self.dropout is not None:
            self._init_dropout(rng)

    def track_residuals(self):
        """Start summing, over the following :meth:`loss_grad` calls, the
        (sample-weighted) squared residual of every output into
        :attr:`residual_sums` (float64, shape ``(*layout.lead, n_outputs)``);
        a later call starts again from zero."""
        if self.residual_sums is None:
            k = self.layout.layer_units[-1]
            self.residual_sums = np.zeros((*self.layout.lead, k))
        else:
            self.residual_sums.fill(0.0)

    def _add_residuals(self, residual, sample_weight, squared_norm=None):
        # squared_norm: the residual's squared norm, when the caller has it
        sums = self.residual_sums
        if squared_norm is not None and sums.shape[-1] == 1:
            sums[0] += squared_norm
        elif sample_weight is None:
            sums += np.einsum("...ij,...ij->...j", residual, residual)
        else:
            sums += np.einsum("i,...ij,...ij->...j", sample_weight, residual, residual)

    # ------------------------------------------------------------------
    def plan(self, n):
        """The cached :class:`BatchPlan` for ``n <= n_rows`` rows."""
        plan = self._plans.get(n)
        if plan is None:
            if n > self.n_rows:
                raise ValueError(
                    f"batch of {n} rows; the workspace holds {self.n_rows}"
                )
            plan = self._plans[n] = self._build_plan(n)
        return plan

    def _build_plan(self, n):
        net, layout = self.network, self.layout
        last = layout.n_layers - 1
        rows, transposed = (lambda a: layout.rows(a, n)), layout.transposed
        biases = [
            layout.row_broadcast(b) if layout.fit_intercept else None
            for b in net.intercepts
        ]
        kept = [None if k is None else rows(k) for k in self._kept]
        forward = tuple(
            ForwardStep(
                net.coefs[i],
                biases[i],
                rows(self._acts[i]),
                self._out_act
                if i == last
                else _activation(net.activations[i], kept[i]),
            )
            for i in range(layout.n_layers)
        )
        inv_n = np.array(1.0 / n, dtype=net.dtype)
        if not self.training:
            return BatchPlan(forward, (), None, None, None, None, None, None, inv_n)
        deltas = [rows(d) for d in self._deltas]
        works = [rows(w) for w in self._work]
        db = self._intercept_grads if layout.fit_intercept else [None] * (last + 1)
        backward = tuple(
            BackwardStep(
                self._coef_grads[i],
                db[i],
                transposed(forward[i - 1].z),
                transposed(net.coefs[i]),
                deltas[i - 1],
                forward[i - 1].z,
                works[i - 1],
                _derivative(net.activations[i - 1], kept[i - 1]),
            )
            for i in range(last, 0, -1)
        )
        return BatchPlan(
            forward,
            backward,
            self._coef_grads[0],
            db[0],
            deltas[-1],
            works[-1],
            None if layout.stacked else deltas[-1].reshape(-1),
            self._ones[:n],
            inv_n,
        )

    # ------------------------------------------------------------------
    def forward(self, X, plan=None, depth=None):
        """Output activations for ``X`` (a view into this workspace).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
        plan : BatchPlan, default=None
            The plan for ``n`` rows, when the caller already has it.
        depth : int, default=None
            Stop after this many weight layers (``1 <= depth <= n_layers``)
            and return the activations of layer ``depth``: ``1`` is the
            first hidden layer. None runs every layer.

        Returns
        -------
        out : ndarray of shape (*layout.lead, n, layer_units[depth])
            The output activations (``n_outputs`` columns) when ``depth`` is
            None.
        """
        steps = (plan or self.plan(X.shape[0]))[0]  # the forward steps
        if depth is not None:  # once per call: the loop below is unchanged
            steps = steps[:depth]
        a = X
        if not isinstance(X, np.ndarray):  # scipy sparse matrix
            W, b, z, f = steps[0]
            if self.layout.stacked:
                for r in range(self.layout.n_restarts):
                    z[r] = X @ W[r]
            else:
                z[...] = X @ W
            if b is not None:
                z += b
            a = f(z)
            steps = steps[1:]
        mm = self._mm
        for W, b, z, f in steps:
            mm(a, W, out=z)
            if b is not None:
                z += b
            a = f(z)
        return a

    def loss_grad(self, X, y, sample_weight=None, alpha=0.0):
        """Objective at the network's parameters; its gradient goes to
        :attr:`grad`.

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
        loss : float, or ndarray of shape (R,) when stacked (a new array)
        """
        n = X.shape[0]
        plan = self._plans.get(n) or self.plan(n)
        p = self.forward(X, plan)
        if sample_weight is None:
            weight_sum = n
        else:
            weight_sum = float(sample_weight.sum())
            if weight_sum <= 0:
                self.grad.fill(0)
                return self.layout.zero_value()
        # one unpack: attribute access on the plan costs more on tiny nets
        _, backward, dW0, db0, delta, _, flat, ones, inv_n = plan
        if self._plain_squared and sample_weight is None:
            # identity output, squared error, one network: the residual p - y
            # is the delta, and its squared norm the loss
            np.subtract(p, y, out=delta)
            squared_norm = float(flat.dot(flat))
            value = 0.5 * squared_norm / n
            if self.residual_sums is not None:
                self._add_residuals(delta, None, squared_norm)
            np.multiply(delta, inv_n, out=delta)
        else:
            value = self._output_delta(p, y, sample_weight, weight_sum, plan)
        # δ rules, output layer first; intercept gradients are ones @ delta
        # (a BLAS gemv), faster than an axis reduction
        mm = self._mm
        for dW, db, aT, WT, prev, a, work, deriv in backward:
            mm(aT, delta, out=dW)
            if db is not None:
                mm(ones, delta, out=db)
            mm(delta, WT, out=prev)
            deriv(a, prev, work)
            delta = prev
        if isinstance(X, np.ndarray):
            mm(X.T, delta, out=dW0)
        else:
            self._sparse_first_layer_grad(X, delta, dW0)
        if db0 is not None:
            mm(ones, delta, out=db0)
        if alpha:
            c = alpha / weight_sum
            value = value + 0.5 * c * self.network.penalty()
            np.multiply(self._weights, c, out=self._penalty_work)
            self._weight_grad += self._penalty_work
        return value

    def _output_delta(self, p, y, sample_weight, weight_sum, plan):
        """Write the output delta dL/dz (scaled by the sample weights) and
        return the loss value."""
        _, _, _, _, delta, work, flat, _, inv_n = plan
        # fused p - y for canonical pairs, otherwise dL/dp * f'(z) with f'
        # taken from the activations
        tracking = self.residual_sums is not None
        if self._fused:
            np.subtract(p, y, out=delta)
            if tracking:
                self._add_residuals(delta, sample_weight)
            if self._squared and flat is not None and sample_weight is None:
                # the residual is the delta: no second pass over p - y
                value = 0.5 * float(flat.dot(flat)) / weight_sum
            elif self._squared:
                value = self._squared_value(delta, sample_weight, weight_sum)
            else:
                value = self._loss_value(y, p, sample_weight, weight_sum)
        else:
            if tracking:
                self._add_residuals(np.subtract(p, y, out=work), sample_weight)
            value = self._loss_value(y, p, sample_weight, weight_sum)
            self._loss_grad(y, p, out=delta)
            self._out_deriv(p, delta, work)
        if sample_weight is None:
            np.multiply(delta, inv_n, out=delta)
        else:
            delta *= (sample_weight / weight_sum)[:, None]
        return value

    def _squared_value(self, residual, sample_weight, weight_sum):
        # half the squared residual (stacked, or weighted)
        if sample_weight is None:
            return (0.5 / weight_sum) * np.einsum("rij,rij->r", residual, residual)
        per_sample = np.einsum("...ij,...ij->...i", residual, residual)
        return self.layout.value((0.5 / weight_sum) * np.dot(per_sample, sample_weight))

    def _sparse_first_layer_grad(self, X, delta, dW0):
        if self.layout.stacked:
            for r in range(self.layout.n_restarts):
                dW0[r] = X.T @ delta[r]
        else:
            dW0[...] = X.T @ delta

    # ------------------------------------------------------------------
    # dropout: set up once when the workspace is made, used by training
    # passes only (forward never drops)
    def _dropout_rates(self, dropout, training):
        n_hidden = self.layout.n_layers - 1
        rates = tuple(float(p) for p in dropout)
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rate(s) but the network has {n_hidden} "
                "hidden layer(s)."
            )
        if not all(0.0 <= p < 1.0 for p in rates):
            raise ValueError(f"dropout rates must be in [0, 1), got {rates!r}.")
        if not training:
            raise ValueError("dropout applies to training workspaces only.")
        return rates

    def _init_dropout(self, rng):
        if rng is None:
            raise ValueError("dropout needs a random generator (rng).")
        layout, rates = self.layout, self.dropout
        n_hidden = layout.n_layers - 1
        self._random = rng.random
        dtype, size = self.network.dtype, layout.n_restarts * self.n_rows
        # per dropped layer: the scaled mask m / (1 - p) and the dropped
        # activations a * m / (1 - p), flat so that the view of every batch
        # size is contiguous (Generator.random fills contiguous arrays only)
        self._drop_buffers = [
            None
            if p == 0
            else (np.empty(size * u, dtype=dtype), np.empty(size * u, dtype=dtype))
            for p, u in zip(rates, layout.layer_units[1:-1])
        ]
        self._dropout_plans = {}
        self._last_masks = (None,) * n_hidden
        # the training pass of this workspace, chosen once
        self.loss_grad = self._loss_grad_dropout

    @property
    def dropout_masks(self):
        """The scaled masks ``m / (1 - p)`` (``m`` 0 for a dropped unit, else
        1) of the last training pass, one per hidden layer: views of shape
        ``(*layout.lead, n, width)`` that the next pass overwrites; None for a
        layer without dropout (all None before the first pass)."""
        return list(self._last_masks)

    def _dropout_plan(self, n):
        """``(plan, masks)`` for ``n`` rows: a :class:`BatchPlan` whose forward
        steps drop units after the activation of every layer with a positive
        rate, and whose backward steps take the weight gradient of the layer
        above from the dropped activations; ``masks`` (one per hidden layer)
        holds the scaled mask buffers, None where nothing is dropped."""
        base = self.plan(n)
        layout = self.layout
        forward, masks, dropped = list(base.forward), [], []
        for i, (p, buffers) in enumerate(zip(self.dropout, self._drop_buffers)):
            if buffers is None:
                masks.append(None)
                dropped.append(None)
                continue
            width = layout.layer_units[i + 1]
            m, d = (
                b[: layout.n_restarts * n * width].reshape(*layout.lead, n, width)
                for b in buffers
            )
            step = forward[i]
            forward[i] = step._replace(f=_dropping(step.f, p, m, d, self._random))
            masks.append(m)
            dropped.append(d)
        # backward steps run from the output layer down: step j is weight layer
        # last - j, whose input is hidden layer last - j - 1
        last = layout.n_layers - 1
        backward = tuple(
            step
            if dropped[i - 1] is None
            else step._replace(a_below_T=layout.transposed(dropped[i - 1]))
            for i, step in zip(range(last, 0, -1), base.backward)
        )
        plan = base._replace(forward=tuple(forward), backward=backward)
        entry = self._dropout_plans[n] = (plan, tuple(masks))
        return entry

    def _loss_grad_dropout(self, X, y, sample_weight=None, alpha=0.0):
        """:meth:`loss_grad` of a thinned network: inverted dropout with a
        fresh mask for this batch.

        Every hidden unit of a layer with rate ``p > 0`` is dropped with
        probability ``p`` (its activation zeroed) and the others are scaled
        by ``1 / (1 - p)``, so that the expected input of the next layer is
        the full network's. The layer above consumes ``d = a * m / (1 - p)``
        and its weight gradient is ``d^T delta``; the delta of the dropped
        layer is ``(delta @ W^T) * m / (1 - p) * f'(z)``, with ``f'`` taken
        from the undropped activations ``a``. The value returned is the
        objective of the thinned network.
        """
        n = X.shape[0]
        plan, masks = self._dropout_plans.get(n) or self._dropout_plan(n)
        self._last_masks = masks
        p = self.forward(X, plan)  # draws the masks
        if sample_weight is None:
            weight_sum = n
        else:
            weight_sum = float(sample_weight.sum())
            if weight_sum <= 0:
                self.grad.fill(0)
                return self.layout.zero_value()
        value = self._output_delta(p, y, sample_weight, weight_sum, plan)
        delta, ones = plan.delta_out, plan.ones
        # the δ rules of loss_grad, the delta of a dropped layer masked before
        # its derivative (masks[j - 1]: the layer below weight layer j)
        mm = self._mm
        for step, m in zip(plan.backward, masks[::-1]):
            dW, db, aT, WT, prev, a, work, deriv = step
            mm(aT, delta, out=dW)
            if db is not None:
                mm(ones, delta, out=db)
            mm(delta, WT, out=prev)
            if m is not None:
                prev *= m
            deriv(a, prev, work)
            delta = prev
        if isinstance(X, np.ndarray):
            mm(X.T, delta, out=plan.dW0)
        else:
            self._sparse_first_layer_grad(X, delta, plan.dW0)
        if plan.db0 is not None:
            mm(ones, delta, out=plan.db0)
        if alpha:
            c = alpha / weight_sum
            value = value + 0.5 * c * self.network.penalty()
            np.multiply(self._weights, c, out=self._penalty_work)
            self._weight_grad += self._penalty_work
        return value


def _dropping(f, rate, mask, dropped, random):
    """The activation ``f`` followed by inverted dropout: a new mask is drawn
    into ``mask`` (``1 / (1 - rate)`` for a kept unit, 0 for a dropped one)
    and ``f(z) * mask`` is written to ``dropped`` and returned, the input of
    the next layer; ``f(z)`` itself stays where ``f`` put it."""
    dtype = mask.dtype
    threshold = dtype.type(rate)
    scale = dtype.type(1.0 / (1.0 - rate))

    def step(*args):
        a = f(*args)
        random(out=mask, dtype=dtype)  # uniform in [0, 1)
        np.greater_equal(mask, threshold, out=mask)  # kept with 1 - rate
        np.multiply(mask, scale, out=mask)
        return np.multiply(a, mask, out=dropped)

    return step


def _activation(name, kept):
    """The in-place activation of a hidden layer; with a buffer ``kept``, one
    that also writes there what its derivative reads."""
    if kept is None:
        return ACTIVATIONS[name]
    return partial(KEEPING_ACTIVATIONS[name], kept=kept)


def _derivative(name, kept):
    """``deriv(a, delta, work)`` of a hidden layer, reading the buffer
    ``kept`` by the forward pass where there is one."""
    if kept is None:
        return DERIVATIVES[name]
    return partial(KEPT_DERIVATIVES[name], kept)
