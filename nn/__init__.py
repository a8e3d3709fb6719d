"""nn: modules, layers, losses, initializers, optimizers and data loading on autograd_mini."""
