"""Dependency direction: the engine (autograd_mini) never imports nn or visualize, and needs only NumPy.

DESIGN.md fixes the direction autograd_mini <- nn <- visualize.  Two independent checks enforce it: a static
walk over every module's imports (including ``importlib.import_module("...")``/``__import__("...")`` with a
literal name), and a fresh interpreter that imports autograd_mini and inspects ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "autograd_mini"
FORBIDDEN = {"nn", "visualize"}
ALLOWED_THIRD_PARTY = {"numpy"}


def imported_modules(source: str, filename: str = "<string>") -> set[str]:
    """Absolute top-level module names imported by ``source`` (relative imports stay inside the package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if callee in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def engine_files() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def test_engine_has_modules() -> None:
    assert ENGINE / "__init__.py" in engine_files()


@pytest.mark.parametrize(
    "source",
    [
        "import nn",
        "import nn.functional as F",
        "from visualize import graph",
        "from visualize.graph import draw",
        "def f():\n    import nn",
        "import importlib\nimportlib.import_module('nn.optim')",
        "__import__('visualize')",
    ],
)
def test_import_walker_sees_forbidden_imports(source: str) -> None:
    assert imported_modules(source) & FORBIDDEN


def test_import_walker_ignores_relative_and_unrelated_imports() -> None:
    assert not imported_modules("from . import nn\nfrom .visualize import x\nimport numpy.linalg") & FORBIDDEN


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_imports_only_stdlib_and_numpy(path: Path) -> None:
    imports = imported_modules(path.read_text(encoding="utf-8"), str(path))
    assert not imports & FORBIDDEN, f"{path.relative_to(ROOT)} imports {sorted(imports & FORBIDDEN)}"
    third_party = imports - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY - {"autograd_mini", "__future__"}
    assert not third_party, f"{path.relative_to(ROOT)} imports non-NumPy dependencies {sorted(third_party)}"


def test_importing_autograd_mini_loads_neither_nn_nor_visualize() -> None:
    code = "import json, sys\nimport autograd_mini\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "autograd_mini" in loaded
    assert not loaded & FORBIDDEN, f"import autograd_mini loaded {sorted(loaded & FORBIDDEN)}"


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """setuptools is given an explicit package list; a new sub-package must be added to it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = ROOT
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for top in ("autograd_mini", "nn", "visualize")
        for init in (root / top).rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
