"""Optimizers and learning-rate schedulers (``torch.optim`` spellings, defaults and update formulas)."""

from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .line_search import GradientDescentLineSearch
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "LBFGS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "GradientDescentLineSearch",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
