"""visualize.plots: every plot renders to PNG with the Agg backend, shows what it claims, leaves no figure open and
restores the model it evaluated."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import visualize  # noqa: E402
from visualize import plots  # noqa: E402
from visualize._landscape import filter_normalised_direction  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def ydata(line: Line2D) -> np.ndarray:
    return np.asarray(line.get_ydata(), dtype=np.float64)


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


@pytest.fixture(autouse=True)
def no_open_figures() -> object:
    yield
    assert plt.get_fignums() == [], "a plot left a pyplot figure open"


def classifier(seed: int = 0) -> nn.Sequential:
    am.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 3))


def test_plot_activations_draws_functions_and_autograd_derivatives() -> None:
    fig = plots.plot_activations(num=101)
    png(fig)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == list(plots.DEFAULT_ACTIVATIONS)
    sigmoid = axes[0]
    x = np.asarray(sigmoid.lines[0].get_xdata())
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ydata(sigmoid.lines[0]), s, atol=1e-12)
    np.testing.assert_allclose(ydata(sigmoid.lines[1]), s * (1 - s), atol=1e-12)
    relu = axes[2]
    np.testing.assert_array_equal(ydata(relu.lines[1]), (x > 0).astype(float))  # relu'(0) = 0


def test_plot_activations_accepts_names_or_functions_and_refuses_unknown_names() -> None:
    fig = plots.plot_activations({"cube": lambda t: t * t * t}, x_range=(-1, 1), num=5)
    np.testing.assert_allclose(ydata(fig.axes[0].lines[1]), 3 * np.linspace(-1, 1, 5) ** 2)
    assert len([ax for ax in plots.plot_activations(["tanh", "mish"]).axes if ax.get_visible()]) == 2
    with pytest.raises(ValueError, match="unknown activation"):
        plots.plot_activations(["swoosh"])


def test_plot_training_from_a_dict_or_a_list_of_epochs() -> None:
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.6], "acc": [0.5, 0.8, 0.9], "lr": [0.1, 0.1, 0.01]}
    fig = plots.plot_training(history)
    png(fig)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy", "other"]
    loss_ax = fig.axes[0]
    assert loss_ax.get_yscale() == "log"
    assert [line.get_label() for line in loss_ax.lines] == ["loss", "val_loss"]
    assert loss_ax.lines[1].get_linestyle() == "--" and loss_ax.lines[0].get_color() == loss_ax.lines[1].get_color()
    epochs = [{"loss": 1.0, "accuracy": 0.5}, {"loss": -0.5, "accuracy": 0.75}]
    fig = plots.plot_training(epochs, xlabel="step")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[0].get_xlabel() == "step"
    with pytest.raises(ValueError, match="at least one series"):
        plots.plot_training({})


def test_plot_decision_regions_classifies_the_plane_and_restores_the_model() -> None:
    model = classifier()
    model.train()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)).astype(np.float32)
    y = rng.integers(0, 3, size=30)
    fig = plots.plot_decision_regions(model, X, y, resolution=40)
    png(fig)
    assert model.training and all(p.grad is None for p in model.parameters())
    ax = fig.axes[0]
    assert len(ax.collections) >= 3  # filled regions and one scatter per class


def test_plot_decision_regions_thresholds_binary_scores() -> None:
    def logit(x: am.Tensor) -> am.Tensor:
        return x[:, 0] - x[:, 1]  # class 1 below the diagonal

    X = np.array([[1.0, -1.0], [-1.0, 1.0]], dtype=np.float32)
    fig = plots.plot_decision_regions(logit, X, np.array([1, 0]), resolution=20)
    png(fig)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plots.plot_decision_regions(logit, np.zeros((4, 3)), np.zeros(4))


def test_plot_fit_draws_the_models_curve_over_the_data() -> None:
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    x = np.linspace(-2, 2, 25).astype(np.float32)
    fig = plots.plot_fit(model, x, np.sin(x), num=50)
    png(fig)
    line = fig.axes[0].lines[0]
    grid = np.asarray(line.get_xdata(), dtype=np.float32)
    with am.no_grad():
        expected = model(am.tensor(grid.reshape(-1, 1))).numpy().reshape(-1)
    np.testing.assert_allclose(ydata(line), expected, rtol=1e-6)


def test_plot_grad_flow_shows_norms_and_marks_missing_and_zero_gradients() -> None:
    model = classifier()
    x = am.tensor(np.ones((4, 2), np.float32))
    model(x).sum().backward()
    model[3].bias.grad = None
    model[0].bias.grad = am.zeros(8)
    fig = plots.plot_grad_flow(model)
    png(fig)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias"]
    heights = [bar.get_height() for bar in ax.patches if isinstance(bar, Rectangle)]
    grad = model[0].weight.grad
    assert grad is not None
    assert heights[0] == pytest.approx(float(np.linalg.norm(grad.numpy())))
    assert {t.get_text() for t in ax.texts} == {"None", "0"}
    with pytest.raises(ValueError, match="no parameters"):
        plots.plot_grad_flow({})


def test_filter_normalised_directions() -> None:
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(3, 2, 2)).astype(np.float32)
    direction = filter_normalised_direction(weight, rng)
    assert direction.dtype == weight.dtype and direction.shape == weight.shape
    np.testing.assert_allclose(
        np.linalg.norm(direction.reshape(3, -1), axis=1), np.linalg.norm(weight.reshape(3, -1), axis=1), rtol=1e-5
    )
    assert not filter_normalised_direction(np.ones(4, np.float32), rng).any()  # biases stay put


def test_plot_loss_landscape_restores_parameters_and_centres_on_the_current_loss() -> None:
    model = classifier()
    model.train()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 2)).astype(np.float32)
    y = rng.integers(0, 3, size=20)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    fig = plots.plot_loss_landscape(model, nn.functional.cross_entropy, (X, y), steps=5, span=0.5)
    png(fig)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])
        assert p.grad is None
    assert model.training
    model.eval()
    with am.no_grad():
        centre = nn.functional.cross_entropy(model(am.tensor(X)), am.tensor(y)).item()
    slice_line = fig.axes[1].lines[0]
    assert ydata(slice_line)[2] == pytest.approx(centre, rel=1e-5)
    with pytest.raises(ValueError, match="steps"):
        plots.plot_loss_landscape(model, nn.functional.cross_entropy, (X, y), steps=1)


def test_plot_functions_are_reachable_from_the_package_without_importing_matplotlib_early() -> None:
    assert visualize.plot_training is plots.plot_training
    with pytest.raises(AttributeError):
        visualize.plot_nothing
    code = "import json, sys\nimport visualize\nprint(json.dumps('matplotlib' in sys.modules))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False
