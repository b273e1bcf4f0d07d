"""The scenario reference: its committed copy is current, and every parameter is documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from gtmsim.model.reference import README_END, README_START, readme_block, scenario_reference
from gtmsim.model.scenario import Scenario

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"
REGENERATE = "gtmsim reference > docs/scenario-reference.md"

#: Top-level fields that identify a scenario rather than parametrise the model.
IDENTITY = {"name", "description"}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class a field holds directly or as the values of a named table, if any."""
    if get_origin(annotation) is dict:
        annotation = get_args(annotation)[1]
    if get_origin(annotation) in (Union, UnionType):  # optional: the group it may hold
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def schema_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[tuple]:
    """(key path, FieldInfo, is_leaf) for every field of the scenario schema, recursively."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        sub = _model_of(info.annotation)
        yield key, info, sub is None
        if sub is not None:
            named_table = get_origin(info.annotation) is dict
            yield from schema_fields(sub, f"{key}.<name>." if named_table else f"{key}.")


FIELDS = {key: (info, leaf) for key, info, leaf in schema_fields()}
PARAMETERS = sorted(key for key, (_, leaf) in FIELDS.items() if leaf and key not in IDENTITY)


def test_committed_reference_is_current():
    expected = scenario_reference()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.is_file() else ""
    # `gtmsim reference > file` may add one trailing newline; nothing else may differ
    if committed.rstrip("\n") != expected.rstrip("\n"):
        old, new = committed.splitlines(), expected.splitlines()
        line = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        pytest.fail(
            f"docs/scenario-reference.md is stale (first difference at line {line + 1}). "
            f"Regenerate it from the repository root with `{REGENERATE}` and commit it.",
            pytrace=False,
        )


def test_schema_walk_finds_the_parameters():
    # guards the walk itself: nested groups and named tables are both visited
    for key in ("simulation.weeks", "market.segments.<name>.share", "sales.win_odds"):
        assert key in PARAMETERS
    assert "marketing.channels.<name>.carryover" in PARAMETERS
    assert "marketing.channels" not in PARAMETERS  # a table, documented by its entries
    assert len(PARAMETERS) > 50


@pytest.mark.parametrize("key", PARAMETERS)
def test_every_parameter_has_a_unit_and_a_description(key):
    info, _ = FIELDS[key]
    unit = (info.json_schema_extra or {}).get("unit", "")
    assert unit.strip(), (
        f"{key} has no unit: declare it with gtmsim.model.parameters.base.param(...)"
    )
    assert (info.description or "").strip(), f"{key} has no description"


TABLES_AND_IDENTITY = sorted(
    key
    for key, (info, leaf) in FIELDS.items()
    if key in IDENTITY or (not leaf and get_origin(info.annotation) is dict)
)


@pytest.mark.parametrize("key", TABLES_AND_IDENTITY)
def test_named_tables_and_identity_fields_have_descriptions(key):
    info, _ = FIELDS[key]
    assert (info.description or "").strip(), f"{key} has no description"


def test_reference_tables_have_five_cells_per_row():
    for line in scenario_reference().splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) == 5, f"row breaks the table: {line}"


def test_readme_reference_section_is_current():
    readme = (COMMITTED.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(README_START) + len(README_START) : readme.index(README_END)]
    assert section.strip() == readme_block().strip(), (
        "the README's scenario reference is stale: run `gtmsim reference --readme README.md`"
    )
    assert "`annual_budget`" in section and "currency/year" in section


def test_the_kpi_glossary_is_current():
    from gtmsim.model.reference import kpi_glossary

    committed = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"
    assert committed.read_text(encoding="utf-8") == kpi_glossary(), (
        "docs/glossary.md is stale: regenerate it with `gtmsim reference --kpis > docs/glossary.md`"
    )
