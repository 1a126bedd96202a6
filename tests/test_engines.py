"""The same records, rules, answers and errors on a SQLite file and on PostgreSQL.

Each command runs against both engines in turn, and the two transcripts (exit code,
output, error) must be equal once the clock's readings are set aside.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import GTIN, Result, runner_for

# Times differ between two runs; everything else must not.
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?|\d{8}-\d{6}")

# fmt: off
SESSION = [
    ("product", "add", "COL-M", "--name", "Collar M", "--gtin", GTIN, "--json"),
    ("product", "add", "COL-M", "--name", "Again"),  # a clash: the same sentence on both
    ("product", "add", "TOTE", "--name", "Tote [large]", "--serial-format", "pattern:T{SEQ:4}"),
    (
        "batch",
        "create",
        "COL-M",
        "--lot",
        "L-1",
        "--quantity",
        "3",
        "--made-on",
        "2026-11-01",
        "--best-before",
        "2027-11-01",
        "--json",
    ),
    ("batch", "create", "COL-M", "--lot", "L-1"),
    ("batch", "create", "TOTE", "--quantity", "2", "--made-on", "2026-11-02", "--json"),
    ("serials", "allocate", "L-1", "--count", "2", "--json"),
    ("batch", "release", "L-1", "--reason", "QA ok"),
    ("batch", "release", "NOPE"),
    (
        "material",
        "receive",
        "leather",
        "--supplier",
        "Conceria Rossi",
        "--lot",
        "H-1",
        "--origin",
        "Tuscany",
        "--quantity",
        "12",
        "m2",
        "--public",
    ),
    ("material", "receive", "thread", "--supplier", "conceria rossi", "--lot", "T-9"),
    ("material", "receive", "leather", "--supplier", "CONCERIA ROSSI", "--lot", "H-1"),
    # Names beyond A-Z: the same supplier when written the same, whatever the locale.
    ("material", "receive", "wax", "--supplier", "Émile Ørsted", "--lot", "W-1"),
    ("material", "receive", "wax", "--supplier", "Émile Ørsted", "--lot", "W-2"),
    ("material", "list", "--json"),
    ("batch", "consume", "L-1", "H-1", "--quantity", "1.5", "m2"),
    ("batch", "step", "L-1", "Cut", "--notes", "clicker press"),
    ("void", "000002", "--sku", "COL-M", "--reason", "label torn"),
    ("print", "L-1", "--printer", "file://{tmp}/labels.zpl", "--count", "2"),
    ("jobs", "--json"),
    ("pack", "--new", "BOX-1", "--lot", "L-1", "--quantity", "2"),
    ("pack", "BOX-1", "(01)09506000134352(21)000001"),
    ("carton", "close", "BOX-1"),
    ("ship", "DN-1", "BOX-1", "--customer", "Hundeladen Berlin"),
    ("complaint", "L-1", "--text", "buckle loose"),
    ("receive", "--json"),  # with a scanner's stray bytes: see TYPED
    ("resolve", GTIN, "L-1", f"(01){GTIN}(10)L-1", "BOX-1", "--json"),
    ("batch", "show", "L-1", "--json"),
    ("batch", "list", "--json"),
    ("trace", "H-1", "--json"),
    ("report", "L-1", "--format", "md", "--out", "{tmp}/report.md"),
    ("export", "epcis", "--out", "{tmp}/events.json"),
    ("export", "csv", "--out", "{tmp}/lots.csv"),
    ("recall", "H-1", "--reason", "tear test failed", "--dry-run", "--out", "{tmp}/recalls"),
    ("user", "add", "Ana", "--role", "packer", "--password-stdin"),
    ("user", "add", "ana", "--role", "qa", "--password-stdin"),  # the same name
    ("user", "add", "Łukasz", "--role", "qa", "--password-stdin"),
    ("user", "list", "--json"),
]
# fmt: on
# What is typed or piped into a command: a password, or scans (a NUL byte among them, which
# PostgreSQL cannot store: still an unknown code there, as on SQLite).
TYPED = {
    "--password-stdin": "a long pass phrase\n",
    "receive": f"AB\x00C\n\xff\xfe\n(01){GTIN}(10)L-1(21)000003\n",
}


def _transcript(database: str, tmp: Path) -> list[tuple[int, str, str]]:
    run = runner_for(database)
    said: list[tuple[int, str, str]] = []
    for command in SESSION:
        typed = next((TYPED[part] for part in command if part in TYPED), None)
        result: Result = run(*(part.replace("{tmp}", str(tmp)) for part in command), input=typed)
        said.append((result.exit_code, _same(result.stdout, tmp), _same(result.stderr, tmp)))
    for name in ("report.md", "events.json", "lots.csv"):
        said.append((0, name, _same((tmp / name).read_text(), tmp)))
    return said


def _same(text: str, tmp: Path) -> str:
    """``text`` without what must differ: the clock's readings and the folder written to."""
    return _TIME.sub("<time>", text.replace(str(tmp), "<folder>"))


def test_every_command_answers_the_same_on_both_engines(tmp_path: Path, postgres_url: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    on_sqlite = _transcript(str(tmp_path / "a" / "batchlabel.db"), tmp_path / "a")
    on_postgres = _transcript(postgres_url, tmp_path / "b")
    for command, left, right in zip(SESSION, on_sqlite, on_postgres, strict=False):
        assert left == right, command
    assert on_sqlite[len(SESSION) :] == on_postgres[len(SESSION) :]
    codes = [code for code, _, _ in on_postgres[: len(SESSION)]]
    # The refusals in the session are refusals, and everything else worked; receive says
    # by its exit status that it met codes it does not know (the stray bytes).
    received = SESSION.index(("receive", "--json"))
    assert codes.count(2) == 6 and [i for i, code in enumerate(codes) if code == 1] == [received]
    assert '"unknown": ["AB\ufffdC", "\xff\xfe"]' in on_postgres[received][1]  # NUL shown as \ufffd
    assert '"received": 1' in on_postgres[received][1]
