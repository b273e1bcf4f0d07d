"""Results folders on disk: manifest.json, timeseries.csv and summary.csv, written atomically.

Layout (see ``results/README.md``)::

    <out>/manifest.json   resolved scenarios, seeds, versions, scenario hashes, format version
    <out>/timeseries.csv  one row per (scenario, seed, week)
    <out>/summary.csv     one row per (scenario, seed)
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

FORMAT_VERSION = 1
#: CSV float format: 12 significant digits, so files are identical across runs and platforms.
FLOAT_FORMAT = "%.12g"


class ResultsError(Exception):
    """A results folder is missing, incomplete or unreadable; the message says how to fix it."""


@contextmanager
def atomic_path(path: Path, mode: int = 0o600) -> Iterator[Path]:
    """A temporary file next to ``path`` (permissions ``mode``) to write into; it replaces
    ``path`` when the block ends, or is removed if the block fails, so readers never see half
    a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, mode)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def safe_name(name: str, limit: int = 60) -> str:
    """``name`` as a safe folder-name part: letters, digits, '.', '_' and '-' only (anything else
    becomes '-'), no leading dots or dashes, at most ``limit`` characters; "scenario" if nothing
    is left. A scenario called ``../../etc`` or ``[bold]`` cannot write outside the results
    folder or confuse a terminal."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:limit].strip(".-")
    return cleaned or "scenario"


def default_out_dir(names: list[str], root: Path = Path("results")) -> Path:
    """``results/<name>[-vs-<name>...]-<yyyymmdd-hhmmss>`` (names made safe, :func:`safe_name`),
    made unique if it already exists."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = root / f"{'-vs-'.join(safe_name(n) for n in names)}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def write_results(
    out_dir: Path, timeseries: pd.DataFrame, summary: pd.DataFrame, manifest: dict[str, Any]
) -> Path:
    """Write a results folder: the weekly table, the per-run summary and the manifest (what
    the folder holds and how it was made, e.g. :meth:`gtmsim.experiments.runner.Batch.manifest`),
    to which the results format version is added. Returns the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(
        out_dir / "timeseries.csv", timeseries.to_csv(index=False, float_format=FLOAT_FORMAT)
    )
    write_atomic(out_dir / "summary.csv", summary.to_csv(index=False, float_format=FLOAT_FORMAT))
    record = {"format_version": FORMAT_VERSION, **manifest}
    write_atomic(out_dir / "manifest.json", json.dumps(record, indent=2) + "\n")
    return out_dir


def read_results(folder: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Read a results folder: (manifest, timeseries, summary). Raises ResultsError with a fix."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(
            f"{folder}: no such results folder. Give a folder written by `gtmsim run` or "
            f"`gtmsim compare` (they are under results/ by default)."
        )
    missing = [
        n for n in ("manifest.json", "timeseries.csv", "summary.csv") if not (folder / n).is_file()
    ]
    if missing:
        raise ResultsError(
            f"{folder}: this results folder is incomplete, {', '.join(missing)} missing. "
            f"It may be from an interrupted run; run the scenarios again to recreate it."
        )
    try:
        meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(
            f"{folder / 'manifest.json'}: not valid JSON ({err}); re-run to recreate it."
        ) from None
    found = meta.get("format_version") if isinstance(meta, dict) else None
    if found != FORMAT_VERSION:
        raise ResultsError(
            f"{folder}: results format version {found!r}, but this gtmsim (format {FORMAT_VERSION}) "
            f"reads only its own format. Re-run the scenarios with this version, or use the gtmsim "
            f"version named in manifest.json ({meta.get('versions', {}).get('gtmsim', 'unknown') if isinstance(meta, dict) else 'unknown'})."
        )
    try:
        timeseries = pd.read_csv(folder / "timeseries.csv")
        summary = pd.read_csv(folder / "summary.csv")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ResultsError(
            f"{folder}: a CSV file cannot be read ({err}); re-run to recreate it."
        ) from None
    return meta, timeseries, summary
