"""The package's layers: data flows down and an import never runs up.

    model  <-  experiments  <-  outputs  <-  classroom, cli

Every module's imports are read with ``ast`` (module level and inside functions: both run;
``if TYPE_CHECKING:`` blocks do not run and are only held to the layer rule). ``outputs`` may
use the light parts of ``experiments`` (comparison, defaults, attribution rules) but must never
reach the runner or GrowthModel, even through another module, so redrawing saved results needs
no Mesa; a subprocess test checks that on the real ``gtmsim plot`` and ``gtmsim report``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from gtmsim.experiments.runner import run_batch
from gtmsim.model.scenario import Scenario
from gtmsim.outputs.results import write_results

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gtmsim"
LAYERS = ("model", "experiments", "outputs", "classroom", "cli")
#: Which layers each layer may import (besides itself and the top-level ``gtmsim``).
ALLOWED = {
    "model": set(),
    "experiments": {"model"},
    "outputs": {"model", "experiments"},
    "classroom": {"model", "experiments", "outputs"},
    "cli": {"model", "experiments", "outputs", "classroom"},
}
#: What outputs must never load, directly or through other gtmsim modules.
HEAVY = ("gtmsim.experiments.runner", "gtmsim.model.growth")


def module_name(path: Path) -> str:
    root = next(p for p in path.parents if p.name == "gtmsim")
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(source: str, module: str, is_package: bool = False) -> tuple[set[str], set[str]]:
    """The gtmsim modules ``source`` (of ``module``, a package's ``__init__`` if
    ``is_package``) imports: (run-time imports, type-checking-only imports)."""
    tree = ast.parse(source)
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            typing_only |= {id(n) for child in node.body for n in ast.walk(child)}
    runtime, typed = set(), set()
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                base = ".".join([*package[: len(package) - node.level + 1], base]).strip(".")
            # `from gtmsim.x import y` may import the module gtmsim.x.y
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            if name == "gtmsim" or name.startswith("gtmsim."):
                (typed if id(node) in typing_only else runtime).add(name)
    return runtime, typed


def package_graph(root: Path = PACKAGE) -> dict[str, tuple[set[str], set[str]]]:
    """Every module of the package (by dotted name) and its gtmsim imports that are modules."""
    paths = {module_name(p): p for p in root.rglob("*.py")}
    sources = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    graph = {}
    for name, source in sources.items():
        runtime, typed = imports(source, name, paths[name].name == "__init__.py")
        graph[name] = ({m for m in runtime if m in sources}, {m for m in typed if m in sources})
    return graph


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def violations(graph: dict[str, tuple[set[str], set[str]]]) -> list[str]:
    """Every import that runs up a layer, and every path from outputs to the runner or model."""
    found = []
    for module, (runtime, typed) in graph.items():
        own = layer(module)
        for target in runtime | typed:
            theirs = layer(target)
            if own and theirs and theirs != own and theirs not in ALLOWED[own]:
                found.append(f"{module} imports {target} ({own} may not import {theirs})")
    for module in graph:
        if layer(module) != "outputs":
            continue
        seen, todo = set(), [module]
        while todo:
            current = todo.pop()
            for target in graph.get(current, (set(), set()))[0]:
                if target in HEAVY:
                    found.append(f"{module} reaches {target} (via {current})")
                elif target not in seen:
                    seen.add(target)
                    todo.append(target)
    return found


def test_no_import_runs_up_a_layer() -> None:
    graph = package_graph()
    assert {layer(m) for m in graph} >= set(LAYERS)
    assert violations(graph) == []


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("model/kpis.py", "from gtmsim.outputs.tables import format_value", "may not import"),
        ("experiments/comparison.py", "import gtmsim.cli.group", "may not import cli"),
        ("outputs/tables.py", "from gtmsim.experiments.runner import run_batch", "reaches"),
        ("outputs/tables.py", "from gtmsim.experiments import bass", "reaches"),
        ("model/growth.py", "from ..classroom import model", "may not import classroom"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, module: str, line: str, expected: str):
    """The check is not vacuous: adding one forbidden import (directly, through another module,
    or relative) to a copy of the package makes it fail."""
    import shutil

    copy = tmp_path / "gtmsim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    found = violations(package_graph(copy))
    assert found and any(expected in f for f in found), found


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = Scenario.model_validate({"name": "tiny", "market": {"prospects": 300}})
    batch = run_batch([scenario], [1, 2], 6)
    folder = tmp_path_factory.mktemp("results")
    return write_results(folder, batch.timeseries(), batch.summary(), batch.manifest())


@pytest.mark.parametrize("command", ["plot", "report"])
def test_plot_and_report_do_not_load_mesa(results_folder: Path, command: str) -> None:
    """Run the real command in a fresh interpreter and list what it imported."""
    probe = (
        "import sys\n"
        "from gtmsim.cli import main\n"
        "try:\n"
        f"    main([{command!r}, {str(results_folder)!r}])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = ['mesa', 'gtmsim.model.growth', 'gtmsim.experiments.runner', 'scipy']\n"
        "print('LOADED=' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "LOADED=", done.stdout[-500:]
    assert (results_folder / "figures" / "journey.png").is_file()
