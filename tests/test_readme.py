"""The README's commands work as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(section: str) -> list[str]:
    match = re.search(rf"^## {section}\n(.*?)(?=^## )", README, re.M | re.S)
    assert match, f"README has no '{section}' section"
    # Plain ``` blocks are commands to run; ```text blocks are transcripts to read.
    return [
        line.strip()
        for language, block in re.findall(r"^```(\w*)\n(.*?)^```", match.group(1), re.S | re.M)
        if not language
        for line in block.splitlines()
        if line.strip()
    ]


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    commands = _blocks("Quick start")
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert (ROOT / command.split()[1]).is_file()


def _batchlabel() -> list[str]:
    found = shutil.which("batchlabel", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "batchlabel"]


def test_tour_commands_run_in_order(tmp_path: Path, database: str) -> None:
    """The whole tour, unchanged, on a SQLite file and on PostgreSQL."""
    env = {**os.environ, "BATCHLABEL_DB": database}
    for line in _blocks("Tour"):
        args = shlex.split(line)
        assert args[0] == "batchlabel"
        done = subprocess.run(
            _batchlabel() + args[1:],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, f"{line}: {done.stderr}"


def test_a_second_demo_keeps_the_first_ones_records(tmp_path: Path) -> None:
    first = subprocess.run(
        [*_batchlabel(), "demo", "--dir", "d"], capture_output=True, cwd=tmp_path
    )
    assert first.returncode == 0
    added = subprocess.run(
        [*_batchlabel(), "--db", "d/batchlabel.db", "product", "add", "MINE", "--name", "Mine"],
        capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0
    second = subprocess.run(
        [*_batchlabel(), "demo", "--dir", "d"], capture_output=True, text=True, cwd=tmp_path
    )
    assert second.returncode == 0 and "earlier demo database is kept" in second.stdout
    [kept] = list((tmp_path / "d").glob("batchlabel-earlier-*.db"))
    listed = subprocess.run(
        [*_batchlabel(), "--db", str(kept), "product", "list", "--json"],
        capture_output=True,
        text=True,
    )
    assert '"MINE"' in listed.stdout


def test_demo_runs_and_releases_a_batch(tmp_path: Path) -> None:
    done = subprocess.run(
        [*_batchlabel(), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [
            *_batchlabel(),
            "--db",
            str(tmp_path / "demo" / "batchlabel.db"),
            "batch",
            "list",
            "--status",
            "released",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert '"status": "released"' in listed.stdout
    carton_label = tmp_path / "demo" / "labels" / "C000001-logistic-100x150.pdf"
    assert carton_label.read_bytes().startswith(b"%PDF")
    page = (tmp_path / "demo" / "origin.html").read_text()
    assert "Leather dog collar, size M" in page and "leather: Tuscany, Italy" in page
    assert "Burnish edges" in page and "Cost price" not in page  # private notes stay private
