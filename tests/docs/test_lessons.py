"""The lesson answer keys in docs/lessons/answers/ are what docs/lessons/make_answers.py writes now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

LESSONS = Path(__file__).resolve().parents[2] / "docs" / "lessons"


def load_make_answers():
    spec = importlib.util.spec_from_file_location("make_answers", LESSONS / "make_answers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_lesson_has_a_key():
    lessons = sorted(p.name for p in LESSONS.glob("lesson-*.md"))
    keys = sorted(p.name for p in (LESSONS / "answers").glob("lesson-*.md"))
    assert len(lessons) >= 4
    assert lessons == keys


def test_answer_keys_are_up_to_date(tmp_path):
    make_answers = load_make_answers()
    written = make_answers.write_answers(tmp_path, workers=2)
    stale = [
        path.name
        for path in written
        if path.read_text(encoding="utf-8")
        != (LESSONS / "answers" / path.name).read_text(encoding="utf-8")
    ]
    assert not stale, (
        f"stale lesson answer keys: {', '.join(stale)}. The model's results changed; regenerate "
        f"them with `{make_answers.REGENERATE}`, read the new keys (do the lessons' questions "
        "still make sense?) and commit them."
    )


def test_every_run_behind_a_key_is_a_command_its_lesson_gives():
    """Every claim in a key comes from a run the lesson tells students to do: each command in a
    key's header appears, as typed, in its lesson's steps."""
    for key in sorted((LESSONS / "answers").glob("lesson-*.md")):
        lesson = (LESSONS / key.name).read_text(encoding="utf-8")
        commands = [
            line.strip()
            for line in key.read_text(encoding="utf-8").splitlines()
            if line.startswith("    gtmsim ")
        ]
        assert commands, f"{key.name}: no runs listed in the key's header"
        missing = [c for c in commands if f".venv/bin/{c}" not in lesson]
        assert not missing, f"{key.name}: runs the lesson does not give: {missing}"
