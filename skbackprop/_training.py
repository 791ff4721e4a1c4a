"""The training loop: one loop for a single network and for stacked restarts.

This module is part of the engine and imports nothing from scikit-learn.

:class:`StochasticTrainer` runs epochs of minibatch descent on a
:class:`~skbackprop._network.Network` whose layout holds one network or R
stacked restarts. The pieces that vary are objects of their own:

- the optimizer (:mod:`skbackprop._solvers`: SGD, Adam) with explicit state,
  and its learning-rate schedule (:mod:`skbackprop._schedules`);
- one :class:`~skbackprop._schedules.StoppingRule` per network, on the
  training loss or on the validation score (early stopping);
- :class:`DivergenceGuard`: snapshots of the last two finite epochs,
  rollback, and the final check that the kept weights are usable;
- :class:`Hooks`: what callbacks (and the estimator's Ctrl-C handling) see
  around each epoch.

Every network has a :class:`Progress` record (plain numbers and lists). A
network that stops (stalled, diverged) while others go on is frozen: its
gradient is masked and its optimizer state reset. :func:`train_lbfgs` runs
L-BFGS with the same guard and hooks.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._schedules import StoppingRule
from ._solvers import ClipByGlobalNorm, clipped, minimize_lbfgs


class TrainingDiverged(ArithmeticError):
    """No network ended with usable (finite) weights."""


class Hooks:
    """What the training loop calls around every epoch (or L-BFGS
    iteration). The default does nothing; subclasses forward to callbacks."""

    def epoch_begin(self, name, view):
        """An epoch (``name`` ``"epoch"``) or L-BFGS iteration begins.

        Parameters
        ----------
        name : str
        view : TrainingView
            The state of training before the epoch.
        """

    def epoch_end(self, view):
        """An epoch ended; return True to stop training.

        Parameters
        ----------
        view : TrainingView
            The current state of training (weights, epochs, losses).

        Returns
        -------
        stop : bool
        """
        return False

    def close(self):
        """Training ended (also by an exception or Ctrl-C)."""


@dataclass
class Progress:
    """The record of one network's training (numbers and lists only).

    ``loss_curve`` and the validation lists carry the history of earlier
    calls (warm start, ``partial_fit``); ``n_iter`` counts this call's epochs.
    """

    rule: StoppingRule
    best_loss: float = math.inf
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_losses: list | None = None
    n_iter: int = 0
    stopped: bool = False
    diverged: bool = False

    @property
    def final_loss(self):
        """The last recorded loss (``inf`` when none)."""
        return self.loss_curve[-1] if self.loss_curve else math.inf


@dataclass
class Validation:
    """A held-out set, how to score the network's output on it and what
    early stopping follows.

    ``score(out)`` takes the output activations for ``X`` (one network's,
    shape ``(n, n_outputs)``) and returns a float, higher is better.
    ``monitor`` is ``"score"`` (the rules follow the score) or ``"loss"``
    (they follow the validation objective, lower is better); both are
    recorded every epoch.
    """

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None
    score: object
    monitor: str = "score"

    def __post_init__(self):
        if self.monitor not in ("score", "loss"):
            raise ValueError(f"monitor must be 'score' or 'loss', got {self.monitor!r}")


@dataclass
class TrainingView:
    """What hooks see: the current weights of the network currently best,
    its epochs this call and its loss curve."""

    network: object
    n_iter: int
    loss_curve: list


@dataclass
class TrainingResult:
    """What a training run ends with.

    ``network`` is the kept network (a single one, even from stacked
    restarts), ``index`` its restart, ``progress`` its record with
    ``n_iter`` the epochs kept. ``final_losses`` has one entry per restart
    (``inf`` where none was kept). ``exhausted``: the kept network was still
    improving when the epochs ran out. ``residual_sums``: per-output sums of
    the (weighted) squared residuals of the kept network's last epoch, each
    minibatch's taken before its update (as its loss), when the run tracked
    them and kept the weights that epoch ended with; None otherwise.
    """

    network: object
    index: int
    progress: Progress
    final_losses: np.ndarray
    loss: float | None = None
    n_diverged: int = 0
    interrupted: bool = False
    exhausted: bool = False
    status: int | None = None  # L-BFGS: scipy's status code
    message: str = ""
    residual_sums: np.ndarray | None = None


class Minibatches:
    """One epoch of minibatches; shuffled rows are gathered into buffers
    allocated once. Full-batch descent is never shuffled (the order of the
    rows cannot change the gradient).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, n_features)
    y : ndarray of shape (n, n_outputs)
    sample_weight : ndarray of shape (n,) or None
    batch_size : int
    shuffle : bool
    rng : numpy.random.RandomState
    """

    def __init__(self, X, y, sample_weight, batch_size, shuffle, rng):
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.n_samples = n = X.shape[0]
        self.batch_size = batch_size
        self.full_batch = batch_size == n
        self.shuffle = shuffle and not self.full_batch
        self.rng = rng
        self.starts = list(range(0, n, batch_size))
        self.dense = isinstance(X, np.ndarray)
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
            # the indices are a permutation, always in range: mode="clip"
            # skips the bounds check and the copy numpy makes with out= and
            # mode="raise" (about twice as fast)
            if self.dense:
                Xb = np.take(X, batch, axis=0, out=self.x_buf[:m], mode="clip")
            else:
                Xb = X[batch]
            yb = np.take(y, batch, axis=0, out=self.y_buf[:m], mode="clip")
            swb = (
                None
                if sw is None
                else np.take(sw, batch, out=self.sw_buf[:m], mode="clip")
            )
            yield Xb, yb, swb, m


class DivergenceGuard:
    """Parameters at the end of the last two finite epochs of each network.

    A network whose epoch ends with a non-finite loss is rolled back to its
    last snapshot; the weights finally kept are checked by
    :meth:`Network.is_usable` (the loss of an epoch is evaluated before its
    updates, so the weights it leaves are not yet checked) and, if unusable,
    replaced by those of the epoch before.

    Parameters
    ----------
    theta : ndarray of shape (n_total,)
        The parameters being trained (watched, not copied).
    owner : ndarray of int of shape (n_total,), default=None
        Restart owning each entry, for stacked networks.
    """

    def __init__(self, theta, owner=None):
        self.theta = theta
        self.owner = owner
        self.snapshot = theta.copy()  # end of the last finite epoch
        self.previous = theta.copy()  # and of the one before

    def commit(self):
        """Every network ended its epoch finite: take a snapshot."""
        self.snapshot, self.previous = self.previous, self.snapshot
        self.snapshot[...] = self.theta  # cheaper than np.copyto on tiny nets

    def commit_some(self, ok, blown):
        """Snapshot the networks ``ok``; roll the networks ``blown`` back.

        Parameters
        ----------
        ok, blown : ndarray of bool of shape (R,)
        """
        owner = self.owner
        np.copyto(self.theta, self.snapshot, where=blown[owner])
        ok_entries = ok[owner]
        np.copyto(self.previous, self.snapshot, where=ok_entries)
        np.copyto(self.snapshot, self.theta, where=ok_entries)

    def restore(self, where=None):
        """Put the last snapshot back (of the entries ``where``)."""
        if where is None:
            self.theta[...] = self.snapshot
        else:
            np.copyto(self.theta, self.snapshot, where=where)


@dataclass
class StochasticConfig:
    """Settings of a stochastic training run (numbers and flags only)."""

    max_iter: int
    alpha: float = 0.0
    incremental: bool = False  # partial_fit: one epoch, state kept
    verbose: bool = False
    t0: int = 0  # samples seen by earlier calls
    # sum the squared residuals of every minibatch epoch (a regressor's noise
    # variance), where the kept weights are those the last epoch ended with
    track_residuals: bool = False
    # clip each step's gradient to this global norm (per stacked network)
    max_grad_norm: float | None = None
    # inverted dropout on the hidden units of every training pass: one rate
    # per hidden layer (None: none, the plain passes). The masks come from
    # numpy.random.default_rng([dropout_seed, t0]): reproducible, and other
    # masks in a continued call. Residuals are then not tracked (those of
    # thinned networks are not the model's).
    dropout: tuple | None = None
    dropout_seed: int | None = None


class StochasticTrainer:
    """Minibatch descent on one network or R stacked restarts.

    Parameters
    ----------
    network : Network
        The network trained in place (its ``theta``).
    optimizer : SGD or Adam
        Updates ``network.params``; its ``schedule`` sets the step size.
    batches : Minibatches
    progress : list of Progress
        One record per stacked network (one for a single network).
    config : StochasticConfig
    validation : Validation, default=None
        Early stopping: the rules monitor this set's score and the weights
        of each network's best score are kept.
    hooks : Hooks, default=None
    """

    def __init__(
        self, network, optimizer, batches, progress, config, validation=None, hooks=None
    ):
        self.network = network
        self.layout = layout = network.layout
        self.optimizer = optimizer
        self.batches = batches
        self.progress = progress
        self.config = config
        self.validation = validation
        self.hooks = hooks
        if config.dropout is None:
            self.workspace = network.workspace(batches.batch_size)
        else:  # chosen once: the workspace's training pass drops units
            rng = np.random.default_rng([config.dropout_seed or 0, config.t0])
            self.workspace = network.workspace(
                batches.batch_size, dropout=config.dropout, rng=rng
            )
        #: one optimizer step ``step(params, grad)``, clipping first if asked
        self.step = optimizer.update
        if config.max_grad_norm is not None:
            clip = ClipByGlobalNorm(layout, self.workspace.grad, config.max_grad_norm)
            self.step = clipped(optimizer.update, clip)
        self.schedule = optimizer.schedule
        self.stacked = layout.stacked
        self.n_samples = batches.n_samples
        self.owner = layout.restart_owner() if layout.stacked else None
        self.guard = DivergenceGuard(network.theta, self.owner)
        self.best_theta = network.theta.copy() if validation is not None else None
        self.active = list(range(layout.n_restarts))
        self.frozen = None  # mask of the trainable entries of stopped networks
        self.running = None  # mask of the running networks, once one stopped
        self.t = config.t0
        self.interrupted = False
        self.exhausted = False
        self.residuals_tracked = False  # residual_sums are the last epoch's

    # ------------------------------------------------------------------
    def run(self):
        """Train; return the :class:`TrainingResult`.

        Raises
        ------
        TrainingDiverged
            When no network ends with usable weights.
        """
        hooks, incremental = self.hooks, self.config.incremental
        epoch, end_epoch = self._epoch_function(), self._end_epoch
        lean = not (self.stacked or hooks or self.validation or self.config.verbose)
        try:
            if lean:
                self.exhausted = self._run_lean(epoch)
            else:
                for _ in range(self.config.max_iter):
                    if hooks is not None:
                        hooks.epoch_begin("epoch", self.view())
                    if end_epoch(epoch()) or incremental:
                        break
                else:
                    self.exhausted = True
        except KeyboardInterrupt:
            self.interrupted = True
            self.guard.restore()
        finally:
            if hooks is not None:
                hooks.close()
        return self._result()

    def _run_lean(self, epoch):
        """The loop of :meth:`run` for one network without validation set,
        hooks or printing: the steps of :meth:`_end_epoch` in the same order,
        with the bookkeeping in locals (on tiny networks it is a large share
        of the time). Returns whether the epochs ran out."""
        p, guard, theta = self.progress[0], self.guard, self.network.theta
        rule, record, isfinite = p.rule, p.loss_curve.append, math.isfinite
        update_rule, schedule, n_samples = rule.update, self.schedule, self.n_samples
        per_epoch, incremental = schedule.per_epoch, self.config.incremental
        b = self.batches
        if b.full_batch:  # one batch: call the pieces directly
            loss_grad, update = self.workspace.loss_grad, self.step
            X, y, sw, alpha = b.X, b.y, b.sample_weight, self.config.alpha
            params, grad = self.network.params, self.workspace.param_grad
        track = (
            self.config.track_residuals
            and not b.full_batch
            and self.workspace.dropout is None
        )
        start_tracking = self.workspace.track_residuals
        n_iter, t, best_loss = p.n_iter, self.t, p.best_loss
        try:
            for _ in range(self.config.max_iter):
                if b.full_batch:
                    loss = loss_grad(X, y, sw, alpha)
                    update(params, grad)
                else:
                    if track:
                        start_tracking()
                    loss = epoch()
                if not isfinite(loss):
                    self._end_epoch(loss)  # rolls back and stops
                    return False
                guard.snapshot, guard.previous = guard.previous, guard.snapshot
                guard.snapshot[...] = theta  # DivergenceGuard.commit, inlined
                t += n_samples
                n_iter += 1
                record(loss)
                if loss < best_loss:
                    best_loss = loss
                update_rule(loss)
                if per_epoch:
                    schedule.epoch_end(t)
                if (rule.stalled and self._plateau(0)) or incremental:
                    self._freeze([0] if p.stopped else [])
                    self.residuals_tracked = track
                    return False
            self.residuals_tracked = track
            return True
        finally:
            p.n_iter, self.t, p.best_loss = n_iter, t, best_loss

    def _epoch_function(self):
        """A function running one pass over the batches and returning the
        mean loss (each batch's evaluated before its update). Its bindings
        are made once: for tiny networks the per-epoch overhead matters."""
        loss_grad, update = self.workspace.loss_grad, self.step
        params, grad = self.network.params, self.workspace.param_grad
        alpha, batches, copyto = self.config.alpha, self.batches, np.copyto
        X, y, sw, n = batches.X, batches.y, batches.sample_weight, batches.n_samples

        def full_batch():
            loss = loss_grad(X, y, sw, alpha)
            if self.frozen is not None:
                copyto(grad, 0, where=self.frozen)
            update(params, grad)
            return loss

        def minibatches():
            total, frozen = 0.0, self.frozen
            for Xb, yb, swb, m in batches:
                total = total + loss_grad(Xb, yb, swb, alpha) * m
                if frozen is not None:
                    copyto(grad, 0, where=frozen)
                update(params, grad)
            return total / n

        return full_batch if batches.full_batch else minibatches

    def _end_epoch(self, loss):
        """Bookkeeping after an epoch; True when training should end."""
        if self.stacked:
            values = loss.tolist()
            blown = [r for r in self.active if not math.isfinite(values[r])]
        else:
            values = (loss,)
            blown = None if math.isfinite(loss) else [0]
        if blown:
            self._roll_back(blown)
            if not self.active:
                return True
        elif self.running is None:
            self.guard.commit()
        else:  # keep the snapshots of stopped networks as they are
            self.guard.commit_some(self.running, ~self.running)
        self.t += self.n_samples
        ok, progress, on_loss = self.active, self.progress, self.validation is None
        for r in ok:
            p, value = progress[r], values[r]
            p.n_iter += 1
            p.loss_curve.append(value)
            if value < p.best_loss:
                p.best_loss = value
            if on_loss:
                p.rule.update(value)
        if self.config.verbose:
            shown = ", ".join(f"{values[r]:.8f}" for r in ok)
            print(f"Iteration {progress[ok[0]].n_iter}, loss = {shown}")
        if not on_loss:
            self._validate(ok)
        if self.schedule.per_epoch:
            self.schedule.epoch_end(self.t)
        if self.hooks is not None and self.hooks.epoch_end(self.view()):
            return True
        stopped = None
        for r in ok:
            if progress[r].rule.stalled and self._plateau(r):
                stopped = [r] if stopped is None else [*stopped, r]
        if blown or stopped:
            self._freeze(stopped or ())
        return not self.active

    def _roll_back(self, blown):
        for r in blown:
            self.progress[r].diverged = True
            self.active.remove(r)
        if self.layout.stacked:
            blown_mask = np.zeros(self.layout.n_restarts, dtype=bool)
            blown_mask[blown] = True
            self.running = self._mask(self.active)
            self.guard.commit_some(self.running, blown_mask)
        else:
            self.guard.restore()

    def _mask(self, restarts):
        mask = np.zeros(self.layout.n_restarts, dtype=bool)
        mask[restarts] = True
        return mask

    def _validate(self, ok):
        """Score the networks ``ok`` on the validation set; the rules watch
        the monitored value and the best weights are kept."""
        val, net = self.validation, self.network
        out = net.predict(val.X)
        objective = net.objective(
            val.X, val.y, val.sample_weight, self.config.alpha, out=out
        )
        if not self.layout.stacked:
            scores = {0: val.score(out)}
            losses = {0: float(objective)}
        else:
            scores = {r: val.score(out[r]) for r in ok}
            losses = {r: float(objective[r]) for r in ok}
        if self.config.verbose:
            print("Validation score: " + ", ".join(f"{scores[r]:f}" for r in ok))
            if val.monitor == "loss":
                print("Validation loss: " + ", ".join(f"{losses[r]:f}" for r in ok))
        watched = losses if val.monitor == "loss" else scores
        for r in ok:
            p = self.progress[r]
            p.validation_scores.append(scores[r])
            p.validation_losses.append(losses[r])
            if p.rule.update(watched[r]):
                self._save_best(r)

    def _save_best(self, r):
        if self.owner is None:
            self.best_theta[...] = self.network.theta
        else:
            np.copyto(self.best_theta, self.network.theta, where=self.owner == r)

    def _plateau(self, r):
        """Network ``r`` stalled: reduce its rate (True: it stops)."""
        p = self.progress[r]
        where = None if self.owner is None else self.owner[: self.layout.n_params] == r
        go_on = self.schedule.reduce(where)
        if self.config.verbose:
            what = "Training loss"
            if self.validation is not None:
                what = f"Validation {self.validation.monitor}"
            print(
                f"{what} did not improve more than tol={p.rule.tol} for "
                f"{p.rule.n_iter_no_change} consecutive epochs."
                + (
                    f" Setting learning rate to {self.optimizer.learning_rate}"
                    if go_on
                    else " Stopping."
                )
            )
        if go_on:
            p.rule.reset()
            return False
        p.stopped = True
        return True

    def _freeze(self, stopped):
        """Stop the networks ``stopped``; freeze every stopped network."""
        for r in stopped:
            self.active.remove(r)
        if not self.active or not self.layout.stacked:
            return
        self.running = running = self._mask(self.active)
        idle = ~running[self.owner]
        self.frozen = idle[: self.layout.n_params]
        self.optimizer.reset_state(self.frozen)
        # a frozen network must not move, whatever its gradient
        self.guard.restore(where=idle)

    # ------------------------------------------------------------------
    def view(self):
        """The :class:`TrainingView` of the network currently best."""
        r = self._ranking()[0] if self.layout.stacked else 0
        net = self.network.single(r) if self.layout.stacked else self.network
        p = self.progress[r]
        return TrainingView(net, p.n_iter, p.loss_curve)

    def _ranking(self):
        """Networks from best to worst: lowest final loss, or best validation
        value (highest score, lowest loss) with early stopping."""
        if self.validation is not None:
            sign = -1.0 if self.validation.monitor == "score" else 1.0
            key = [sign * p.rule.best if p.n_iter else math.inf for p in self.progress]
        else:
            key = [p.final_loss if p.n_iter else math.inf for p in self.progress]
        return sorted(range(len(self.progress)), key=key.__getitem__)

    def _result(self):
        chosen = self._choose()
        if chosen is None:
            raise TrainingDiverged
        r, network, k = chosen
        p = self.progress[r]
        residual_sums = None
        if self.residuals_tracked and k == p.n_iter:  # the last epoch's weights
            residual_sums = self.workspace.residual_sums.copy()
        if k < p.n_iter:  # fell back on the epoch before
            p.diverged = True
            del p.loss_curve[k - p.n_iter :]
            p.n_iter = k
        finals = np.array(
            [q.final_loss if q.n_iter else math.inf for q in self.progress], dtype=float
        )
        return TrainingResult(
            network=network,
            index=r,
            progress=p,
            final_losses=finals,
            loss=p.loss_curve[-1] if p.loss_curve else None,
            n_diverged=sum(q.diverged for q in self.progress),
            interrupted=self.interrupted,
            residual_sums=residual_sums,
            exhausted=self.exhausted
            and r in self.active
            and not self.config.incremental,
        )

    def _choose(self):
        """The best network whose kept weights are usable, as ``(r, network,
        epochs kept)``; None when there is none."""
        b = self.batches
        for r in self._ranking():
            p = self.progress[r]
            history = len(p.loss_curve) - p.n_iter
            if p.n_iter == 0 and not history and (p.diverged or not self.interrupted):
                continue
            for theta, k in self._candidates(p):
                net = self._single(r, theta)
                if net.is_usable(b.X, b.y, b.sample_weight):
                    return r, net, k
        return None

    def _candidates(self, p):
        if self.validation is not None:
            return [(self.best_theta, p.n_iter)]
        candidates = [(self.network.theta, p.n_iter)]
        if p.n_iter > 0 and len(p.loss_curve) > 1:
            candidates.append((self.guard.previous, p.n_iter - 1))
        return candidates

    def _single(self, r, theta):
        if self.layout.stacked:
            return self.network.single(r, theta)
        if theta is not self.network.theta:
            self.network.theta[...] = theta
        return self.network


def train_lbfgs(network, X, y, sample_weight, config, tol, max_fun, hooks=None):
    """Minimise the objective of one network with L-BFGS-B, in place.

    Parameters
    ----------
    network : Network
        A single network; its parameters are the starting point.
    X, y, sample_weight : arrays
        The whole training set.
    config : StochasticConfig
        ``max_iter``, ``alpha`` and ``verbose`` are used.
    tol : float
        Projected-gradient tolerance.
    max_fun : int
        Budget of objective evaluations.
    hooks : Hooks, default=None

    Returns
    -------
    result : TrainingResult

    Raises
    ------
    TrainingDiverged
        When the final weights are not usable (they are reset to the start).
    """
    params = network.params
    ws = network.workspace(X.shape[0])
    progress = Progress(StoppingRule(tol, math.inf))
    curve = progress.loss_curve
    x0 = params.copy()
    last = [x0]

    def fun(x):
        params[...] = x
        return ws.loss_grad(X, y, sample_weight, config.alpha), ws.param_grad.astype(
            np.float64
        )

    def callback(value, x):
        curve.append(value)
        last[0] = x.copy()
        if config.verbose:
            print(f"Iteration {len(curve)}, loss = {value:.8f}")
        if hooks is not None:
            params[...] = x
            view = TrainingView(network, len(curve), curve)
            if hooks.epoch_end(view):
                raise StopIteration
            if len(curve) < config.max_iter:
                hooks.epoch_begin("lbfgs-iteration", view)

    interrupted, result = False, None
    try:
        if hooks is not None:
            hooks.epoch_begin("lbfgs-iteration", TrainingView(network, 0, curve))
        result = minimize_lbfgs(fun, x0, config.max_iter, max_fun, tol, callback)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if hooks is not None:
            hooks.close()
    params[...] = last[0] if result is None else result.x
    final = curve[-1] if curve else None
    if result is not None:
        final = float(result.fun)
    if not (
        (final is None or math.isfinite(final))
        and math.isfinite(float(params.sum()))
        and network.is_usable(X, y, sample_weight)
    ):
        params[...] = x0
        raise TrainingDiverged
    progress.n_iter = len(curve) if result is None else int(result.nit)
    progress.best_loss = min(curve) if curve else final
    return TrainingResult(
        network=network,
        index=0,
        progress=progress,
        final_losses=np.array([math.inf if final is None else final]),
        loss=final,
        interrupted=interrupted,
        status=None if result is None else int(result.status),
        message="" if result is None else str(result.message),
    )


def train_lbfgs_restarts(starts, n_restarts, X, y, sample_weight, **kwargs):
    """Run :func:`train_lbfgs` from ``n_restarts`` starting points in turn
    and keep the network with the lowest final objective.

    Parameters
    ----------
    starts : iterable of Network
        The restarts' initial networks, made as they are needed.
    n_restarts : int
        How many of them to train.
    X, y, sample_weight : arrays
    **kwargs
        Passed on to :func:`train_lbfgs`.

    Returns
    -------
    result : TrainingResult
        The kept run; ``final_losses`` lists every restart's (``inf`` for
        one that diverged) and ``n_diverged`` counts those.

    Raises
    ------
    TrainingDiverged
        When every restart diverged.
    """
    best, finals, n_diverged = None, np.full(n_restarts, math.inf), 0
    for r, network in zip(range(n_restarts), starts):
        try:
            result = train_lbfgs(network, X, y, sample_weight, **kwargs)
        except TrainingDiverged:
            n_diverged += 1
            continue
        finals[r] = math.inf if result.loss is None else result.loss
        if best is None or finals[r] < finals[best.index]:
            result.index = r
            best = result
        if result.interrupted:  # Ctrl-C ends the whole fit
            best.interrupted = True
            break
    if best is None:
        raise TrainingDiverged
    best.final_losses, best.n_diverged = finals, n_diverged
    return best
