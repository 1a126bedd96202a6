"""The installed package is the product: what it reads at run time is inside it, and the build
lists every package (scripts/check-wheel.sh proves the same from a built wheel)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import batchlabel
from batchlabel.fonts import font_file
from batchlabel.labels.templates import builtin_dir, find_template, list_templates

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_src_is_built() -> None:
    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT / "src").parts)
        for init in (ROOT / "src").rglob("__init__.py")
    }
    data_only = {
        ".".join(folder.relative_to(ROOT / "src").parts)
        for folder in (ROOT / "src" / "batchlabel").rglob("*")
        if folder.is_dir()
        and folder.name != "__pycache__"
        and not (folder / "__init__.py").exists()
        and any(child.is_file() for child in folder.iterdir())
        and folder.name != "fonts"
    }
    assert declared == found | {"batchlabel.labels.builtin"} | data_only


def test_builtin_templates_are_read_as_package_resources() -> None:
    shipped = {path.stem for path in (ROOT / "templates").glob("*.toml")}
    packaged = {
        Path(entry.name).stem
        for entry in resources.files("batchlabel.labels.builtin").iterdir()
        if entry.name.endswith(".toml")
    }
    assert packaged == shipped
    assert {template.name for template in list_templates()} == shipped
    assert builtin_dir() == Path(str(resources.files("batchlabel.labels.builtin")))


def test_fonts_come_from_the_package() -> None:
    for bold in (False, True):
        path = font_file(bold)
        assert path.is_file() and path.stat().st_size > 100_000
        assert Path(batchlabel.__file__).parent in path.parents


def test_a_users_template_wins_over_a_builtin_of_the_same_name(tmp_path: Path) -> None:
    builtin = (builtin_dir() / "item-50x30.toml").read_text(encoding="utf-8")
    mine = builtin.replace("width_mm = 50", "width_mm = 60", 1)
    assert mine != builtin
    (tmp_path / "item-50x30.toml").write_text(mine, encoding="utf-8")
    assert find_template("item-50x30", tmp_path).width_mm == 60
    assert find_template("item-50x30").width_mm == 50
    listed = {t.name: t for t in list_templates(tmp_path)}
    assert listed["item-50x30"].width_mm == 60 and len(listed) == len(list_templates())


def test_the_public_api_is_what_it_says() -> None:
    assert sorted(batchlabel.__all__) == sorted(
        name for name in dir(batchlabel) if not name.startswith("_") and name[0].isupper()
    )
