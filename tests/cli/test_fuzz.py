"""Fuzz: malformed scenario files, command lines and results folders never end in a traceback.

A seeded generator (case ``i`` is always the same input, printed when it fails) throws 300
damaged scenario files at ``gtmsim validate`` (and, when one validates, at a tiny ``gtmsim
run``), 200 damaged command lines at every command, and 60 damaged results folders at ``gtmsim
plot`` and ``gtmsim report``. Each must end in success or in exit status 2 with one paragraph
of error, never in a traceback or an exception escaping click; within a bound that catches a
hang (the slowest case, a figure redraw, takes about 2 s here); and without writing a file
anywhere but the ``--out`` it was given (or the default results/ folder of its working folder).
Sizes are kept tiny (a file that validates runs only if its market is small): refusing large
ones is tested in test_bad_inputs.py.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.model.scenario_files import load_scenario

#: An overflow (a deal worth 1e308 times a log-normal draw) is a silently wrong run: an error.
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("error::RuntimeWarning")]

SCENARIO_CASES = 300
COMMAND_CASES = 200
RESULTS_CASES = 60
#: A case slower than this is taken for a hang (tiny runs take ~0.2 s, a figure redraw ~2 s).
HANG_SECONDS = 20.0

TINY = {"market.prospects": "300", "simulation.weeks": "3", "simulation.seeds": "1"}

#: TOML source text for values: wrong types, non-finite and extreme numbers, odd strings.
VALUES = [
    "inf", "-inf", "nan", "-1", "0", "1", "0.5", "2", "-0.0", "1e308", "-1e308", "1e-320",
    "9223372036854775807", "99999999999999999999", "0x10", "1_000", "+5", '"yes"', '"true"',
    '""', '"[bold]x[/]"', '"\\u001b[31mred"', '"../../etc"', '"🙂"', "true", "false", "[]",
    "[1, 2]", "{}", "{ a = 1 }", "1979-05-27", "07:32:00", '"separate"', '"leads"', '"weekly"',
]  # fmt: skip
#: Values at the edges of what is allowed: a file with one of these often validates, and must run.
EDGES = ["0", "1", "0.5", "2", "-0.0", "1e-320", "1e-9", "0.999999", "100", "1e6", "true", "false"]
EXTENDS = [
    '"separate"', '"integrated.toml"', '"nope.toml"', '"self.toml"', '"/etc/passwd"', '".."',
    '""', '"."', '"../x.toml"', "5", '"bass"', "[]",
]  # fmt: skip
UNKNOWN_KEYS = [
    "market.prospectz", "nope", "market.segments.smb.nope", "marketing.channels.tiktok.share",
    "sales.territories.mars", "simulation", "market.segments", "marketing.channels.ads",
    "organisation", "market.segments.smb", 'market."odd key"', "sales.territories",
]  # fmt: skip
GARBAGE = ["\x00", "[", "]", "=", '"', "\n[market]\n", "\n[[market]]\n", "\\", "\ufeff", "é", "\n"]


def scenario_keys() -> list[str]:
    """Every dotted key of a resolved scenario (segments, channels and territories included)."""

    def walk(node: dict, prefix: str = ""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}.")
            else:
                yield prefix + key

    return list(walk(load_scenario("separate").model_dump()))


KEYS = scenario_keys()
#: Keys that set the size of a run: valid large values are refused or run in test_bad_inputs.py.
SIZES = {"market.prospects", "market.ties_per_prospect", "simulation.weeks", "simulation.seeds"}
SIZES |= {key for key in KEYS if key.startswith("sales.territories.")}


def render(tree: dict[str, str]) -> str:
    """Dotted keys with raw TOML values, one a line (a value that is a table replaces it)."""
    return "".join(f"{key} = {value}\n" for key, value in tree.items())


def damaged_scenario(case: int) -> bytes:
    """Scenario file ``case``: a tiny scenario with one setting at an edge of its range, or with
    one to four bad settings and sometimes its text cut, spliced or re-encoded."""
    rng = random.Random(f"scenario-{case}")
    tree = {"name": json.dumps(f"fuzz-{case}"), **TINY}
    if rng.random() < 0.5:
        tree = {"extends": rng.choice(EXTENDS), **tree}
    mode = rng.random()
    edge = mode < 0.4  # one known key at an edge value, else one (or two to four) bad ones
    for _ in range(1 if mode < 0.7 else rng.randint(2, 4)):
        key = rng.choice(KEYS if edge else KEYS + UNKNOWN_KEYS)
        for other in [k for k in tree if k.startswith(key + ".") or key.startswith(k + ".")]:
            del tree[other]  # a key and a key inside it cannot both be set
        tree[key] = rng.choice(EDGES if edge else VALUES)
    text = render(tree)
    roll = 1.0 if edge else rng.random()
    if roll < 0.1:
        text = text[: rng.randrange(len(text))]
    elif roll < 0.2:
        at = rng.randrange(len(text))
        text = text[:at] + rng.choice(GARBAGE) + text[at:]
    elif roll < 0.25:
        return rng.randbytes(rng.randint(0, 200))
    elif roll < 0.3:
        return text.encode("latin-1", errors="replace") + b"\xff\xfe"
    return text.encode()


def file_snapshot(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_dir()}


def check(
    result,
    elapsed: float,
    root: Path,
    before: set[Path],
    allowed: list[Path],
    case: str,
    about: str | None = None,
):
    """The promises every fuzz case must keep (``case`` describes the input for the report).
    An error is one paragraph; a scenario file with several mistakes gets one paragraph per
    mistake, each starting with the file's path (``about``)."""
    output = result.output
    assert "Traceback" not in output, f"{case}\n{output}"
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{case}: {result.exception!r}\n{output}"
    assert result.exit_code in (0, 2), f"{case}: exit {result.exit_code}\n{output}"
    if result.exit_code == 2:
        # click's usage errors start with the usage line; `validate` prints "FILE: invalid"
        error = output[output.index("Error") :] if "Error" in output else output
        paragraphs = [p for p in error.strip().split("\n\n") if p.strip()]
        assert paragraphs, f"{case}: exit 2 without an error message\n{output}"
        if about is None:
            assert len(paragraphs) == 1, f"{case}: the error is not one paragraph\n{output}"
        for paragraph in paragraphs:
            start = paragraph.removeprefix("Error: ")
            assert start.startswith(about or ""), f"{case}: a paragraph not about {about}\n{output}"
    assert elapsed < HANG_SECONDS, f"{case}: took {elapsed:.1f} s"
    new = file_snapshot(root) - before
    stray = [p for p in new if not any(p.is_relative_to(a) for a in allowed)]
    assert not stray, f"{case}: wrote outside --out: {stray}"


def invoke_in(folder: Path, monkeypatch, args: list[str]):
    monkeypatch.chdir(folder)
    start = time.perf_counter()
    result = CliRunner().invoke(main, args)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("case", range(SCENARIO_CASES))
def test_damaged_scenario_files(tmp_path, monkeypatch, case):
    path = tmp_path / "inputs" / "self.toml"
    path.parent.mkdir()
    path.write_bytes(damaged_scenario(case))
    described = f"scenario case {case}: {path.read_bytes()[:400]!r}"
    before = file_snapshot(tmp_path)
    result, elapsed = invoke_in(tmp_path, monkeypatch, ["validate", str(path)])
    check(result, elapsed, tmp_path, before, [], described, about=str(path))
    if result.exit_code != 0:
        return
    scenario = load_scenario(path)
    reps = sum(scenario.sales.territories.values())
    if scenario.market.prospects > 5_000 or scenario.market.ties_per_prospect > 50 or reps > 200:
        return  # valid but not tiny: sizes are checked in test_bad_inputs.py
    out = tmp_path / "out"
    args = ["run", str(path), "--seeds", "1", "--weeks", "3", "--workers", "1", "--out", str(out)]
    result, elapsed = invoke_in(tmp_path, monkeypatch, args)
    check(result, elapsed, tmp_path, file_snapshot(tmp_path), [out], described + " (run)", "")


# --- command lines ------------------------------------------------------------------------------

TINY_SCENARIO = 'name = "tiny"\n[market]\nprospects = 300\n[simulation]\nweeks = 3\n'
RESULTS = "RESULTS"  # stands for a copy of a good results folder
#: Per command: arguments that make it tiny. Calibrate is only ever given a bad value.
BASES = {
    "validate": ["TINY"],
    "run": ["TINY", "--seeds", "1", "--weeks", "3", "--workers", "1"],
    "compare": ["TINY", "separate", "--seeds", "1", "--weeks", "3", "--workers", "1"],
    "plot": [RESULTS],
    "report": [RESULTS],
    "check bass": ["--n", "200", "--weeks", "8", "--seeds", "1", "--workers", "1"],
    "attribute": ["TINY", "--n", "200", "--weeks", "3", "--seeds", "1", "--workers", "1"],
    "calibrate": ["--n", "500", "--seeds", "2", "--weeks", "6", "--design", "6", "--workers", "1"],
    "scenarios": [],
    "reference": [],
}
WRITES = {"run", "compare", "check bass", "attribute", "calibrate"}
NUMBERS = ["0", "-1", "abc", "", "1e9", "nan", "inf", "99999999999999999999", "1.5", "3 ", "--"]
OPTIONS = [
    "--seeds", "--weeks", "--workers", "--base-seed", "--n", "--format", "--overwrite", "--nope",
    "--half-life", "--design", "--refits", "--target", "--lever", "--arm", "--p", "--q", "--out",
]  # fmt: skip
POSITIONALS = ["nope", "integrtd", "", "-", "INPUTS", "TINY", RESULTS, "inputs/bad.toml", "..."]
OUT_VALUES = ["FILE", "FILE/below", "", "OLD", "odd [bold] name"]
CALIBRATE_BAD = [("--target", "cac"), ("--lever", "nope=1:2"), ("--arm", "x"), ("--seeds", "1")]


def damaged_command(case: int) -> tuple[str, list[str]]:
    """Command line ``case``: a tiny invocation with one to three options or arguments spoiled."""
    rng = random.Random(f"command-{case}")
    command = rng.choice(sorted(BASES))
    args = list(BASES[command])
    if command == "calibrate":
        args += list(rng.choice(CALIBRATE_BAD))
    if command in WRITES:
        args += ["--out", "OUT"]
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        options = [i for i, a in enumerate(args) if a.startswith("--") and i + 1 < len(args)]
        if roll < 0.4 and options:  # a bad value for an option it has
            at = rng.choice(options)
            bad = OUT_VALUES if args[at] == "--out" else NUMBERS
            if command == "calibrate" and args[at] == "--out":
                continue  # calibrate must stay broken elsewhere, never run
            args[at + 1] = rng.choice(bad)
        elif roll < 0.7:  # any option, with or without a value
            option = rng.choice(OPTIONS)
            if command == "calibrate" and option in ("--out", "--overwrite"):
                continue
            args += [option] + ([rng.choice(NUMBERS)] if rng.random() < 0.7 else [])
        elif roll < 0.9:
            args.insert(rng.randrange(len(args) + 1), rng.choice(POSITIONALS))
        elif args:
            del args[rng.randrange(len(args))]
    if command == "calibrate" and not any(a in dict(CALIBRATE_BAD) for a in args):
        args += ["--seeds", "1"]  # never a real calibration
    return command, args


@pytest.fixture(scope="module")
def good_results(tmp_path_factory) -> Path:
    """A small saved comparison (tiny vs separate, 1 seed, 3 weeks), figures included."""
    folder = tmp_path_factory.mktemp("good")
    scenario = folder / "tiny.toml"
    scenario.write_text(TINY_SCENARIO)
    out = folder / "results"
    args = ["compare", str(scenario), "separate", "--seeds", "1", "--weeks", "3"]
    result = CliRunner().invoke(main, [*args, "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def concrete(args: list[str], tmp_path: Path, good_results: Path) -> tuple[list[str], Path]:
    """Replace the placeholders with real paths under ``tmp_path``; returns (args, --out)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir(exist_ok=True)
    (inputs / "tiny.toml").write_text(TINY_SCENARIO)
    (inputs / "bad.toml").write_text("[market\nprospects = \n")
    (inputs / "a-file").write_text("not a folder\n")
    old = inputs / "old"
    shutil.copytree(good_results, old)
    results = inputs / "results"
    shutil.copytree(good_results, results)
    names = {
        "TINY": str(inputs / "tiny.toml"),
        "INPUTS": str(inputs),
        RESULTS: str(results),
        "FILE": str(inputs / "a-file"),
        "FILE/below": str(inputs / "a-file" / "below"),
        "OLD": str(old),
        "OUT": str(tmp_path / "work" / "out"),
    }
    out = tmp_path / "work" / "out"
    resolved = [names.get(a, a) for a in args]
    for i, arg in enumerate(resolved[:-1]):
        if arg == "--out" and resolved[i + 1] not in names.values():
            out = tmp_path / "work" / resolved[i + 1]  # relative to the working folder
    return resolved, out


@pytest.mark.parametrize("case", range(COMMAND_CASES))
def test_damaged_command_lines(tmp_path, monkeypatch, good_results, case):
    command, placeholders = damaged_command(case)
    args, out = concrete(placeholders, tmp_path, good_results)
    work = tmp_path / "work"
    work.mkdir()
    before = file_snapshot(tmp_path)
    result, elapsed = invoke_in(work, monkeypatch, [*command.split(), *args])
    # plot/report write figures and reports into the results folder they were given
    allowed = [out, work / "results", tmp_path / "inputs" / "results", tmp_path / "inputs" / "old"]
    several = "" if command == "validate" else None  # validate: a paragraph per file
    check(
        result,
        elapsed,
        tmp_path,
        before,
        allowed,
        f"command case {case}: {command} {args}",
        several,
    )


# --- results folders ----------------------------------------------------------------------------


def damage_results(folder: Path, rng: random.Random) -> str:
    """Spoil one file of a results folder; returns what was done."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    target = rng.choice([p for p in files if p.suffix in (".csv", ".json")] * 3 + files)
    data = target.read_bytes()
    roll = rng.random()
    if roll < 0.2:
        target.write_bytes(data[: rng.randrange(max(1, len(data)))])
        return f"cut {target.name}"
    if roll < 0.3:
        target.unlink()
        return f"removed {target.name}"
    if roll < 0.45:
        at = rng.randrange(max(1, len(data)))
        target.write_bytes(
            data[:at] + rng.choice([b",", b"\n", b"x", b'"', b"\xff", b"\x00"]) + data[at:]
        )
        return f"spliced {target.name}"
    if roll < 0.55:
        target.write_bytes(rng.randbytes(rng.randint(0, 300)))
        return f"garbage in {target.name}"
    if roll < 0.65:
        target.write_bytes(b"")
        return f"emptied {target.name}"
    if target.suffix == ".json":
        manifest = json.loads(data)
        key = rng.choice(sorted(manifest))
        manifest[key] = rng.choice([None, "x", -1, [], {}, 1e308, [{"name": 5}]])
        target.write_text(json.dumps(manifest))
        return f"manifest {key} replaced"
    lines = data.decode(errors="replace").splitlines(keepends=True)
    if len(lines) > 2:
        line = rng.randrange(1, len(lines))
        cells = lines[line].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(["", "nan", "inf", "-1e308", "abc", "1,2"])
        lines[line] = ",".join(cells)
        if rng.random() < 0.3:
            body = lines[1:]
            rng.shuffle(body)
            lines = lines[:1] + body
    target.write_text("".join(lines))
    return f"cell changed in {target.name}"


@pytest.mark.parametrize("case", range(RESULTS_CASES))
def test_damaged_results_folders(tmp_path, monkeypatch, good_results, case):
    rng = random.Random(f"results-{case}")
    folder = tmp_path / "results"
    shutil.copytree(good_results, folder)
    what = damage_results(folder, rng)
    command = rng.choice(["plot", "report"])
    before = file_snapshot(tmp_path)
    result, elapsed = invoke_in(tmp_path, monkeypatch, [command, str(folder)])
    check(result, elapsed, tmp_path, before, [folder], f"results case {case}: {what}, {command}")


# --- every key at the extremes ------------------------------------------------------------------

#: Values every key is tried with: whichever validate must also run.
EXTREMES = ["inf", "-inf", "nan", "0", "-1", "1e308", "1e-300", "99999999999999999999", '"yes"']


@pytest.mark.parametrize("key", KEYS)
def test_every_key_at_its_extremes(tmp_path, monkeypatch, key):
    """Each scenario key set to each extreme: refused by validation with a paragraph naming
    the file, or accepted and then run (tiny) to the end. Sizes that validate but are not tiny
    are left to test_bad_inputs.py."""
    for value in EXTREMES:
        path = tmp_path / f"{abs(hash(value))}.toml"
        tree = {"name": '"extreme"', **TINY}
        tree = {k: v for k, v in tree.items() if not (k.startswith(key + ".") or k == key)}
        path.write_text(render({**tree, key: value}))
        described = f"{key} = {value}"
        before = file_snapshot(tmp_path)
        result, elapsed = invoke_in(tmp_path, monkeypatch, ["validate", str(path)])
        check(result, elapsed, tmp_path, before, [], described, about=str(path))
        if result.exit_code != 0 or key in SIZES:
            continue
        out = tmp_path / f"out-{abs(hash(value))}"
        args = ["run", str(path), "--seeds", "1", "--weeks", "3", "--workers", "1"]
        result, elapsed = invoke_in(tmp_path, monkeypatch, [*args, "--out", str(out)])
        check(result, elapsed, tmp_path, file_snapshot(tmp_path), [out], described + " (run)", "")
        if result.exit_code == 0:  # no KPI may be infinite (undefined ones are empty cells)
            summary = (out / "summary.csv").read_text()
            assert "inf" not in summary.lower(), f"{described}: infinite KPIs\n{summary}"
