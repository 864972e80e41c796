"""The folder tree is the flow: each layer imports only the layers before it.

documents -> catalogue -> model -> visibility -> checking and rules -> reporters
and expand -> audit, server, calibrate, synthetic -> cli, with ``findings`` under
all of them.  ``checking`` and ``rules`` form one layer: the pipeline runs the rules,
and the rules judge what the pipeline's context holds.  The README's Layout
section names every module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "lco_validate"

LAYERS: dict[str, int] = {
    "findings": 0,
    "documents": 1,
    "catalogue": 2,
    "model": 3,
    "visibility": 4,
    "checking": 5,
    "rules": 5,
    "reporters": 6,
    "expand": 6,
    "audit": 7,
    "server": 7,
    "calibrate": 7,
    "synthetic": 7,
    "cli": 8,
    "__init__": 9,
    "pytest_plugin": 9,
    "__main__": 9,
}


def layer_of(relative: Path) -> str:
    """The layer of a module, from its path below ``lco_validate/``."""
    return relative.with_suffix("").parts[0]


def imported_layers(relative: Path, text: str) -> list[tuple[int, str]]:
    """(line, layer) of every import of another part of the package, module level or not."""
    package = ["lco_validate", *relative.parent.parts]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lco_validate"):
            target = (node.module or "").split(".")
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("lco_validate.")]
            found += [(node.lineno, name.split(".")[1]) for name in names]
            continue
        else:
            continue
        if len(target) > 1:
            found.append((node.lineno, target[1]))
        else:  # from lco_validate import x: x names the layer
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def violations(relative: Path, text: str) -> list[str]:
    own = layer_of(relative)
    return [
        f"lco_validate/{relative}:{line} imports {layer} (layer {LAYERS[layer]}) "
        f"from {own} (layer {LAYERS[own]})"
        for line, layer in imported_layers(relative, text)
        if layer in LAYERS and layer != own and LAYERS[layer] > LAYERS[own]
    ]


MODULES = sorted(path.relative_to(PACKAGE) for path in PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_layer() -> None:
    assert sorted({layer_of(relative) for relative in MODULES} - set(LAYERS)) == []


@pytest.mark.parametrize("relative", MODULES, ids=str)
def test_a_module_imports_only_the_layers_before_its_own(relative: Path) -> None:
    assert violations(relative, (PACKAGE / relative).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "line",
    [
        "from ..checking.pipeline import check_file",
        "    from ..cli import main",
        "import lco_validate.server.app",
        "from lco_validate import rules",
    ],
)
def test_an_import_from_a_later_layer_is_caught(line: str) -> None:
    text = "def late():\n" + line.strip().join(["    ", "\n"])
    assert len(violations(Path("model/duration.py"), text)) == 1


def test_an_import_from_an_earlier_layer_or_its_own_passes() -> None:
    text = "from ..catalogue.snapshot import Catalogue\nfrom .values import as_text\n"
    assert violations(Path("model/duration.py"), text) == []


def layout_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Layout") :]
    return section[: section.index("```", section.index("```") + 3)]


def test_the_readme_layout_names_every_module() -> None:
    layout = layout_section()
    words = set(re.findall(r"[\w.]+", layout))
    missing = []
    for relative in MODULES:
        if relative.name == "__init__.py" and relative.parent != Path("."):
            continue  # a package is named by its folder
        if re.fullmatch(r"[rdv]\d{3}_\w+\.py", relative.name):
            continue  # one module per rule: named by its code (`lco-validate rules`)
        if relative.name not in words and relative.stem not in words:
            missing.append(str(relative))
    folders = {
        str(p.relative_to(PACKAGE)) for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    missing += [f"{folder}/" for folder in sorted(folders) if f"{folder}/" not in layout]
    assert missing == []
