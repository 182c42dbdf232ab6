"""The import contract: each package imports only those to its left, with no exceptions."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
LEFT_TO_RIGHT = ["storage", "coaching", "scheduling", "handlers", "bot", "sandbox"]


def contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [only] = config["contracts"]
    return config | {"contract": only}


def test_the_layers_are_the_designs_order_with_no_exceptions() -> None:
    config = contract()
    assert config["contract"]["type"] == "layers"
    assert config["contract"]["layers"] == list(reversed(LEFT_TO_RIGHT))
    assert "ignore_imports" not in config["contract"]
    assert "unmatched_ignore_imports_alerting" not in config["contract"]
    assert set(config["root_packages"]) == set(LEFT_TO_RIGHT)


def test_every_top_level_package_is_in_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests", "benchmarks"} == set(LEFT_TO_RIGHT)


def test_make_test_checks_the_contract() -> None:
    assert "lint-imports" in (ROOT / "Makefile").read_text()
