"""The worked examples of the seed lecture notes, reproduced with the estimators.

The expected values of the worked examples are the numbers printed in the
notes (``/work/shared/seeds/``) or are recomputed by hand, in numpy, with the
notes' formulas; they never come from running skbackprop itself:

* 001 -- lecture: 2-3-1 sigmoid network without biases, batch gradient descent
  on ``J = 1/2 sum (y - y_hat)**2``;
* 002 -- general delta rule, tanh hidden units with identity outputs;
* 003 -- cheat sheet: min-max scaling, 2-3-1 network with biases, one SGD
  step, and gradient descent on ``f(x, y) = x**2 + y**2``;
* 004 -- batch, sequential and minibatch descent, per-layer learning rates,
  binary and categorical cross-entropy.

The remaining tests cover the features the notes motivate: random restarts
(``n_init``), per-layer rates, the noise variance of the Gaussian reading of the
squared error, the finite-difference gradient check and the ``init`` options.

Conventions: the estimators minimise the *mean* over samples of half the
squared error summed over outputs, whereas the lecture's ``J`` is a *sum* over
samples; a rate ``eta`` on the sum is a rate ``N * eta`` on the mean.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

import skbackprop._activations as activations_module
from skbackprop import BackpropClassifier, BackpropRegressor, check_gradients
from skbackprop.optimizers import SGD

# ----------------------------------------------------------------------------
# helpers


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def _gd(**params):
    """Plain gradient descent: no momentum, no penalty, no shuffling and no
    early stop, so that every epoch performs exactly the textbook updates."""
    defaults = dict(
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )
    defaults.update(params)
    return BackpropRegressor(**defaults)


def _quiet_fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


def _set_weights(est, X, y, coefs, intercepts=None):
    """Give a fresh stochastic-solver model the weights ``coefs``/``intercepts``.

    One ``partial_fit`` builds the network (and moves its random initial
    weights by a step, which is irrelevant), then the weights are written into
    the public ``coefs_``/``intercepts_`` arrays (they are the model).
    """
    est.partial_fit(X, y)
    for i, W in enumerate(coefs):
        est.coefs_[i][...] = W
    for i, b in enumerate(intercepts or []):
        est.intercepts_[i][...] = b
    return est


def _engine_gradient(est, X, Y):
    """Gradient of the model's objective at its current weights (copied)."""
    net = est._network()
    ws = net.workspace(X.shape[0])
    Y = np.ascontiguousarray(np.asarray(Y, dtype=net.dtype).reshape(X.shape[0], -1))
    value = ws.loss_grad(np.ascontiguousarray(X, dtype=net.dtype), Y, None, est.alpha)
    coef_grads, intercept_grads = net.layout.views(ws.grad.copy())
    return value, coef_grads, intercept_grads


def _snapshot(est):
    return [W.copy() for W in est.coefs_], [b.copy() for b in est.intercepts_]


# ----------------------------------------------------------------------------
# Seed 001: the lecture's 2-3-1 network, no biases, sigmoid everywhere

# Hours of sleep and study, test scores (the lecture's training data).
LECTURE_x = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])
LECTURE_X = LECTURE_x / LECTURE_x.max(axis=0)  # each column divided by its max
LECTURE_Y = np.array([75.0, 82.0, 93.0]) / 100.0

# The lecture initialises with R's ``set.seed(1)`` then ``runif(6)`` for W1
# (filled column by column into a 2x3 matrix) and ``runif(3)`` for W2. These
# are the nine numbers R's default generator returns, as R prints them.
R_RUNIF_SEED1 = [
    0.2655087,
    0.3721239,
    0.5728534,
    0.9082078,
    0.2016819,
    0.8983897,
    0.9446753,
    0.6607978,
    0.6291140,
]
LECTURE_W1_INIT = np.array(R_RUNIF_SEED1[:6]).reshape(3, 2).T  # column-major fill
LECTURE_W2_INIT = np.array(R_RUNIF_SEED1[6:]).reshape(3, 1)

# What the lecture prints after 10000 iterations with scalar 5.
LECTURE_W1_FINAL = np.array(
    [[2.1169800, 1.6157951, -1.4547416], [-0.7233191, 0.4304933, -0.6199876]]
)
LECTURE_W2_FINAL = np.array([[2.431735], [1.227946], [-3.645386]])
LECTURE_YHAT_FINAL = np.array([0.7499998, 0.8200548, 0.9298944])

LECTURE_N = 3
LECTURE_ETA_SUM = 5.0  # the lecture's ``scalar``, a rate on the summed cost
LECTURE_ETA_MEAN = LECTURE_N * LECTURE_ETA_SUM  # the same steps on the mean


def _lecture_model(**params):
    settings = dict(
        hidden_layer_sizes=(3,),
        activation="logistic",
        out_activation="logistic",
        fit_intercept=False,
        batch_size=LECTURE_N,  # full batch: one epoch = one gradient step
        learning_rate_init=LECTURE_ETA_MEAN,
    )
    settings.update(params)
    return _gd(**settings)


def _lecture_cost(W1, W2):
    """The lecture's J = 1/2 sum_n (y_n - y_hat_n)**2, written out in numpy."""
    y_hat = _sigmoid(_sigmoid(LECTURE_X @ W1) @ W2).ravel()
    return 0.5 * np.sum((LECTURE_Y - y_hat) ** 2)


def _lecture_sum_step(W1, W2, eta):
    """One step of the lecture's batch loop on the summed cost, in numpy."""

    def fprime(z):  # the lecture's sigmoidprime
        return np.exp(-z) / (1.0 + np.exp(-z)) ** 2

    Y = LECTURE_Y.reshape(-1, 1)
    Z2 = LECTURE_X @ W1
    A2 = _sigmoid(Z2)
    Z3 = A2 @ W2
    Y_hat = _sigmoid(Z3)
    delta3 = -(Y - Y_hat) * fprime(Z3)
    dJdW2 = A2.T @ delta3
    delta2 = (delta3 @ W2.T) * fprime(Z2)
    dJdW1 = LECTURE_X.T @ delta2
    return W1 - eta * dJdW1, W2 - eta * dJdW2


def test_lecture_cost_with_all_weights_one():
    # The lecture evaluates the cost once with every weight equal to 1 and
    # prints 0.01532851.
    est = _set_weights(
        _lecture_model(), LECTURE_X, LECTURE_Y, [np.ones((2, 3)), np.ones((3, 1))]
    )
    y_hat = est.predict(LECTURE_X)
    assert_allclose(0.5 * np.sum((LECTURE_Y - y_hat) ** 2), 0.01532851, atol=5e-9)
    # The engine's objective is the mean form, J / N.
    value, _, _ = _engine_gradient(est, LECTURE_X, LECTURE_Y)
    assert_allclose(LECTURE_N * value, 0.01532851, atol=5e-9)


def test_lecture_rate_on_sum_equals_n_times_rate_on_mean():
    # One hand-written step on the summed cost with eta = 5 ...
    W1, W2 = LECTURE_W1_INIT, LECTURE_W2_INIT
    W1_new, W2_new = _lecture_sum_step(W1, W2, LECTURE_ETA_SUM)
    # ... is one full-batch step of the estimator with eta = 3 * 5 on the mean.
    est = _set_weights(_lecture_model(), LECTURE_X, LECTURE_Y, [W1, W2])
    est.partial_fit(LECTURE_X, LECTURE_Y)
    assert_allclose(est.coefs_[0], W1_new, rtol=1e-12, atol=1e-14)
    assert_allclose(est.coefs_[1], W2_new, rtol=1e-12, atol=1e-14)
    # The recorded loss is the mean cost at the weights before the step.
    assert_allclose(est.loss_curve_[-1], _lecture_cost(W1, W2) / LECTURE_N, rtol=1e-12)

    # The estimator's gradient is the lecture's gradient divided by N, so the
    # same rate (5) on the mean only goes a third of the way.
    est5 = _set_weights(
        _lecture_model(learning_rate_init=LECTURE_ETA_SUM),
        LECTURE_X,
        LECTURE_Y,
        [W1, W2],
    )
    est5.partial_fit(LECTURE_X, LECTURE_Y)
    W1_third, W2_third = _lecture_sum_step(W1, W2, LECTURE_ETA_SUM / LECTURE_N)
    assert_allclose(est5.coefs_[0], W1_third, rtol=1e-12, atol=1e-14)
    assert_allclose(est5.coefs_[1], W2_third, rtol=1e-12, atol=1e-14)


def test_lecture_loop_with_rate_5_on_the_sum_is_fit_with_rate_15():
    # The lecture's R loop, transcribed to numpy, for 500 steps with scalar 5
    # on the summed cost J ...
    W1, W2 = LECTURE_W1_INIT, LECTURE_W2_INIT
    cost_hist = []
    for _ in range(500):
        cost_hist.append(_lecture_cost(W1, W2))
        W1, W2 = _lecture_sum_step(W1, W2, LECTURE_ETA_SUM)
    # ... is fit() with learning_rate_init = 3 * 5 = 15 on the mean J / 3:
    # same weights after every step, and loss_curve_ is cost_hist / 3.
    assert LECTURE_ETA_MEAN == 15.0
    inits = iter([LECTURE_W1_INIT, LECTURE_W2_INIT])
    est = _lecture_model(max_iter=500, init=lambda rng, fan_in, fan_out: next(inits))
    _quiet_fit(est, LECTURE_X, LECTURE_Y)
    assert len(est.loss_curve_) == 500
    assert_allclose(LECTURE_N * np.asarray(est.loss_curve_), cost_hist, rtol=1e-10)
    assert_allclose(est.coefs_[0], W1, rtol=1e-10, atol=1e-12)
    assert_allclose(est.coefs_[1], W2, rtol=1e-10, atol=1e-12)


def test_lecture_reproduces_the_printed_weights_from_rs_initial_weights():
    # Starting from the very weights of the lecture's R code, 10000 full-batch
    # steps land on the weights and predictions the lecture prints (to the
    # 7 digits R shows; the initial weights are themselves rounded to 7 digits).
    inits = iter([LECTURE_W1_INIT, LECTURE_W2_INIT])
    est = _lecture_model(max_iter=10000, init=lambda rng, fan_in, fan_out: next(inits))
    _quiet_fit(est, LECTURE_X, LECTURE_Y)
    assert est.n_iter_ == 10000
    assert_allclose(est.coefs_[0], LECTURE_W1_FINAL, atol=5e-7)
    assert_allclose(est.coefs_[1], LECTURE_W2_FINAL, atol=5e-6)
    assert_allclose(est.predict(LECTURE_X), LECTURE_YHAT_FINAL, atol=5e-7)
    # One cost per step, and the cost never goes up along the run.
    curve = np.asarray(est.loss_curve_)
    assert curve.shape == (10000,)
    assert np.all(np.diff(curve) <= 0)
    # The lecture's cost_hist[1] is J at the initial weights.
    assert_allclose(
        LECTURE_N * est.loss_curve_[0],
        _lecture_cost(LECTURE_W1_INIT, LECTURE_W2_INIT),
        rtol=1e-12,
    )


def _hessian_max_eigenvalue(est, X, Y, h=1e-5):
    """Largest eigenvalue of the Hessian of the model's (mean) objective, by
    central differences of the back-propagated gradient."""
    net = est._network()
    ws = net.workspace(X.shape[0])
    theta = net.params.copy()
    Y = np.ascontiguousarray(Y, dtype=net.dtype).reshape(X.shape[0], -1)
    H = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        columns = []
        for sign in (1.0, -1.0):
            net.params[...] = theta
            net.params[j] += sign * h
            ws.loss_grad(X, Y, None, 0.0)
            columns.append(ws.param_grad.copy())
        H[:, j] = (columns[0] - columns[1]) / (2 * h)
    net.params[...] = theta
    return np.linalg.eigvalsh(0.5 * (H + H.T)).max()


def test_lecture_uniform_init_converges_with_decreasing_cost():
    # The lecture's recipe with weights drawn from U[0, 1] by the estimator's
    # own random generator.
    def init(rng, fan_in, fan_out):
        return rng.uniform(0.0, 1.0, (fan_in, fan_out))

    est = _lecture_model(max_iter=10000, init=init, random_state=0)
    _quiet_fit(est, LECTURE_X, LECTURE_Y)
    assert_allclose(est.predict(LECTURE_X), [0.75, 0.82, 0.93], atol=3e-3)
    assert np.all(est.intercepts_[0] == 0) and np.all(est.intercepts_[1] == 0)

    curve = np.asarray(est.loss_curve_)
    assert curve.shape == (10000,)
    # Why the cost must go down at every step: for a smooth objective J with
    # curvature at most L along the step (largest Hessian eigenvalue), a
    # gradient step of size eta gives
    #     J(w - eta g) <= J(w) - eta (1 - eta L / 2) ||g||**2,
    # a strict decrease whenever eta L < 2 and g != 0. Here eta L stays around
    # 0.4 (checked below at the start and at the end of the run), so the cost
    # is strictly decreasing; the decrements (>= 1e-12) are far above the
    # rounding error of a cost of order 1e-9, so no tolerance is needed.
    assert np.all(np.diff(curve) < 0)
    Y = LECTURE_Y.reshape(-1, 1)
    eta = LECTURE_ETA_MEAN
    assert eta * _hessian_max_eigenvalue(est, LECTURE_X, Y) < 1.0
    start = _lecture_model(max_iter=1, init=init, random_state=0)
    start.partial_fit(LECTURE_X, LECTURE_Y)
    assert eta * _hessian_max_eigenvalue(start, LECTURE_X, Y) < 1.0


# ----------------------------------------------------------------------------
# Seed 003: the cheat sheet's 2-3-1 network with biases, one SGD step

# Weights in the sheet's order [node][input]; coefs_ are (fan_in, fan_out).
SHEET_W_HIDDEN = np.array([[-0.5, -1.0], [-0.5, 0.5], [1.0, 0.0]])
SHEET_B_HIDDEN = np.array([0.5, 0.5, 0.5])
SHEET_W_OUT = np.array([0.5, -1.0, 0.0])
SHEET_B_OUT = 0.5
SHEET_INPUT = np.array([[1.0, 1.0]])
SHEET_TARGET = np.array([91.0])  # raw, unnormalised target of the sheet
SHEET_ETA = 0.1


def _sheet_model():
    est = _gd(
        hidden_layer_sizes=(3,),
        activation="logistic",
        out_activation="logistic",
        batch_size=1,
        learning_rate_init=SHEET_ETA,
    )
    return _set_weights(
        est,
        SHEET_INPUT,
        SHEET_TARGET,
        [SHEET_W_HIDDEN.T, SHEET_W_OUT.reshape(3, 1)],
        [SHEET_B_HIDDEN, [SHEET_B_OUT]],
    )


def test_sheet_forward_pass():
    # Summations: -0.5 - 1.0 + 0.5, -0.5 + 0.5 + 0.5, 1.0 + 0.0 + 0.5.
    s_hidden = SHEET_INPUT @ SHEET_W_HIDDEN.T + SHEET_B_HIDDEN
    assert_allclose(s_hidden, [[-1.0, 0.5, 1.5]])
    est = _sheet_model()
    assert_allclose(est.predict(SHEET_INPUT), [0.5030], atol=1e-4)
    # For one sample the output layer's gradients are delta_o * a_i (weights)
    # and delta_o (bias), so their ratio recovers the hidden activations the
    # engine computed.
    _, coef_grads, intercept_grads = _engine_gradient(est, SHEET_INPUT, SHEET_TARGET)
    hidden = coef_grads[1][:, 0] / intercept_grads[1][0]
    assert_allclose(hidden, [0.2689, 0.6225, 0.8176], atol=1e-4)


def test_sheet_output_error_signal():
    est = _sheet_model()
    value, _, intercept_grads = _engine_gradient(est, SHEET_INPUT, SHEET_TARGET)
    delta_o = intercept_grads[1][0]
    # y (1 - y) (y - z) with the sheet's rounded numbers: 0.5030 * 0.4970 =
    # 0.2500 (the sheet's 0.2494 is an arithmetic slip), times -90.4970.
    assert_allclose(0.5030 * (1 - 0.5030) * (0.5030 - 91), -22.62, atol=5e-3)
    assert_allclose(delta_o, -22.62, atol=5e-3)
    assert abs(delta_o - (-22.56)) > 0.05  # not the sheet's slipped value
    # With a single sample the estimator's loss (mean over samples of half the
    # squared error) is the sheet's L = 1/2 (y - z)**2.
    y = est.predict(SHEET_INPUT)[0]
    assert_allclose(value, 0.5 * (y - 91.0) ** 2, rtol=1e-12)


def test_sheet_one_sgd_step_follows_the_update_rules():
    est = _sheet_model()
    (W_h, W_o), (b_h, b_o) = _snapshot(est)
    x = SHEET_INPUT[0]
    z = SHEET_TARGET[0]
    eta = SHEET_ETA
    # Forward pass and the sheet's error signals, by hand.
    a_h = _sigmoid(x @ W_h + b_h)  # hidden outputs
    y = _sigmoid(a_h @ W_o[:, 0] + b_o[0])  # network output
    delta_o = y * (1 - y) * (y - z)  # output error signal
    delta_h = a_h * (1 - a_h) * W_o[:, 0] * delta_o  # hidden error signals
    # Gradient descent on every weight and bias (the hidden layer uses the
    # output weights from before the step).
    W_o_new = W_o[:, 0] - eta * delta_o * a_h
    b_o_new = b_o[0] - eta * delta_o
    W_h_new = W_h - eta * np.outer(x, delta_h)
    b_h_new = b_h - eta * delta_h

    est.partial_fit(SHEET_INPUT, SHEET_TARGET)
    assert_allclose(est.coefs_[1][:, 0], W_o_new, rtol=1e-12)
    assert_allclose(est.intercepts_[1][0], b_o_new, rtol=1e-12)
    assert_allclose(est.coefs_[0], W_h_new, rtol=1e-12, atol=1e-15)
    assert_allclose(est.intercepts_[0], b_h_new, rtol=1e-12)
    # The same step with the sheet's rounded numbers: the output bias moves by
    # -0.1 * -22.62 and the first output weight by -0.1 * -22.62 * 0.2689.
    assert_allclose(est.intercepts_[1][0], 0.5 + 2.262, atol=1e-3)
    assert_allclose(est.coefs_[1][0, 0], 0.5 + 0.1 * 22.62 * 0.2689, atol=1e-3)
    # The third output weight starts at 0 and the third hidden unit feeds the
    # output through it, so that unit's incoming weights do not move.
    assert_allclose(est.coefs_[0][:, 2], SHEET_W_HIDDEN[2], rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Seed 002: tanh hidden units, identity outputs, several outputs


def test_tanh_identity_deltas_per_sample():
    rng = np.random.RandomState(3)
    n_samples, D, M, K = 5, 3, 4, 2
    X = rng.uniform(-1, 1, (n_samples, D))
    T = rng.uniform(-1, 1, (n_samples, K))
    est = _gd(hidden_layer_sizes=(M,), activation="tanh", init="uniform")
    est.partial_fit(X, T)
    assert est.out_activation_ == "identity"
    (W1, W2), (b1, b2) = _snapshot(est)

    for n in range(n_samples):
        x, t = X[n], T[n]
        # forward: a_j = sum_i w_ji x_i (+ bias), z_j = tanh(a_j), y_k = sum_j w_kj z_j
        a = x @ W1 + b1
        z = np.tanh(a)
        y = z @ W2 + b2
        delta_k = y - t
        # w_kj (unit j -> output k) is coefs_[1][j, k], so sum_k w_kj delta_k
        # is a matrix-vector product with coefs_[1].
        delta_j = (1 - z**2) * (W2 @ delta_k)
        value, coef_grads, intercept_grads = _engine_gradient(
            est, X[n : n + 1], T[n : n + 1]
        )
        assert_allclose(value, 0.5 * np.sum((y - t) ** 2), rtol=1e-12)
        # dE_n/dw = delta (of the receiving unit) * input (of the sending unit)
        assert_allclose(coef_grads[0], np.outer(x, delta_j), rtol=1e-10, atol=1e-14)
        assert_allclose(coef_grads[1], np.outer(z, delta_k), rtol=1e-10, atol=1e-14)
        # biases are weights from a unit fixed at 1 (x_0 = z_0 = 1)
        assert_allclose(intercept_grads[0], delta_j, rtol=1e-10, atol=1e-14)
        assert_allclose(intercept_grads[1], delta_k, rtol=1e-10, atol=1e-14)


def test_full_batch_gradient_is_mean_of_per_sample_gradients():
    # The notes' E = sum_n E_n; the estimator minimises the mean (1/N) sum_n E_n.
    rng = np.random.RandomState(4)
    X = rng.uniform(-1, 1, (6, 3))
    T = rng.uniform(-1, 1, (6, 2))
    est = _gd(hidden_layer_sizes=(4,), activation="tanh", init="uniform")
    est.partial_fit(X, T)
    per_sample = [_engine_gradient(est, X[n : n + 1], T[n : n + 1]) for n in range(6)]
    value, coef_grads, intercept_grads = _engine_gradient(est, X, T)
    assert_allclose(value, np.mean([p[0] for p in per_sample]), rtol=1e-12)
    for i in range(2):
        assert_allclose(
            coef_grads[i], np.mean([p[1][i] for p in per_sample], axis=0), rtol=1e-10
        )
        assert_allclose(
            intercept_grads[i],
            np.mean([p[2][i] for p in per_sample], axis=0),
            rtol=1e-10,
        )


# ----------------------------------------------------------------------------
# Seed 004: batch, sequential and minibatch descent of a linear neuron

LINEAR_X = np.array([[0.1], [0.4], [0.7], [1.0]])
LINEAR_D = np.array([0.3, 0.5, 0.85, 1.1])
LINEAR_W0, LINEAR_W1 = 0.2, 0.5  # bias and slope before the step
LINEAR_ETA = 0.1


def _linear_neuron(batch_size, learning_rate_init=LINEAR_ETA):
    est = _gd(
        hidden_layer_sizes=(),
        batch_size=batch_size,
        learning_rate_init=learning_rate_init,
    )
    return _set_weights(
        est, LINEAR_X, LINEAR_D, [[[LINEAR_W1]]], [[LINEAR_W0]]
    )  # y = w1 x + w0


def _linear_params(est):
    return est.intercepts_[0][0], est.coefs_[0][0, 0]


def test_sequential_step_is_w_plus_eta_e_x():
    est = _linear_neuron(batch_size=1)
    assert est.out_activation_ == "identity"
    # one sample: w0 <- w0 + eta e, w1 <- w1 + eta e x with e = d - y
    est.partial_fit(LINEAR_X[:1], LINEAR_D[:1])
    x, d = LINEAR_X[0, 0], LINEAR_D[0]
    e = d - (LINEAR_W1 * x + LINEAR_W0)
    assert_allclose(
        _linear_params(est),
        (LINEAR_W0 + LINEAR_ETA * e, LINEAR_W1 + LINEAR_ETA * e * x),
        rtol=1e-14,
    )


def test_sequential_epoch_updates_after_every_sample():
    est = _linear_neuron(batch_size=1)
    est.partial_fit(LINEAR_X, LINEAR_D)  # one epoch, samples in order
    w0, w1 = LINEAR_W0, LINEAR_W1
    for x, d in zip(LINEAR_X[:, 0], LINEAR_D):
        e = d - (w1 * x + w0)
        w0, w1 = w0 + LINEAR_ETA * e, w1 + LINEAR_ETA * e * x
    assert_allclose(_linear_params(est), (w0, w1), rtol=1e-13)


def test_minibatch_update_averages_single_sample_updates():
    k = 2
    est = _linear_neuron(batch_size=k)
    est.partial_fit(LINEAR_X, LINEAR_D)
    w0, w1 = LINEAR_W0, LINEAR_W1
    for start in range(0, len(LINEAR_D), k):
        xs, ds = LINEAR_X[start : start + k, 0], LINEAR_D[start : start + k]
        e = ds - (w1 * xs + w0)  # errors of the batch at the same weights
        # the single-sample updates eta e and eta e x, averaged over the batch
        w0, w1 = w0 + np.mean(LINEAR_ETA * e), w1 + np.mean(LINEAR_ETA * e * xs)
    assert_allclose(_linear_params(est), (w0, w1), rtol=1e-13)


def test_batch_mode_on_the_sum_of_squared_errors():
    # The notes' batch rule on SSE = sum e_i**2 (no 1/2):
    #   w0 <- w0 - eta * sum(-2 e_i),  w1 <- w1 - eta * sum(-2 e_i x_i).
    # The estimator's objective is SSE / (2 N), so its rate is 2 N eta.
    eta_sse = 0.05
    N = len(LINEAR_D)
    est = _linear_neuron(batch_size=N, learning_rate_init=2 * N * eta_sse)
    est.partial_fit(LINEAR_X, LINEAR_D)
    xs = LINEAR_X[:, 0]
    e = LINEAR_D - (LINEAR_W1 * xs + LINEAR_W0)
    expected = (
        LINEAR_W0 - eta_sse * np.sum(-2 * e),
        LINEAR_W1 - eta_sse * np.sum(-2 * e * xs),
    )
    assert_allclose(_linear_params(est), expected, rtol=1e-13)


# ----------------------------------------------------------------------------
# Seed 003: gradient descent on f(x, y) = x**2 + y**2 from (3, 4), eta = 0.1

# The sheet's table: x_old, grad_x, x_new, y_old, grad_y, y_new, f(x_new, y_new).
SHEET_DESCENT_TABLE = [
    (3.0000, 6.0000, 2.4000, 4.0000, 8.0000, 3.2000, 16.0000),
    (2.4000, 4.8000, 1.9200, 3.2000, 6.4000, 2.5600, 10.2400),
    (1.9200, 3.8400, 1.5360, 2.5600, 5.1200, 2.0480, 6.5536),
    (1.5360, 3.0720, 1.2288, 2.0480, 4.0960, 1.6384, 4.1943),
    (1.2288, 2.4576, 0.9830, 1.6384, 3.2768, 1.3107, 2.6844),
    (0.9830, 1.9660, 0.7864, 1.3107, 2.6214, 1.0486, 1.7179),
    (0.7864, 1.5728, 0.6291, 1.0486, 2.0972, 0.8389, 1.0995),
    (0.6291, 1.2582, 0.5033, 0.8389, 1.6778, 0.6711, 0.7140),
    (0.5033, 1.0066, 0.4027, 0.6711, 1.3422, 0.5369, 0.3579),
    (0.4027, 0.8054, 0.3222, 0.5369, 1.0738, 0.4295, 0.2294),
]
# The last three f values of the sheet are wrong: f(0.5033, 0.6711) = 0.7037,
# f(0.4027, 0.5369) = 0.4504 and f(0.3222, 0.4295) = 0.2882 (each row's f is
# 0.64 times the previous one). The x and y columns are right.
SHEET_DESCENT_BAD_F_ROWS = {7: 0.7037, 8: 0.4504, 9: 0.2882}


def test_sgd_optimizer_reproduces_the_descent_table():
    xy = np.array([3.0, 4.0])
    sgd = SGD(xy, learning_rate_init=0.1, lr_schedule="constant", momentum=0.0)
    assert_allclose(xy[0] ** 2 + xy[1] ** 2, 25.0)  # the table's first f value
    for row, expected in enumerate(SHEET_DESCENT_TABLE):
        x_old, gx, x_new, y_old, gy, y_new, f_new = expected
        assert_allclose(xy, [x_old, y_old], atol=1e-4)
        grad = 2 * xy  # gradient of x**2 + y**2
        assert_allclose(grad, [gx, gy], atol=2e-4)
        sgd.update(xy, grad)
        assert_allclose(xy, [x_new, y_new], atol=1e-4)
        f = xy[0] ** 2 + xy[1] ** 2
        if row in SHEET_DESCENT_BAD_F_ROWS:
            assert abs(f - f_new) > 0.01  # the sheet's slip
            assert_allclose(f, SHEET_DESCENT_BAD_F_ROWS[row], atol=1e-4)
        else:
            assert_allclose(f, f_new, atol=1e-4)
    # x_new = 0.8 x_old exactly, so after 10 steps (x, y) = 0.8**10 (3, 4).
    assert_allclose(xy, 0.8**10 * np.array([3.0, 4.0]), rtol=1e-13)


def test_sgd_optimizer_nesterov_flag_is_irrelevant_without_momentum():
    a, b = np.array([3.0, 4.0]), np.array([3.0, 4.0])
    sgd_a = SGD(a, learning_rate_init=0.1, momentum=0.0, nesterov=True)
    sgd_b = SGD(b, learning_rate_init=0.1, momentum=0.0, nesterov=False)
    for _ in range(5):
        sgd_a.update(a, 2 * a)
        sgd_b.update(b, 2 * b)
    assert_allclose(a, b, rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Random restarts (n_init)

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def _xor_model(**params):
    return _gd(
        hidden_layer_sizes=(2,),
        activation="logistic",
        out_activation="logistic",
        batch_size=4,
        learning_rate_init=10.0,
        max_iter=2000,
        init="uniform",
        **params,
    )


def test_first_restart_is_the_single_fit():
    single = _quiet_fit(_xor_model(random_state=3), XOR_X, XOR_Y)
    multi = _quiet_fit(_xor_model(random_state=3, n_init=3), XOR_X, XOR_Y)
    # Restart 0 draws from the estimator's generator as the n_init=1 fit does
    # (the others from a generator derived from it), so it starts, and ends,
    # where the single fit does.
    assert multi.restart_losses_.shape == (3,)
    assert_allclose(multi.restart_losses_[0], single.loss_, rtol=1e-10)
    assert multi.best_restart_ == int(np.argmin(multi.restart_losses_))
    assert multi.loss_ == multi.restart_losses_.min()
    assert len(multi.loss_curve_) == 2000
    assert_allclose(single.restart_losses_, [single.loss_])
    assert single.best_restart_ == 0


def test_restarts_escape_local_minima_of_xor():
    losses_1, losses_10 = [], []
    for seed in range(5):
        one = _quiet_fit(_xor_model(random_state=seed), XOR_X, XOR_Y)
        ten = _quiet_fit(_xor_model(random_state=seed, n_init=10), XOR_X, XOR_Y)
        assert ten.loss_ <= one.loss_ * (1 + 1e-10)
        assert ten.restart_losses_.shape == (10,)
        losses_1.append(one.loss_)
        losses_10.append(ten.loss_)
    # Some single starts get stuck (XOR with two hidden units has poor local
    # minima); ten restarts solve every case.
    assert max(losses_1) > 0.05
    assert max(losses_10) < 1e-3


def test_restarts_escape_the_lecture_plateau():
    # With random_state=1 the lecture's U[0, 1] start stalls on a flat region
    # (two of the three predictions are stuck near their mean); a restart
    # reaches the targets.
    def init(rng, fan_in, fan_out):
        return rng.uniform(0.0, 1.0, (fan_in, fan_out))

    params = dict(max_iter=10000, init=init, random_state=1)
    one = _quiet_fit(_lecture_model(**params), LECTURE_X, LECTURE_Y)
    three = _quiet_fit(_lecture_model(n_init=3, **params), LECTURE_X, LECTURE_Y)
    assert np.abs(one.predict(LECTURE_X) - LECTURE_Y).max() > 0.02
    assert_allclose(three.restart_losses_[0], one.loss_, rtol=1e-10)
    assert three.best_restart_ != 0
    assert three.loss_ < 1e-4 * one.loss_
    assert_allclose(three.predict(LECTURE_X), LECTURE_Y, atol=3e-3)


# ----------------------------------------------------------------------------
# Per-layer learning rates (seed 004's eta^(n))


def test_per_layer_learning_rates_scale_each_layer_step():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (8, 3))
    y = rng.uniform(0, 1, 8)
    a, b = 0.05, 0.7
    est = _gd(
        hidden_layer_sizes=(4,),
        activation="tanh",
        batch_size=8,
        learning_rate_init=[a, b],
    )
    est.partial_fit(X, y)
    (W0, W1), (b0, b1) = _snapshot(est)
    _, coef_grads, intercept_grads = _engine_gradient(est, X, y)
    est.partial_fit(X, y)
    assert_allclose(est.coefs_[0], W0 - a * coef_grads[0], rtol=1e-13, atol=1e-16)
    assert_allclose(est.intercepts_[0], b0 - a * intercept_grads[0], rtol=1e-13)
    assert_allclose(est.coefs_[1], W1 - b * coef_grads[1], rtol=1e-13, atol=1e-16)
    assert_allclose(est.intercepts_[1], b1 - b * intercept_grads[1], rtol=1e-13)


@pytest.mark.parametrize("rates", [[0.1], [0.1, 0.2, 0.3]])
def test_per_layer_learning_rates_wrong_length(rates):
    est = _gd(hidden_layer_sizes=(4,), learning_rate_init=rates)
    with pytest.raises(ValueError, match="learning_rate_init"):
        est.fit(np.eye(3), np.arange(3.0))


# ----------------------------------------------------------------------------
# Noise variance: the Gaussian maximum-likelihood reading of squared error


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_noise_variance_is_mean_squared_residual(n_outputs):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (40, 2))
    Y = np.column_stack([np.sin(3 * X[:, 0]), X[:, 0] * X[:, 1]])[:, :n_outputs]
    Y = Y + 0.1 * rng.randn(*Y.shape)
    y = Y.ravel() if n_outputs == 1 else Y
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="lbfgs",
        max_iter=200,
        random_state=0,
    )
    _quiet_fit(est, X, y)
    residual = est.predict(X).reshape(40, n_outputs) - Y
    assert est.noise_variance_.shape == (n_outputs,)
    assert_allclose(est.noise_variance_, np.mean(residual**2, axis=0), rtol=1e-10)

    mean, std = est.predict(X[:7], return_std=True)
    assert mean.shape == std.shape == ((7,) if n_outputs == 1 else (7, n_outputs))
    expected = np.broadcast_to(np.sqrt(est.noise_variance_), (7, n_outputs))
    assert_allclose(std.reshape(7, n_outputs), expected, rtol=1e-12)
    assert_allclose(mean, est.predict(X[:7]), rtol=0, atol=0)


def _noise_problem(n_outputs, n=120):
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, (n, 3))
    Y = np.column_stack([np.sin(2 * X[:, 0]), X[:, 1] * X[:, 2]])[:, :n_outputs]
    Y = Y + 0.1 * rng.randn(*Y.shape)
    return X, (Y.ravel() if n_outputs == 1 else Y), Y


def _exact_noise_variance(est, X, Y, sample_weight=None):
    squared = (est.predict(X).reshape(Y.shape) - Y) ** 2
    if sample_weight is None:
        return squared.mean(axis=0)
    return sample_weight @ squared / sample_weight.sum()


@pytest.mark.parametrize("incremental", [False, True])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_noise_variance_after_minibatch_descent_is_the_last_epochs(
    n_outputs, incremental
):
    """No pass beyond the epochs: the residuals of the last epoch, each
    minibatch's before its update, so that with alpha=0 half their sum is
    exactly loss_ (the last epoch's mean loss)."""
    X, y, _ = _noise_problem(n_outputs)
    est = BackpropRegressor(
        hidden_layer_sizes=(6,),
        solver="sgd",
        batch_size=25,
        alpha=0.0,
        max_iter=8,
        random_state=0,
    )
    if incremental:
        for _ in range(3):
            est.partial_fit(X, y)
    else:
        _quiet_fit(est, X, y)
    assert est.noise_variance_.shape == (n_outputs,)
    assert est.noise_variance_.sum() / 2 == pytest.approx(est.loss_, rel=1e-12)


def test_weighted_noise_variance_after_minibatch_descent():
    """With a step too small to move the weights, the last epoch's weighted
    residuals are those of the final weights."""
    X, y, Y = _noise_problem(2)
    sw = np.random.RandomState(2).uniform(0.2, 3.0, size=X.shape[0])
    est = BackpropRegressor(
        hidden_layer_sizes=(6,),
        solver="sgd",
        batch_size=25,
        momentum=0.0,
        learning_rate_init=1e-12,
        max_iter=2,
        random_state=0,
    )
    _quiet_fit(est, X, y, sample_weight=sw)
    assert_allclose(
        est.noise_variance_, _exact_noise_variance(est, X, Y, sw), rtol=1e-9
    )


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "batch_size": 120},  # full batch
        {"solver": "adam", "early_stopping": True},  # the best epoch's weights
        {"solver": "adam", "n_init": 2},  # stacked restarts
    ],
    ids=["full-batch", "early-stopping", "restarts"],
)
def test_noise_variance_of_the_final_weights_elsewhere(params):
    X, y, Y = _noise_problem(2)
    est = BackpropRegressor(
        hidden_layer_sizes=(6,), max_iter=15, random_state=0, **params
    )
    _quiet_fit(est, X, y)
    assert_allclose(est.noise_variance_, _exact_noise_variance(est, X, Y), rtol=1e-10)


# ----------------------------------------------------------------------------
# Finite-difference gradient check


@pytest.fixture(scope="module")
def small_problem():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (12, 3))
    y_reg = X @ [1.0, -2.0, 0.5] + 0.1 * rng.randn(12)
    y_clf = np.array([0, 1, 2] * 4)
    return X, y_reg, y_clf


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "Est, loss",
    [
        (BackpropRegressor, "squared_error"),
        (BackpropClassifier, "log_loss"),
        (BackpropClassifier, "squared_error"),  # softmax on squared error
    ],
)
def test_check_gradients_of_fitted_models(small_problem, Est, loss, fit_intercept):
    X, y_reg, y_clf = small_problem
    y = y_clf if Est is BackpropClassifier else y_reg
    est = Est(
        loss=loss,
        hidden_layer_sizes=(4, 3),
        activation="tanh",
        solver="lbfgs",
        max_iter=30,
        alpha=0.01,
        fit_intercept=fit_intercept,
        random_state=0,
    )
    _quiet_fit(est, X, y)
    errors = check_gradients(est, X, y)
    assert errors.shape == (3,)
    assert np.all(errors < 1e-6)


def test_check_gradients_detects_a_wrong_hidden_derivative(small_problem, monkeypatch):
    X, y, _ = small_problem
    est = BackpropRegressor(
        hidden_layer_sizes=(4,),
        activation="logistic",
        solver="lbfgs",
        max_iter=30,
        random_state=0,
    )
    _quiet_fit(est, X, y)
    assert np.all(check_gradients(est, X, y) < 1e-6)

    def wrong_logistic_derivative(a, delta, work):
        delta *= a  # should be a * (1 - a)
        return delta

    # Networks look their derivative up when they are built, and
    # check_gradients builds a fresh one, which picks up the patched entry.
    monkeypatch.setitem(
        activations_module.DERIVATIVES, "logistic", wrong_logistic_derivative
    )
    errors = check_gradients(est, X, y)
    assert errors[0] > 1e-3  # the hidden layer's weights are now wrong
    assert errors[1] < 1e-6  # the output layer does not use the derivative


# ----------------------------------------------------------------------------
# Classifier losses (seed 004): binary and categorical cross-entropy, squared
# error


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_losses_are_the_notes_costs(loss, n_classes):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (9, 3))
    d = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1]) if n_classes == 2 else np.arange(9) % 3
    est = BackpropClassifier(
        loss=loss,
        hidden_layer_sizes=(4,),
        activation="tanh",
        solver="sgd",
        batch_size=9,  # full batch: loss_curve_[-1] is J before the step
        momentum=0.0,
        alpha=0.0,
        shuffle=False,
        learning_rate_init=0.5,
        init="uniform",
        random_state=0,
    )
    est.partial_fit(X, d, classes=np.arange(n_classes))
    P = est.predict_proba(X)  # network outputs at the weights before the step
    est.partial_fit(X, d)
    D = np.eye(n_classes)[d]  # one-hot desired outputs d_class(i)
    if n_classes == 2:
        # one sigmoid output y(i) = P(class 1)
        assert est.out_activation_ == "logistic" and est.n_outputs_ == 1
        y = P[:, 1]
        if loss == "log_loss":  # J = -1/n sum [d log y + (1 - d) log(1 - y)]
            J = -np.mean(d * np.log(y) + (1 - d) * np.log(1 - y))
        else:  # J = 1/n sum 1/2 (d - y)**2
            J = np.mean(0.5 * (d - y) ** 2)
    else:
        assert est.out_activation_ == "softmax" and est.n_outputs_ == n_classes
        if loss == "log_loss":  # J = -1/n sum_i sum_class d_class log y_class
            J = -np.mean(np.sum(D * np.log(P), axis=1))
        else:  # half the squared error summed over the class outputs
            J = np.mean(0.5 * np.sum((D - P) ** 2, axis=1))
    assert_allclose(est.loss_curve_[-1], J, rtol=1e-12)
    assert np.all(check_gradients(est, X, d) < 1e-6)


# ----------------------------------------------------------------------------
# Seed 003: min-max scaling of the sheet's table to [0, 1] and [-1, 1]

SHEET_MARKS = np.array([[70.0, 98.0], [50.0, 85.0], [65.0, 67.0], [25.0, 95.0]])
SHEET_SCALED_01 = [[1.0, 1.0], [0.5555, 0.5806], [0.8888, 0.0], [0.0, 0.9032]]
# The sheet prints -0.1111 for I0 = 50 on [-1, 1]: a sign slip, since
# 2 * 0.5556 - 1 = +0.1111; its 0.8064 for I1 = 95 is 0.80645 truncated.
SHEET_SCALED_11 = [[1.0, 1.0], [0.1111, 0.1613], [0.7777, -1.0], [-1.0, 0.8064]]


def test_minmax_scaling_reproduces_the_sheet_tables():
    from sklearn.preprocessing import MinMaxScaler

    lo, hi = SHEET_MARKS.min(axis=0), SHEET_MARKS.max(axis=0)
    by_hand = (SHEET_MARKS - lo) / (hi - lo)
    scaled_01 = MinMaxScaler().fit_transform(SHEET_MARKS)
    scaled_11 = MinMaxScaler(feature_range=(-1, 1)).fit_transform(SHEET_MARKS)
    assert_allclose(scaled_01, by_hand, rtol=1e-15)
    assert_allclose(scaled_11, 2 * by_hand - 1, rtol=1e-15, atol=1e-15)
    # the sheet truncates to four decimals
    assert_allclose(scaled_01, SHEET_SCALED_01, atol=1e-4)
    assert_allclose(scaled_11, SHEET_SCALED_11, atol=1e-4)
    assert_allclose((65 - 25) / (70 - 25), 0.8888, atol=1e-4)  # the sheet's example


# ----------------------------------------------------------------------------
# Initial weights


def _initial_weights(**params):
    """Weights as drawn by ``init``: a rate of 1e-300 makes the one step that
    ``partial_fit`` takes vanish below the rounding of the weights."""
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(20, 10)), rng.uniform(size=20)
    est = _gd(learning_rate_init=1e-300, **params)
    return est.partial_fit(X, y)


def test_uniform_init_draws_from_minus_one_to_one():
    est = _initial_weights(hidden_layer_sizes=(50,), init="uniform")
    glorot = _initial_weights(hidden_layer_sizes=(50,), init="glorot_uniform")
    for W, W_glorot in zip(est.coefs_, glorot.coefs_):
        fan_in, fan_out = W.shape
        bound = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot bound (relu units)
        assert np.all(np.abs(W_glorot) <= bound)
        assert np.all(np.abs(W) <= 1.0)
        assert np.any(np.abs(W) > bound)  # not a Glorot draw
        assert np.abs(W).max() > 0.9  # the draws fill [-1, 1]
        assert W.min() < 0 < W.max()
    for b in est.intercepts_:  # intercepts come from U[-1, 1] too
        assert np.all(np.abs(b) <= 1.0)
        assert np.any(np.abs(b) > 0.5)


def test_callable_init_is_called_with_each_layer_shape():
    calls = []

    def init(rng, fan_in, fan_out):
        calls.append((fan_in, fan_out))
        return np.full((fan_in, fan_out), 0.1), np.full(fan_out, -0.2)

    X = np.random.RandomState(0).uniform(size=(6, 3))
    Y = np.random.RandomState(1).uniform(size=(6, 2))
    est = BackpropRegressor(
        hidden_layer_sizes=(5, 4), init=init, solver="lbfgs", max_iter=1, random_state=0
    )
    _quiet_fit(est, X, Y)
    assert calls == [(3, 5), (5, 4), (4, 2)]
    # returning only a matrix leaves the intercepts at zero
    zero_bias = _initial_weights(
        hidden_layer_sizes=(5,), init=lambda rng, fi, fo: np.full((fi, fo), 0.3)
    )
    assert_allclose(zero_bias.coefs_[0], 0.3, rtol=0)
    assert_allclose(zero_bias.intercepts_[0], 0.0, atol=1e-250)
    with_bias = _initial_weights(hidden_layer_sizes=(5,), init=init)
    assert_allclose(with_bias.coefs_[1], 0.1, rtol=0)
    assert_allclose(with_bias.intercepts_[1], -0.2, rtol=0)


@pytest.mark.parametrize(
    "bad_init",
    [
        lambda rng, fan_in, fan_out: np.zeros((fan_out, fan_in + 1)),
        lambda rng, fan_in, fan_out: np.zeros(fan_in * fan_out),
        lambda rng, fan_in, fan_out: (np.zeros((fan_in, fan_out)), np.zeros(7)),
    ],
)
def test_callable_init_with_wrong_shape_raises(bad_init):
    est = BackpropRegressor(hidden_layer_sizes=(5,), init=bad_init)
    with pytest.raises(ValueError, match="init returned"):
        est.fit(np.eye(3), np.arange(3.0))
