"""Benchmarks of autograd_mini against a hand-written NumPy floor and PyTorch (``python -m benchmarks``).

Not part of the installed package and never collected by pytest (its testpaths is ``tests/``);
``tests/test_benchmarks_smoke.py`` runs the smoke mode in-process.
"""
