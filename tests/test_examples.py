"""Every script in examples/ runs in ``--quick`` mode and reproduces its lecture point (and the main job runs)."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (examples/ is not a package; its scripts import ``_common`` beside them)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(name: str, out: Path, *extra: str) -> dict[str, Any]:
    findings: dict[str, Any] = load(name).main(["--quick", "--out", str(out), *extra])
    return findings


def assert_written(*paths: Any) -> None:
    for path in paths:
        assert Path(path).is_file() and Path(path).stat().st_size > 0, path


def test_linear_layer(tmp_path: Path) -> None:
    found = run("linear_layer", tmp_path)
    np.testing.assert_allclose(found["z"], [3.2, 2.4], atol=1e-12)
    assert found["hand_equals_backward"]
    np.testing.assert_allclose(found["grads_by_backward"]["W"], [[2, 5, 1], [-4, -10, -2]])
    np.testing.assert_allclose(found["grads_by_backward"]["b"], [1, -2])
    assert_written(found["graph"])


def test_logistic_regression(tmp_path: Path) -> None:
    found = run("logistic_regression", tmp_path)
    assert found["gradient_matches"]
    assert found["line_search_steps"] is not None and found["fixed_rate_steps"] is not None
    assert found["line_search_steps"] < found["fixed_rate_steps"]
    assert_written(found["figure"])


def test_xor(tmp_path: Path) -> None:
    found = run("xor", tmp_path)
    assert found["two_layer_accuracy"] == 1.0
    assert found["logistic_regression_accuracy"] <= 0.75
    assert_written(found["figure"])


def test_cubic_least_squares(tmp_path: Path) -> None:
    found = run("cubic_least_squares", tmp_path)
    np.testing.assert_allclose(found["coefficients"], [1, -3, 5, -7], atol=1e-2)
    assert found["max_coefficient_error"] < 1e-2
    assert found["gd_steps_on_raw_features"] > found["gd_steps"]
    assert found["mlp_mse"] < 0.1
    assert_written(found["figure"])


def test_relu_sums(tmp_path: Path) -> None:
    found = run("relu_sums", tmp_path)
    sums = list(found["relu_sum_max_error_by_k"].values())
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(sums)) and sums[-1] < 0.1 * sums[0]
    by_width = found["trained_mse_by_width"]
    assert by_width[3] > by_width[10] > by_width[100]
    assert_written(found["figure"])


def test_spiral_capacity(tmp_path: Path) -> None:
    acc = run("spiral_capacity", tmp_path)["train_accuracy"]
    assert acc["20 neurons"] > acc["6 neurons"] > acc["3 neurons"] or acc["20 neurons"] > acc["3 neurons"] + 0.2
    assert acc["20 neurons"] > 0.9
    assert acc["20 neurons, L2 0.1"] < acc["20 neurons, L2 0.01"] < acc["20 neurons, L2 0.001"]
    assert (tmp_path / "spiral_capacity.png").is_file()


def test_vanishing_gradients(tmp_path: Path) -> None:
    found = run("vanishing_gradients", tmp_path)
    first = found["first_layer_grad_norm"]
    assert first["sigmoid"] < 1e-6 * first["residual relu"]
    assert max(first["tanh"], first["relu"]) < 1e-2 * first["residual relu"]
    assert found["sigmoid_over_residual_first_layer"] < 1e-6
    assert_written(found["figure"], found["graph"])


def test_dead_relu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = run("dead_relu", tmp_path)
    final = found["final_dead_fraction"]
    assert final["ReLU, lr 2"] > 0.5
    assert final["ReLU, lr 2"] > final["LeakyReLU(0.1), lr 2"]
    assert final["ReLU, lr 2"] > final["ReLU, lr 0.1"]
    assert capsys.readouterr().out.count("dead fraction") >= 3 * 4  # printed per epoch
    assert_written(found["figure"])


def test_relu_vs_tanh(tmp_path: Path) -> None:
    found = run("relu_vs_tanh", tmp_path)
    assert found["epochs_relu"] is not None and found["epochs_tanh"] is not None
    assert math.isclose(found["tanh_over_relu"], found["epochs_tanh"] / found["epochs_relu"], abs_tol=1e-3)
    assert_written(found["figure"])


def test_digits_linear_mlp_cnn(tmp_path: Path) -> None:
    found = run("digits_linear_mlp_cnn", tmp_path)
    acc = found["test_accuracy"]
    assert acc["cnn"] > acc["linear"]
    assert acc["mlp"] > 0.9 and acc["linear"] > 0.85
    assert_written(found["figure"])


def test_parameter_count(tmp_path: Path) -> None:
    found = run("parameter_count", tmp_path)
    assert found["counts"]["3-4-2"] == {"count_parameters": 26, "formula": 26}
    assert found["counts"]["3-4-4-1"] == {"count_parameters": 41, "formula": 41}
    assert_written(found["figure"], *found["graphs"])


def test_newton_method(tmp_path: Path) -> None:
    found = run("newton_method", tmp_path)
    assert abs(found["newton_x"] - math.log(2) / 3) < 1e-10
    assert found["final_abs_derivative"] < 1e-10
    assert found["newton_steps"] <= 8 < found["gd_steps"]
    errors = found["newton_errors"]
    assert errors[-2] < 1e-3 and errors[-1] < 10 * errors[-2] ** 2 + 1e-15  # quadratic convergence
    assert_written(found["figure"])


def test_loss_landscape(tmp_path: Path) -> None:
    found = run("loss_landscape", tmp_path)
    assert found["grid_finite"] and found["grid_shape"] == [11, 11]
    assert found["loss_at_centre"] <= found["grid_min"] + 1e-6 < found["grid_max"]
    assert found["saddle_gradient"] == [0.0, 0.0]
    low, high = found["saddle_hessian_eigenvalues"]
    assert low < 0 < high
    assert_written(*found["figures"])


def test_main_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = run("main", tmp_path)
    assert found["gradcheck_passed"]
    assert found["mlp_test_accuracy"] > 0.85 and found["linear_test_accuracy"] > 0.7
    assert found["spiral_train_accuracy"] > 0.8
    captured = capsys.readouterr()
    assert "gradcheck (float64 copy" in captured.out and "passed" in captured.out
    assert "test accuracy: MLP" in captured.out
    assert "loss=" in captured.err and "acc=" in captured.err  # the tqdm progress bar
    graph, training, regions = (Path(p) for p in found["files"])
    assert_written(graph, training, regions)
    assert graph.name.startswith("main_graph")
    if graph.suffix == ".svg":
        text = graph.read_text()
        assert "<svg" in text and "0.weight" in text and "2.bias" in text  # parameters named
