"""
================================================
Batch, sequential and minibatch gradient descent
================================================

Gradient descent can use the training set in three ways:

* **batch mode** computes the gradient on all ``N`` samples and makes one
  update per pass over the data (epoch);
* **sequential mode** (stochastic gradient descent) updates the weights after
  every single sample, ``N`` updates per epoch;
* **minibatch mode** updates after every group of ``k`` samples, ``N / k``
  updates per epoch.

With :class:`~skbackprop.BackpropRegressor` the mode is chosen by
``batch_size`` with ``solver="sgd"``: ``batch_size=N``, ``batch_size=1`` and
``batch_size=k``. Each update moves the weights by ``-learning_rate`` times the
gradient of the *mean* loss over the batch it has just seen. ``momentum=0``
gives the plain rule; ``shuffle=True`` visits the samples in a new random
order every epoch.
"""

# %%
# Data and network
# ----------------
# 120 noisy samples of a sine curve, a network with one hidden layer of ten
# tanh units and a linear output. The three runs start from the same weights
# (same ``random_state``) and use the same learning rate.
import matplotlib.pyplot as plt
import numpy as np

from skbackprop import BackpropRegressor

rng = np.random.RandomState(0)
n_samples = 120
X = rng.uniform(-1, 1, (n_samples, 1))
y = np.sin(3 * X[:, 0]) + 0.1 * rng.randn(n_samples)

modes = {"batch (k = N)": n_samples, "minibatch (k = 10)": 10, "sequential (k = 1)": 1}
n_epochs = 150

# %%
# Training
# --------
# Every ``partial_fit`` call is one epoch. After each epoch we evaluate the
# loss on the whole training set, half the mean squared residual, so that the
# three modes are measured identically. (``loss_curve_`` would instead average
# the minibatch losses seen *during* the epoch, each before its update.)
losses = {}
for name, batch_size in modes.items():
    est = BackpropRegressor(
        hidden_layer_sizes=(10,),
        activation="tanh",
        solver="sgd",
        batch_size=batch_size,
        learning_rate_init=0.1,
        momentum=0.0,
        alpha=0.0,
        shuffle=True,
        random_state=0,
    )
    curve = []
    for _ in range(n_epochs):
        est.partial_fit(X, y)
        curve.append(0.5 * np.mean((est.predict(X) - y) ** 2))
    losses[name] = np.array(curve)
    print(f"{name:>20}: loss after {n_epochs} epochs = {curve[-1]:.4f}")

# %%
# Loss per epoch and per update
# -----------------------------
# Per epoch (left), sequential mode progresses fastest: it makes ``N``
# updates where batch mode makes one. The other two modes leave the plateau
# near 0.08 after several hundred updates; for batch mode that would take
# several hundred epochs. Counted
# per update (right) the three curves almost coincide: with this learning
# rate a step on one sample or on ten moves the weights nearly as a
# full-batch step would, at a fraction of the cost. Single-sample gradients
# are noisy, however, so sequential mode levels off at a loss set by the
# learning rate, while minibatches, with less noisy gradients, go lower.
fig, (ax_epoch, ax_update) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
epochs = np.arange(1, n_epochs + 1)
for name, curve in losses.items():
    updates_per_epoch = int(np.ceil(n_samples / modes[name]))
    ax_epoch.semilogy(epochs, curve, label=name)
    ax_update.loglog(epochs * updates_per_epoch, curve, label=name)
noise_floor = 0.5 * 0.1**2  # half the variance of the added noise
for ax in (ax_epoch, ax_update):
    ax.axhline(noise_floor, color="k", ls=":", lw=1, label="noise level")
ax_epoch.set(xlabel="epoch", ylabel="training loss", title="Per epoch")
ax_update.set(xlabel="weight updates", title="Per update")
ax_epoch.legend()
fig.tight_layout()

plt.show()
