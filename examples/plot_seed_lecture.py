"""
==========================================
The lecture's 2-3-1 network, step by step
==========================================

A network with two inputs, three sigmoid hidden units and one sigmoid output,
without any bias term, is trained by batch gradient descent on three samples:
hours of sleep and hours of study against a test score. Each input column is
divided by its maximum and the scores by 100, so that every number lies in
[0, 1].

The lecture minimises the *sum* over samples ``J = 1/2 sum_n (y_n - y_hat_n)**2``
with a step size of 5. :class:`~skbackprop.BackpropRegressor` minimises the
*mean* over samples, ``J / N``, whose gradient is ``N`` times smaller, so the
same steps need a learning rate of ``N * 5 = 15``. With ``solver="sgd"``,
``momentum=0`` and ``batch_size=N`` every epoch is exactly one gradient step.
"""

# %%
# The data
# --------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop import BackpropRegressor

x = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])  # (sleep, study) hours
X = x / x.max(axis=0)
y = np.array([75.0, 82.0, 93.0]) / 100.0
n_samples = X.shape[0]
print(X)

# %%
# The starting weights
# --------------------
# The lecture draws its weights from U[0, 1] with R's ``set.seed(1)``. We
# start from the same nine numbers (R fills ``W1`` column by column), through
# a callable ``init``: it receives the random generator and the layer shape
# and returns the weight matrix. ``init=lambda rng, fan_in, fan_out:
# rng.uniform(0, 1, (fan_in, fan_out))`` would draw fresh U[0, 1] weights
# instead.
r_draws = [0.2655087, 0.3721239, 0.5728534, 0.9082078, 0.2016819, 0.8983897]
W1_start = np.array(r_draws).reshape(3, 2).T
W2_start = np.array([[0.9446753], [0.6607978], [0.6291140]])
start = iter([W1_start, W2_start])


def lecture_init(rng, fan_in, fan_out):
    return next(start)


# %%
# Training: 10000 full-batch steps
# --------------------------------
# ``tol=0`` and a huge ``n_iter_no_change`` disable the early stop, so that
# all 10000 steps are taken (the estimator then warns that it did not
# "converge", which only means that it used its whole budget).
est = BackpropRegressor(
    hidden_layer_sizes=(3,),
    activation="logistic",
    out_activation="logistic",
    fit_intercept=False,
    solver="sgd",
    batch_size=n_samples,
    momentum=0.0,
    alpha=0.0,
    learning_rate_init=n_samples * 5.0,
    max_iter=10000,
    tol=0.0,
    n_iter_no_change=10**9,
    shuffle=False,
    init=lecture_init,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    est.fit(X, y)

np.set_printoptions(precision=7, suppress=True)
print("W1 =\n", est.coefs_[0])
print("W2 =\n", est.coefs_[1])
print("predictions:", est.predict(X), "targets:", y)

# %%
# These are the weights and predictions the lecture prints (W1 = [[2.11698,
# 1.61580, -1.45474], [-0.72332, 0.43049, -0.61999]], W2 = [2.43174, 1.22795,
# -3.64539], predictions 0.75000, 0.82005, 0.92989): the estimator performs
# the lecture's updates. The hidden weights themselves are hard to interpret;
# many weight settings fit three points this well.

# %%
# Cost history
# ------------
# ``loss_curve_`` holds the mean cost at the start of every step; multiplying
# by ``N`` gives the lecture's summed cost. The cost falls fast, lingers on a
# plateau until about step 2000, drops again and then looks flat on a linear
# scale; the log scale shows that it keeps shrinking by orders of magnitude.
# Gradient descent slows down wherever the cost surface is flat, which is why
# starting points (see ``n_init``) matter.
cost = n_samples * np.asarray(est.loss_curve_)
steps = np.arange(1, cost.size + 1)

fig, (ax_lin, ax_log) = plt.subplots(1, 2, figsize=(10, 4))
ax_lin.plot(steps, cost)
ax_lin.set(xlabel="iteration", ylabel="J", title="Cost history")
ax_log.plot(steps, np.log(cost))
ax_log.set(xlabel="iteration", ylabel="log J", title="Cost history, log scale")
fig.tight_layout()

# %%
# Predictions against targets
# ---------------------------
fig, ax = plt.subplots(figsize=(5, 4))
labels = ["(3, 5)", "(5, 1)", "(10, 2)"]
positions = np.arange(n_samples)
ax.bar(positions - 0.2, y, width=0.4, label="target")
ax.bar(positions + 0.2, est.predict(X), width=0.4, label="network")
ax.set_xticks(positions, labels)
ax.set(xlabel="(sleep, study) hours", ylabel="score / 100", ylim=(0.6, 1.0))
ax.legend()
fig.tight_layout()

plt.show()
