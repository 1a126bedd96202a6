"""Errors below the faces speak of the domain; the command line says how to put them right."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from batchlabel.cli.remedies import REMEDIES, explain
from batchlabel.errors import BatchlabelError, ConflictError, InputError
from tests.conftest import Run

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "batchlabel"
FACES = ("cli", "web")
FLAG_OR_COMMAND = re.compile(r"(?<![\w-])--[a-z]|'batchlabel ")


def _error_calls() -> list[tuple[Path, ast.Call]]:
    calls = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] in FACES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name.endswith(("Error", "Interrupted", "NotSent")):
                    calls.append((path, node))
    return calls


def test_errors_below_the_faces_name_no_option_or_command() -> None:
    offending = []
    for path, call in _error_calls():
        texts = [
            n.value
            for n in ast.walk(call)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        offending += [f"{path.name}:{call.lineno}: {t}" for t in texts if FLAG_OR_COMMAND.search(t)]
    assert offending == []


def test_every_need_an_error_names_has_a_remedy() -> None:
    needs = {
        keyword.value.value
        for _, call in _error_calls()
        for keyword in call.keywords
        if keyword.arg == "needs"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value
    }
    needs |= {
        value.value
        for _, call in _error_calls()
        for keyword in call.keywords
        if keyword.arg == "needs" and isinstance(keyword.value, ast.IfExp)
        for value in (keyword.value.body, keyword.value.orelse)
        if isinstance(value, ast.Constant) and value.value
    }
    assert len(needs) > 20
    assert needs - set(REMEDIES) == set()


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            InputError("A recall needs a reason.", needs="reason"),
            "A recall needs a reason; add --reason TEXT.",
        ),
        (
            ConflictError("Serial 7 is in carton B; unpack it first.", needs="unpack", carton="B"),
            "Serial 7 is in carton B; unpack it first. Use 'batchlabel unpack B ... --reason TEXT'.",
        ),
        (BatchlabelError("The printer is out of paper."), "The printer is out of paper."),
        # a remedy whose fact is missing is left off rather than shown half-filled
        (InputError("Batch X has no serials.", needs="allocate"), "Batch X has no serials."),
    ],
)
def test_explain_adds_the_command_lines_remedy(error: BatchlabelError, shown: str) -> None:
    assert explain(error) == shown


def test_the_command_line_shows_the_remedy(run: Run) -> None:
    assert run("product", "add", "TOTE", "--name", "Tote").exit_code == 0
    assert run("batch", "create", "TOTE", "--lot", "T1", "--quantity", "2").exit_code == 0
    refused = run("batch", "recall", "T1", "--reason", "   ")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == "Error: A recall needs a reason; add --reason TEXT."
    missing = run("batch", "show", "NOPE")
    assert missing.exit_code == 2 and "'batchlabel batch list' shows them." in missing.stderr
