"""Learning-rate schedules and the stopping rule: small pieces of the
training loop.

This module is part of the engine and imports nothing from scikit-learn.

A schedule owns the current step size ``rate`` (a float, or one value per
parameter for per-layer rates and for stacked restarts that reduce their
rates on their own). The loop calls :meth:`Constant.epoch_end` after every
epoch and :meth:`Constant.reduce` when progress stalls; ``reduce`` returns
False when the schedule cannot go on, and training (of that network) stops.
"""

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


def make_schedule(name, rate, power_t=0.5, n_params=None):
    """The schedule called ``name`` (scikit-learn's ``learning_rate``).

    Parameters
    ----------
    name : {"constant", "invscaling", "adaptive"}
    rate : float or ndarray of shape (n_params,)
    power_t : float, default=0.5
    n_params : int, default=None
        For ``"adaptive"``: one rate per parameter (stacked restarts).

    Returns
    -------
    schedule : Constant
    """
    if name == "invscaling":
        return InvScaling(rate, power_t)
    if name == "adaptive":
        return Adaptive(rate, n_params)
    if name == "constant":
        return Constant(rate)
    raise ValueError(f"unknown learning-rate schedule {name!r}")


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
