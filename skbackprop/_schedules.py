"""Learning-rate schedules and the stopping rule: small pieces of the
training loop.

This module is part of the engine and imports nothing from scikit-learn.

A schedule owns the current step size ``rate`` (a float, or one value per
parameter for per-layer rates and for stacked restarts that reduce their
rates on their own). The loop calls :meth:`Constant.epoch_end` after every
epoch and :meth:`Constant.reduce` when progress stalls; ``reduce`` returns
False when the schedule cannot go on, and training (of that network) stops.
Both stochastic optimizers (SGD and Adam) read ``rate`` at every step.

The schedules are :class:`Constant`, :class:`InvScaling`, :class:`Adaptive`
and :class:`Cosine`; :class:`Warmup` puts a linear ramp in front of any of
them. ``state_dict``/``load_state`` carry what a schedule needs to continue
in the next ``partial_fit`` call.
"""

import math

import numpy as np

#: The ``adaptive`` schedule stops once the rate is at most this.
MIN_ADAPTIVE_RATE = 1e-6

#: Factor by which the ``adaptive`` schedule divides the rate on a plateau.
ADAPTIVE_FACTOR = 5.0


class Constant:
    """A fixed step size.

    Parameters
    ----------
    rate : float or ndarray of shape (n_params,)
        The step size.
    """

    #: whether :meth:`epoch_end` changes the rate (the loop skips it if not)
    per_epoch = False

    def __init__(self, rate):
        self.rate_init = rate
        self.rate = rate

    def epoch_end(self, time_step):
        """Update the rate after an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """

    def reduce(self, where=None):
        """React to a plateau; False when training should stop.

        Parameters
        ----------
        where : ndarray of bool of shape (n_params,), default=None
            The parameters of the network that stalled (all when None).

        Returns
        -------
        go_on : bool
        """
        return False

    def state_dict(self):
        """What the schedule needs to continue in a later call (``partial_fit``).

        Returns
        -------
        state : dict
        """
        return {}

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
        """


class InvScaling(Constant):
    """``rate = rate_init / (t + 1) ** power_t`` with ``t`` samples seen.

    Parameters
    ----------
    rate : float or ndarray of shape (n_params,)
        The initial step size.
    power_t : float, default=0.5
    """

    per_epoch = True

    def __init__(self, rate, power_t=0.5):
        super().__init__(rate)
        self.power_t = float(power_t)

    def epoch_end(self, time_step):
        """Set the rate for ``time_step`` samples seen.

        Parameters
        ----------
        time_step : int
        """
        self.rate = self.rate_init / (time_step + 1) ** self.power_t

    def state_dict(self):
        """The current rate (see :meth:`Constant.state_dict`).

        Returns
        -------
        state : dict
        """
        return {"rate": _copy(self.rate)}

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
        """
        self.rate = _copy(state["rate"])


class Adaptive(Constant):
    """Divide the rate by 5 on every plateau; stop once it is at most 1e-6.

    Parameters
    ----------
    rate : float or ndarray of shape (n_params,)
        The initial step size.
    n_params : int, default=None
        Give every parameter its own rate (so that stacked restarts reduce
        theirs independently) when set.
    """

    def __init__(self, rate, n_params=None):
        if n_params is not None:
            rate = np.array(np.broadcast_to(rate, (n_params,)))
        elif isinstance(rate, np.ndarray):
            rate = rate.copy()  # reduced in place: never the caller's array
        super().__init__(rate)

    def reduce(self, where=None):
        """Divide the rate (of the parameters ``where``) by 5, or return
        False when it is already at most 1e-6.

        Parameters
        ----------
        where : ndarray of bool of shape (n_params,), default=None

        Returns
        -------
        go_on : bool
        """
        rate = self.rate if where is None else self.rate[where]
        if np.max(rate) <= MIN_ADAPTIVE_RATE:
            return False
        if where is None:
            self.rate = self.rate / ADAPTIVE_FACTOR
        else:
            self.rate[where] /= ADAPTIVE_FACTOR
        return True

    state_dict = InvScaling.state_dict
    load_state = InvScaling.load_state


class Cosine(Constant):
    """Cosine decay from the initial rate to 0 over ``n_epochs`` epochs.

    After ``e`` epochs the rate is ``rate_init * (1 + cos(pi * e /
    n_epochs)) / 2``: the first epoch runs at ``rate_init`` and the rate
    reaches 0 after ``n_epochs`` epochs (and stays there).

    Parameters
    ----------
    rate : float or ndarray of shape (n_params,)
        The initial step size.
    n_epochs : int
        Epochs over which the rate decays.
    """

    per_epoch = True

    def __init__(self, rate, n_epochs):
        super().__init__(rate)
        if not n_epochs >= 1:
            raise ValueError(f"n_epochs must be at least 1, got {n_epochs!r}")
        self.n_epochs = int(n_epochs)
        self.epoch = 0

    def epoch_end(self, time_step):
        """Count an epoch and set the rate of the next.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far (unused).
        """
        self.epoch += 1
        self._set_rate()

    def _set_rate(self):
        progress = min(self.epoch, self.n_epochs) / self.n_epochs
        self.rate = self.rate_init * (0.5 * (1.0 + math.cos(math.pi * progress)))

    def state_dict(self):
        """The epochs counted so far (see :meth:`Constant.state_dict`).

        Returns
        -------
        state : dict
        """
        return {"epoch": self.epoch}

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
        """
        self.epoch = int(state["epoch"])
        self._set_rate()


class Warmup:
    """A linear warm-up in front of another schedule.

    During the first ``n_epochs`` epochs the rate is ``(e + 1) / (n_epochs +
    1)`` times the inner schedule's initial rate (``e`` the epochs done);
    from then on the inner schedule runs as if training started there (its
    epochs and samples are counted from the end of the warm-up).

    Parameters
    ----------
    inner : Constant
        The schedule after the warm-up.
    n_epochs : int
        Length of the warm-up, in epochs (0: none).
    """

    per_epoch = True

    def __init__(self, inner, n_epochs):
        self.inner = inner
        self.n_epochs = int(n_epochs)
        self.rate_init = inner.rate_init
        self.epoch = 0
        self.t0 = 0  # samples seen when the warm-up ended
        self._set_rate()

    def _set_rate(self):
        if self.epoch < self.n_epochs:
            self.rate = self.inner.rate * ((self.epoch + 1) / (self.n_epochs + 1))
        else:
            self.rate = self.inner.rate

    def epoch_end(self, time_step):
        """Count an epoch; after the warm-up, pass it on to the inner schedule.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.epoch += 1
        if self.epoch == self.n_epochs:
            self.t0 = time_step
        elif self.epoch > self.n_epochs:
            self.inner.epoch_end(time_step - self.t0)
        self._set_rate()

    def reduce(self, where=None):
        """The inner schedule's reaction to a plateau (see
        :meth:`Constant.reduce`).

        Parameters
        ----------
        where : ndarray of bool of shape (n_params,), default=None

        Returns
        -------
        go_on : bool
        """
        go_on = self.inner.reduce(where)
        self._set_rate()
        return go_on

    def state_dict(self):
        """The warm-up's position and the inner schedule's state.

        Returns
        -------
        state : dict
        """
        return {"epoch": self.epoch, "t0": self.t0, "inner": self.inner.state_dict()}

    def load_state(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
        """
        self.inner.load_state(state["inner"])
        self.epoch, self.t0 = int(state["epoch"]), int(state["t0"])
        self._set_rate()


def make_schedule(
    name, rate, power_t=0.5, n_params=None, max_iter=None, warmup_epochs=0
):
    """The schedule called ``name`` (scikit-learn's ``learning_rate``).

    Parameters
    ----------
    name : {"constant", "invscaling", "adaptive", "cosine"}
    rate : float or ndarray of shape (n_params,)
    power_t : float, default=0.5
    n_params : int, default=None
        For ``"adaptive"``: one rate per parameter (stacked restarts).
    max_iter : int, default=None
        For ``"cosine"``: the epochs of the whole run, warm-up included.
    warmup_epochs : int, default=0
        Epochs of linear warm-up before the schedule starts.

    Returns
    -------
    schedule : Constant or Warmup
    """
    if name == "invscaling":
        schedule = InvScaling(rate, power_t)
    elif name == "adaptive":
        schedule = Adaptive(rate, n_params)
    elif name == "constant":
        schedule = Constant(rate)
    elif name == "cosine":
        if max_iter is None or not max_iter > warmup_epochs:
            raise ValueError(
                f"the cosine schedule needs more epochs (max_iter={max_iter!r}) "
                f"than warm-up epochs ({warmup_epochs})"
            )
        schedule = Cosine(rate, max_iter - warmup_epochs)
    else:
        raise ValueError(f"unknown learning-rate schedule {name!r}")
    return Warmup(schedule, warmup_epochs) if warmup_epochs else schedule


class StoppingRule:
    """Counts epochs without sufficient improvement of a monitored value.

    An epoch improves when the value beats the best so far by more than
    ``tol`` (lower is better for a loss, higher for a score). Training has
    stalled once more than ``n_iter_no_change`` epochs in a row did not.

    Parameters
    ----------
    tol : float
    n_iter_no_change : int or float
    maximize : bool, default=False
        Whether the value is a score (higher is better) rather than a loss.
    best : float, default=None
        Best value so far (``inf`` or ``-inf`` when None).
    count : int, default=0
        Epochs without improvement so far.

    Attributes
    ----------
    best : float
        Best value seen.
    count : int
        Epochs in a row without improvement.
    stalled : bool
        Whether more than ``n_iter_no_change`` epochs in a row did not
        improve.
    """

    def __init__(self, tol, n_iter_no_change, maximize=False, best=None, count=0):
        self.tol = float(tol)
        self.n_iter_no_change = n_iter_no_change
        self.maximize = bool(maximize)
        if best is None:
            best = -np.inf if maximize else np.inf
        self.best = float(best)
        self.count = int(count)
        self.stalled = self.count > n_iter_no_change

    def update(self, value):
        """Take one epoch's value; return whether it is a new best.

        Parameters
        ----------
        value : float

        Returns
        -------
        is_best : bool
        """
        best = self.best
        if self.maximize:
            stalled, is_best = not value >= best + self.tol, value > best
        else:
            stalled, is_best = not value <= best - self.tol, value < best
        self.count = count = self.count + 1 if stalled else 0
        self.stalled = count > self.n_iter_no_change
        if is_best:
            self.best = value
        return is_best

    def reset(self):
        """Start counting again (after the learning rate was reduced)."""
        self.count = 0
        self.stalled = False


def _copy(rate):
    return rate.copy() if isinstance(rate, np.ndarray) else rate
