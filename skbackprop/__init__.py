"""skbackprop: multi-layer perceptrons trained by backpropagation, for scikit-learn."""

from ._gradient_check import check_gradients
from ._multilayer_perceptron import (
    BackpropClassifier,
    BackpropRegressor,
    DivergenceWarning,
    NonFiniteOutputWarning,
)
from .pipeline import make_scaled_pipeline
from .plotting import LossCurveDisplay

__version__ = "0.1.0"

__all__ = [
    "BackpropClassifier",
    "BackpropRegressor",
    "DivergenceWarning",
    "LossCurveDisplay",
    "NonFiniteOutputWarning",
    "check_gradients",
    "make_scaled_pipeline",
    "__version__",
]
