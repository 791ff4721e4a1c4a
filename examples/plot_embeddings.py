"""
==========================================
A two-unit bottleneck: digits in the plane
==========================================

A trained network's hidden layers are a learned representation of the
inputs. The output layer of a classifier is a linear model of its last
hidden layer, so a network that classifies well has made the classes
(nearly) linearly separable there. ``transform`` returns the
activations of one hidden layer (``transform_layer``, by default the last),
so a fitted network is also a feature extractor.

Here a classifier of the 8x8 digits gets a last hidden layer of only two
``tanh`` units. To classify well, the network has to lay the ten classes out
in a square of side 2, and ``transform`` shows where it put them.
"""

# %%
# Training a network with a bottleneck
# ------------------------------------
# The pixel values (0 to 16) are min-max scaled to [0, 1]. The network has a
# hidden layer of 32 units followed by the two-unit bottleneck, from which
# the softmax output layer reads the class.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
model = make_pipeline(
    MinMaxScaler(),
    BackpropClassifier(
        hidden_layer_sizes=(32, 2),
        activation="tanh",
        batch_size=64,
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    ),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a short budget
    model.fit(X_train, y_train)
print(f"test accuracy of the network: {model.score(X_test, y_test):.3f}")

# %%
# The embeddings
# --------------
# The pipeline's ``transform`` scales the inputs and returns the bottleneck's
# two activations for every image; ``get_feature_names_out`` names them after
# the estimator, as scikit-learn's own transformers do.
Z_train = model.transform(X_train)
Z_test = model.transform(X_test)
print("columns:", model.get_feature_names_out())
print("shape of the test embeddings:", Z_test.shape)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.8), sharex=True, sharey=True)
for ax, Z, labels, title in [
    (axes[0], Z_train, y_train, "training images"),
    (axes[1], Z_test, y_test, "test images"),
]:
    points = ax.scatter(
        Z[:, 0],
        Z[:, 1],
        c=labels,
        cmap="tab10",
        s=10,
        alpha=0.8,
        vmin=-0.5,
        vmax=9.5,
    )
    for digit in range(10):  # the label at the median of its class
        cx, cy = np.median(Z[labels == digit], axis=0)
        ax.text(cx, cy, str(digit), fontsize=13, weight="bold", ha="center")
    ax.set(title=title, xlabel="bottleneck unit 0")
axes[0].set_ylabel("bottleneck unit 1")
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
fig.suptitle("Activations of the two-unit hidden layer")

# %%
# A second estimator on the embeddings
# ------------------------------------
# The two columns are features like any other. A logistic regression trained
# on them alone does about as well as the network's own output layer, which
# is also a linear model of those two activations.
reader = LogisticRegression().fit(Z_train, y_train)
print(f"logistic regression on the 2-D embeddings: {reader.score(Z_test, y_test):.3f}")

# %%
# What the plot shows
# -------------------
# * The tanh units saturate at -1 and 1, so most classes are placed on the
#   edges and in the corners of the square, where a unit's activation is
#   nearly constant: a square holds ten well separated clusters this way.
# * The training images form tight clusters. The test images spread out
#   between them, and those lying between two clusters are the ones the
#   network hesitates about or gets wrong.
#
# Inside a :class:`~sklearn.pipeline.Pipeline` a network that is not the
# last step is fitted on the labels and then transforms, so
# ``make_pipeline(MinMaxScaler(), BackpropClassifier(...),
# LogisticRegression())`` trains both models, one after the other, in a
# single ``fit``.
plt.show()
