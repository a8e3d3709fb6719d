"""nn: modules, layers, losses, initializers, optimizers and data loading on autograd_mini."""

from .module import *  # noqa: F403  (nn-1: Module, Parameter, count_parameters)
