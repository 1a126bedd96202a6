"""Run from an empty folder against an installed batchlabel (see check-wheel.sh): every check
uses only what the wheel put on PATH, never the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path


def run(*args: str) -> str:
    done = subprocess.run(["batchlabel", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"'batchlabel {' '.join(args)}' failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def check_wheel_contents(dist: Path, shipped: set[str]) -> None:
    (wheel,) = dist.glob("batchlabel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    if tops != {"batchlabel"}:
        sys.exit(f"The wheel holds more than the batchlabel package: {sorted(tops)}.")
    inside = {
        Path(n).stem
        for n in names
        if n.startswith("batchlabel/labels/builtin/") and n.endswith(".toml")
    }
    if inside != shipped:
        sys.exit(
            f"The wheel's built-in templates {sorted(inside)} differ from templates/ {sorted(shipped)}."
        )
    for needed in ("batchlabel/fonts/DejaVuSans.ttf", "batchlabel/py.typed"):
        if needed not in names:
            sys.exit(f"The wheel lacks {needed}.")


# Every file the station serves (the camera's decoder and its wasm too), read the way the
# installed station reads it.
STATION_FILES = """
from importlib import resources
from batchlabel.web.station import STATIC
for name in STATIC:
    data = resources.files("batchlabel.web").joinpath("static", *name.split("/")).read_bytes()
    assert data, name
print(len(STATIC))
"""


def check_station_files() -> None:
    done = subprocess.run(["python3", "-c", STATION_FILES], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"The installed station cannot read its files: {done.stderr.strip()}")


def main() -> None:
    dist, source_templates = Path(sys.argv[1]), Path(sys.argv[2])
    if any(Path.cwd().iterdir()):
        sys.exit("Run this from an empty folder.")
    shipped = {path.stem for path in source_templates.glob("*.toml")}
    check_wheel_contents(dist, shipped)
    print(run("--version").strip())
    listed = {t["name"]: t for t in json.loads(run("template", "list", "--json"))}
    if set(listed) != shipped:
        sys.exit(f"template list shows {sorted(listed)}, the package ships {sorted(shipped)}.")
    for name, template in listed.items():
        if "site-packages" not in template["path"]:
            sys.exit(
                f"Template {name} is read from {template['path']}, not from the installed package."
            )
    check_station_files()
    run("demo", "--dir", "demo")
    db = str(Path("demo", "batchlabel.db"))
    # A GTIN-12 fits every built-in template, the UPC-A one included.
    run(
        "--db",
        db,
        "product",
        "add",
        "UPC-1",
        "--name",
        "Wheel check item",
        "--gtin",
        "036000291452",
    )
    run(
        "--db",
        db,
        "batch",
        "create",
        "UPC-1",
        "--lot",
        "W-1",
        "--quantity",
        "2",
        "--best-before",
        "2030-01-31",
    )
    run("--db", db, "serials", "allocate", "W-1", "--count", "2")
    run("--db", db, "batch", "release", "W-1", "--reason", "wheel check")
    carton = json.loads(run("--db", db, "carton", "new", "--company-prefix", "0614141", "--json"))
    run("--db", db, "pack", carton["carton"], "--lot", "W-1", "--quantity", "2")
    rendered = 0
    for name in sorted(listed):
        for fmt in ("png", "pdf", "zpl"):
            out = Path("out", name, fmt)
            if listed[name]["per"] == "carton":
                command = ["carton", "label", carton["carton"], "--template", name]
            else:
                command = ["render", "W-1", "--template", name]
            result = json.loads(
                run("--db", db, *command, "--format", fmt, "--out", str(out), "--json")
            )
            files = [f for f in out.iterdir() if f.stat().st_size > 0]
            if not files:
                sys.exit(f"Rendering {name} to {fmt} wrote nothing: {result}.")
            rendered += len(files)
    print(
        f"wheel check passed: {len(listed)} built-in templates listed and rendered to PNG, PDF "
        f"and ZPL ({rendered} files), demo run, from an installed wheel in an empty folder."
    )


if __name__ == "__main__":
    main()
