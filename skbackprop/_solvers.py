"""Optimizers acting on one flat parameter vector.

This module is part of the engine and imports nothing from scikit-learn.

Each stochastic optimizer updates the parameter vector in place from the
gradient vector with a handful of vectorised operations and no per-layer
loop; L-BFGS hands the same vector to :func:`scipy.optimize.minimize`.
"""

import math

import numpy as np
import scipy.linalg.blas
import scipy.optimize

from ._schedules import Constant, make_schedule

#: Largest vector a plain step sends through scipy's BLAS axpy. scipy ships
#: an OpenBLAS of its own, with its own thread pool: waking that pool makes it
#: fight numpy's for the cores and slows every GEMM after it (2-3x on a
#: (256, 256) network). OpenBLAS runs axpy of at most 10000 entries on the
#: calling thread, so small networks keep the one-call step and larger ones
#: take two numpy passes.
_AXPY_MAX_SIZE = 10_000

#: BLAS ``y <- a x + y`` by dtype
_AXPY = {
    np.dtype(np.float64): scipy.linalg.blas.daxpy,
    np.dtype(np.float32): scipy.linalg.blas.saxpy,
}


class SGD:
    """Gradient descent with (Nesterov) momentum and learning-rate schedules.

    The update with momentum ``mu`` and rate ``eta`` is
    ``v <- mu v - eta g`` then ``theta <- theta + v`` (classical momentum) or
    ``theta <- theta + mu v - eta g`` (Nesterov). With ``mu = 0`` both are the
    plain rule ``theta <- theta - eta g``.

    The optimizer's state is the velocity and its schedule's rate
    (:meth:`state_dict`); the rate comes from a schedule object
    (:mod:`skbackprop._schedules`).

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        The parameter vector (used for shape and dtype).
    learning_rate_init : float or ndarray of shape (n_params,)
        Initial step size; an array gives every parameter its own rate.
    lr_schedule : {"constant", "invscaling", "adaptive"}, default="constant"
        How the rate evolves between epochs.
    momentum : float, default=0.9
    nesterov : bool, default=True
    power_t : float, default=0.5
        Exponent of the ``invscaling`` schedule ``eta_t = eta_0 / (t + 1)**power_t``.
    schedule : object, default=None
        A schedule to use instead of the one ``lr_schedule`` names.
    """

    def __init__(
        self,
        params,
        learning_rate_init,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
        schedule=None,
    ):
        if schedule is None:
            schedule = make_schedule(lr_schedule, learning_rate_init, power_t)
        self.schedule = schedule
        self.learning_rate_init = learning_rate_init
        self.lr_schedule = lr_schedule
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.power_t = float(power_t)
        self.velocity = np.zeros_like(params)
        self._work = np.empty_like(params)
        # plain steps with one rate on small vectors go through BLAS axpy (one
        # call, in place); see _AXPY_MAX_SIZE
        self._axpy = None
        if params.flags.c_contiguous and params.size <= _AXPY_MAX_SIZE:
            self._axpy = _AXPY.get(params.dtype)

    @property
    def learning_rate(self):
        """The current step size (the schedule's rate)."""
        return self.schedule.rate

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_axpy"] = state["_axpy"] is not None  # BLAS functions do not pickle
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._axpy = _AXPY.get(self.velocity.dtype) if self._axpy else None

    def state_dict(self):
        """The optimizer's state as arrays and numbers.

        Returns
        -------
        state : dict
        """
        return {
            "velocity": self.velocity.copy(),
            "rate": _copy(self.schedule.rate),
            "schedule": self.schedule.state_dict(),
        }

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
        """
        self.velocity[...] = state["velocity"]
        self.schedule.rate = _copy(state["rate"])
        # states saved before schedules had their own have no "schedule"
        self.schedule.load_state(state.get("schedule", {}))

    def update(self, params, grad):
        """Move ``params`` in place by one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
            Parameters, updated in place.
        grad : ndarray of shape (n_params,)
            Gradient of the objective at ``params``.
        """
        lr = self.schedule.rate
        axpy = self._axpy
        if self.momentum == 0.0 and axpy is not None and type(lr) is float:
            # theta <- theta - eta g
            if axpy(grad, params, a=-lr) is not params:  # pragma: no cover
                raise RuntimeError("BLAS axpy did not update the parameters in place")
            return
        work = self._work
        np.multiply(grad, lr, out=work)  # eta g
        if self.momentum == 0.0:
            params -= work
            return
        v = self.velocity
        v *= self.momentum
        v -= work
        if self.nesterov:
            params -= work
            np.multiply(v, self.momentum, out=work)
            params += work
        else:
            params += v

    def reset_state(self, mask):
        """Zero the momentum of the parameters selected by boolean ``mask``.

        Parameters
        ----------
        mask : ndarray of bool of shape (n_params,)
            Parameters whose optimizer state is reset.
        """
        self.velocity[mask] = 0

    def iteration_ends(self, time_step):
        """Update the rate at the end of an epoch (``invscaling``).

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.schedule.epoch_end(time_step)

    def trigger_stopping(self):
        """Called when progress stalls; return True to stop.

        The ``adaptive`` schedule divides the rate by 5 instead, and stops only
        once the rate is at most 1e-6.

        Returns
        -------
        stop : bool
            Whether training should stop.
        """
        return not self.schedule.reduce()


class Adam:
    """Adam (Kingma and Ba, 2014) on a flat parameter vector.

    With ``t`` steps taken, the moment estimates are
    ``m_t = b1 m + (1 - b1) g`` and ``v_t = b2 v + (1 - b2) g**2``, and the step
    is ``lr_t m_t / (sqrt(v_t) + eps)`` with the bias correction folded into
    the rate, ``lr_t = lr sqrt(1 - b2**t) / (1 - b1**t)``, as in
    scikit-learn. The optimizer keeps the rescaled sums
    ``M = m / (1 - b1)`` and ``V = v / (1 - b2)`` instead
    (``M <- b1 M + g``, ``V <- b2 V + g**2``), for which the same step is
    ``c M / (sqrt(V) + eps / sqrt(1 - b2))`` with
    ``c = lr_t (1 - b1) / sqrt(1 - b2)``: equal in exact arithmetic, with
    two passes over the vector fewer per step.

    Its state is the step count and the two sums (:meth:`state_dict`);
    :attr:`m` and :attr:`v` give the moment estimates.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    learning_rate_init : float or ndarray of shape (n_params,), default=0.001
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to the root of the second moment for stability.
    schedule : object, default=None
        The schedule of the step size (:mod:`skbackprop._schedules`); a
        constant ``learning_rate_init`` when None.
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        schedule=None,
    ):
        if schedule is None:
            schedule = Constant(learning_rate_init)
        self.schedule = schedule
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.m_sum = np.zeros_like(params)
        self.v_sum = np.zeros_like(params)
        self._work = np.empty_like(params)

    def __setstate__(self, state):
        # optimizers pickled before the rescaled sums kept m and v
        if "m" in state:
            b1, b2 = state["beta_1"], state["beta_2"]
            state["m_sum"] = state.pop("m") / (1.0 - b1)
            state["v_sum"] = state.pop("v") / (1.0 - b2)
        self.__dict__.update(state)

    @property
    def m(self):
        """The first moment estimate ``m_t`` (a new array)."""
        return self.m_sum * (1.0 - self.beta_1)

    @property
    def v(self):
        """The second moment estimate ``v_t`` (a new array)."""
        return self.v_sum * (1.0 - self.beta_2)

    def state_dict(self):
        """The optimizer's state as arrays and numbers.

        Returns
        -------
        state : dict
            ``t``, the sums ``m_sum`` and ``v_sum`` (see the class
            description) and the schedule's state.
        """
        return {
            "t": int(self.t),
            "m_sum": self.m_sum.copy(),
            "v_sum": self.v_sum.copy(),
            "schedule": self.schedule.state_dict(),
        }

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
            A :meth:`state_dict`, or a state of the earlier form with the
            moment estimates ``m`` and ``v`` themselves.
        """
        self.t = int(state["t"])
        if "m_sum" in state:
            self.m_sum[...] = state["m_sum"]
            self.v_sum[...] = state["v_sum"]
        else:
            self.m_sum[...] = state["m"] / (1.0 - self.beta_1)
            self.v_sum[...] = state["v"] / (1.0 - self.beta_2)
        self.schedule.load_state(state.get("schedule", {}))

    def update(self, params, grad):
        """Move ``params`` in place by one Adam step.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
            Parameters, updated in place.
        grad : ndarray of shape (n_params,)
            Gradient of the objective at ``params``.
        """
        b1, b2 = self.beta_1, self.beta_2
        m, v, work = self.m_sum, self.v_sum, self._work
        self.t += 1
        m *= b1
        m += grad
        v *= b2
        np.multiply(grad, grad, out=work)
        v += work
        root = math.sqrt(1.0 - b2)
        self.learning_rate = lr = (
            self.schedule.rate * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        )
        np.sqrt(v, out=work)
        work += self.epsilon / root
        np.divide(m, work, out=work)
        work *= lr * ((1.0 - b1) / root)
        params -= work

    def reset_state(self, mask):
        """Zero the moment estimates of the parameters selected by ``mask``.

        Parameters
        ----------
        mask : ndarray of bool of shape (n_params,)
            Parameters whose optimizer state is reset.
        """
        self.m_sum[mask] = 0
        self.v_sum[mask] = 0

    def iteration_ends(self, time_step):
        """Update the rate at the end of an epoch (the schedule's rule; a
        constant rate, as in scikit-learn, does not change).

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.schedule.epoch_end(time_step)

    def trigger_stopping(self):
        """Called when progress stalls; return True to stop (at once with a
        constant rate; ``adaptive`` divides the rate by 5 first).

        Returns
        -------
        stop : bool
            Whether training should stop.
        """
        return not self.schedule.reduce()


class ClipByGlobalNorm:
    """Scale a gradient down so that its Euclidean norm is at most
    ``max_norm``: ``g <- g * min(1, max_norm / ||g||)``, in place.

    For stacked restarts every network's gradient is clipped by its own norm.
    The norm is over every trainable parameter (weights and intercepts, the
    L2 penalty's term included). A non-finite norm leaves the gradient as it
    is, so that the loop's divergence handling sees it.

    Parameters
    ----------
    layout : Layout
        Layout of the gradient vectors.
    grad : ndarray of shape (layout.n_total,)
        The gradient vector that :meth:`__call__` will clip (its views are
        made once).
    max_norm : float
        Largest norm kept.
    """

    def __init__(self, layout, grad, max_norm):
        self.max_norm = float(max_norm)
        self.stacked = layout.stacked
        coefs, intercepts = layout.views(grad)
        blocks = coefs + (intercepts if layout.fit_intercept else [])
        # (R, entries) views: one row per stacked network
        self._rows = [b.reshape(layout.n_restarts, -1) for b in blocks]

    def __call__(self, grad):
        """Clip ``grad`` (the trainable prefix of the vector given at
        construction) in place.

        Parameters
        ----------
        grad : ndarray of shape (layout.n_params,)
        """
        if not self.stacked:
            norm = math.sqrt(float(np.dot(grad, grad)))
            if norm > self.max_norm and math.isfinite(norm):
                grad *= self.max_norm / norm
            return
        norms = np.sqrt(sum(np.einsum("rj,rj->r", b, b) for b in self._rows))
        over = (norms > self.max_norm) & np.isfinite(norms)
        if not over.any():
            return
        scale = np.where(over, self.max_norm / np.where(over, norms, 1), 1)
        for b in self._rows:
            b *= scale[:, None]


def clipped(update, clip):
    """An update that clips the gradient (``clip(grad)``) before stepping.

    Parameters
    ----------
    update : callable
        ``update(params, grad)`` of an optimizer.
    clip : callable
        ``clip(grad)``, in place (e.g. :class:`ClipByGlobalNorm`).

    Returns
    -------
    step : callable
        ``step(params, grad)``.
    """

    def step(params, grad):
        clip(grad)
        update(params, grad)

    return step


def _copy(rate):
    return rate.copy() if isinstance(rate, np.ndarray) else rate


def minimize_lbfgs(fun, x0, max_iter, max_fun, tol, callback=None):
    """Minimise ``fun`` (returning value and gradient) with L-BFGS-B.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, gradient)`` for a float64 vector ``x``.
    x0 : ndarray of shape (n_params,)
    max_iter, max_fun : int
        Iteration and function-evaluation budgets.
    tol : float
        Projected-gradient tolerance (``gtol``).
    callback : callable, default=None
        Called after every iteration as ``callback(value, x)`` with the
        objective value and the current iterate; it may raise
        ``StopIteration`` to end the optimisation there.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
    """

    def _callback(intermediate_result):
        if callback is not None:
            callback(float(intermediate_result.fun), intermediate_result.x)

    return scipy.optimize.minimize(
        fun,
        np.asarray(x0, dtype=np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=_callback,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
