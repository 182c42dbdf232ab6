"""The bot's installed product holds the bot, not its test double: the fake Slack is a
distribution of its own (devtools/fakeslack), which the sandbox gets as an extra."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(project: Path, into: Path) -> zipfile.ZipFile:
    """The wheel pip builds from the project's files (those git tracks or would), copied
    away first so that the build leaves nothing in the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=project,
        check=True,
        capture_output=True,
    ).stdout.decode()
    source = into / "source"
    for name in filter(None, listed.split("\0")):
        if (project / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / name, source / name)
    project = source
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(into),
            str(project),
        ],
        check=True,
        capture_output=True,
        cwd=into,
    )
    (wheel,) = into.glob("*.whl")
    return zipfile.ZipFile(wheel)


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


def top_level_packages(wheel: zipfile.ZipFile) -> set[str]:
    return {name.split("/")[0] for name in wheel.namelist() if ".dist-info/" not in name}


def test_the_product_holds_the_bot_and_its_sandbox(product: zipfile.ZipFile) -> None:
    assert top_level_packages(product) == {
        "bot",
        "coaching",
        "handlers",
        "sandbox",
        "scheduling",
        "storage",
    }
    assert "storage/migrations/env.py" in product.namelist()
    assert "sandbox/static/index.html" in product.namelist()


def test_the_product_holds_no_fake_slack(product: zipfile.ZipFile) -> None:
    names = product.namelist()
    assert [n for n in names if "fakeslack" in n or n.startswith(("tests/", "benchmarks/"))] == []
    contents = "\n".join(
        product.read(n).decode() for n in names if n.endswith(".py") and "dist-info" not in n
    )
    assert "class FakeSlack" not in contents


def test_the_sandbox_asks_for_the_fake_as_an_extra(product: zipfile.ZipFile) -> None:
    (metadata,) = [n for n in product.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [
        line
        for line in product.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "fakeslack" in line
    ]
    assert any('extra == "sandbox"' in line for line in requires), requires
    assert all("extra ==" in line for line in requires), "the bot itself must not need it"


def test_the_fake_is_a_distribution_of_its_own(tmp_path: Path) -> None:
    fake = build_wheel(ROOT / "devtools" / "fakeslack", tmp_path)
    assert top_level_packages(fake) == {"fakeslack"}
    assert "fakeslack/server.py" in fake.namelist()
