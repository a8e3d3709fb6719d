"""The XOR demo (``examples/xor_demo.py``) learns XOR and passes gradcheck."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

DEMO_PATH = Path(__file__).resolve().parents[1] / "examples" / "xor_demo.py"


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    """The demo script imported as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("xor_demo", DEMO_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_main_quick_learns_xor_and_passes_gradcheck(demo: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "All predictions correct: yes" in out
    assert "gradcheck (float64, all parameters): passed" in out
    assert "WRONG" not in out


def test_train_reaches_low_loss_with_correct_predictions(demo: ModuleType) -> None:
    result = demo.train(steps=600, seed=0)
    assert result.losses[0] > 0.5  # starts near log(2)
    assert result.losses[-1] < 0.05
    assert all(np.isfinite(result.losses))
    np.testing.assert_array_equal(result.predictions, [0, 1, 1, 0])
    assert result.gradcheck_passed


def test_training_is_seeded(demo: ModuleType) -> None:
    first, second = demo.train(steps=20, seed=3), demo.train(steps=20, seed=3)
    assert first.losses == second.losses


def test_gradcheck_detects_a_wrong_gradient(demo: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's gradcheck is a real check: a loss whose backward disagrees with its forward fails it."""
    import autograd_mini as am

    original = demo.bce_loss

    def skewed_loss(x: am.Tensor, y: am.Tensor, *params: am.Tensor) -> am.Tensor:
        # Same value (the added term is zero), but backward sees d/dw1 of w1.sum() = 1 that finite differences do not.
        w1 = params[0]
        return original(x, y, *params) + (w1.sum() - w1.detach().sum())

    params = demo.init_params(hidden=4, seed=0)
    assert demo.check_gradients(params)
    monkeypatch.setattr(demo, "bce_loss", skewed_loss)
    assert not demo.check_gradients(params)
