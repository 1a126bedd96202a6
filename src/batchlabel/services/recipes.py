"""A product's recipe (its named process steps) and QA checklist, read from a TOML file.

Example ``recipes/COLLAR-M.toml``::

    steps = ["Cut", "Skive edges", "Stitch", "Burnish edges", "Set buckle"]
    complaint_threshold = 3        # complaints that flag a batch for QA review

    [[checks]]
    name = "stitching"
    description = "Stitching even, no loose ends"

    [[checks]]
    name = "length"
    description = "Strap length"
    unit = "mm"
    min = 348
    max = 352

A check with ``min`` or ``max`` is a measurement; one without is pass/fail. Every check is
required for release unless it says ``required = false``.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from batchlabel.errors import InputError

DEFAULT_COMPLAINT_THRESHOLD = 3
_TOP_KEYS = {"steps", "checks", "complaint_threshold"}
_CHECK_KEYS = {"name", "description", "unit", "min", "max", "required"}


@dataclass(frozen=True)
class Check:
    name: str
    description: str = ""
    unit: str = ""
    min: float | None = None
    max: float | None = None
    required: bool = True

    @property
    def is_measurement(self) -> bool:
        return self.min is not None or self.max is not None

    def passes(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    @property
    def limits(self) -> str:
        if not self.is_measurement:
            return "pass/fail"
        low = "" if self.min is None else f"{self.min:g}"
        high = "" if self.max is None else f"{self.max:g}"
        return f"{low}..{high} {self.unit}".strip()


@dataclass(frozen=True)
class Recipe:
    steps: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    complaint_threshold: int = DEFAULT_COMPLAINT_THRESHOLD

    def step_named(self, name: str) -> str | None:
        """The recipe's own spelling of step ``name`` (case does not matter), or None."""
        return next((s for s in self.steps if s.casefold() == name.strip().casefold()), None)

    def check_named(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name.casefold() == name.strip().casefold()), None)

    def to_data(self) -> dict[str, Any]:
        return {
            "steps": list(self.steps),
            "checks": [asdict(c) for c in self.checks],
            "complaint_threshold": self.complaint_threshold,
        }


EMPTY_RECIPE = Recipe()


def load_recipe(path: Path) -> Recipe:
    """Read and check a recipe file; any mistake is named with the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Recipe file {path} does not exist; check the path.") from None
    except UnicodeDecodeError:
        raise InputError(f"Recipe file {path} is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"Recipe file {path} is not valid TOML: {error}.") from None
    try:
        return recipe_from_data(data)
    except InputError as error:
        raise InputError(f"In recipe file {path}: {error}") from None


def recipe_from_data(data: dict[str, Any]) -> Recipe:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(
            f"unknown key '{sorted(unknown)[0]}'; use steps, checks and complaint_threshold."
        )
    steps = data.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, str) and s.strip() for s in steps):
        raise InputError('steps must be a list of names, e.g. steps = ["Cut", "Stitch"].')
    checks = [_check(item, n) for n, item in enumerate(data.get("checks", []), 1)]
    for names, what in (
        ([s.casefold() for s in steps], "step"),
        ([c.name.casefold() for c in checks], "check"),
    ):
        doubles = {n for n in names if names.count(n) > 1}
        if doubles:
            raise InputError(f"the {what} '{sorted(doubles)[0]}' is listed twice.")
    threshold = data.get("complaint_threshold", DEFAULT_COMPLAINT_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise InputError("complaint_threshold must be a whole number of at least 1.")
    return Recipe(tuple(s.strip() for s in steps), tuple(checks), threshold)


def _check(item: Any, number: int) -> Check:
    if not isinstance(item, dict):
        raise InputError(f"check {number} must be a [[checks]] table.")
    unknown = set(item) - _CHECK_KEYS
    if unknown:
        raise InputError(
            f"check {number} has an unknown key '{sorted(unknown)[0]}'; "
            "use name, description, unit, min, max and required."
        )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"check {number} needs a name.")
    limits = [item.get("min"), item.get("max")]
    if any(
        v is not None and (isinstance(v, bool) or not isinstance(v, int | float)) for v in limits
    ):
        raise InputError(f"check '{name}': min and max must be numbers.")
    low, high = limits
    if low is not None and high is not None and low > high:
        raise InputError(f"check '{name}': min {low} is above max {high}.")
    return Check(
        name=name.strip(),
        description=str(item.get("description", "")),
        unit=str(item.get("unit", "")),
        min=None if low is None else float(low),
        max=None if high is None else float(high),
        required=bool(item.get("required", True)),
    )
