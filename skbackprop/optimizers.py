"""The engine's optimizers, usable on any flat parameter vector.

The estimators train with these objects; they are public so that the update
rules can be inspected and reused, e.g. gradient descent on a two-variable
function::

    >>> import numpy as np
    >>> from skbackprop.optimizers import SGD
    >>> xy = np.array([3.0, 4.0])
    >>> sgd = SGD(xy, learning_rate_init=0.1, momentum=0.0)
    >>> sgd.update(xy, 2 * xy)  # gradient of x**2 + y**2
    >>> xy
    array([2.4, 3.2])
"""

from ._solvers import SGD, Adam, minimize_lbfgs

__all__ = ["SGD", "Adam", "minimize_lbfgs"]
