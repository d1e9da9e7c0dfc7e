"""The layering rules that import-linter cannot state: no private name crosses a module boundary.

import-linter (``.importlinter``, run by ``.ci/run``) checks which layer may import which. A module that
imports another module's ``_private`` name couples itself to that module's insides (11 modules once
imported ``_lock_case``); the name must become public where it belongs (the kernel) or stay inside.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "compliance", "config", "debt_collections", "demo", "notifications")


def _project_modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue  # third-party privates are that library's business
            for alias in node.names:
                last = node.module.split(".")[-1]
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{node.module}.{alias.name}")
                elif last.startswith("_") and not last.startswith("__"):
                    found.append(node.module)
    return found


def test_the_project_has_modules_to_check() -> None:
    assert len(_project_modules()) > 100


@pytest.mark.parametrize("path", _project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_private_name_from_another(path: Path) -> None:
    assert _private_imports(path) == []


def test_the_check_finds_a_private_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from debt_collections.services.cases import _secret\nfrom os import _exit\n")
    assert _private_imports(module) == ["debt_collections.services.cases._secret"]
