"""Lesson files: every built-in lesson loads against the real registry and every step renders;
broken files are reported by file, step and field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lossviz.lessons import (
    LESSONS_DIR,
    LessonError,
    lesson_toml,
    load_lesson,
    load_lessons,
)
from lossviz.state import REGISTRY, Field
from lossviz.ui import SECTIONS
from lossviz.ui.share import register_all

APP = str(Path(__file__).resolve().parents[1] / "app.py")
register_all()
BUILT_IN = sorted(LESSONS_DIR.glob("*.toml"))
SPECS = {
    f.key: f
    for f in (
        Field("reg_delta", "float", 1.0, low=0.1, high=5.0),
        Field("reg_losses", "multi", ["mse"], choices=("mse", "mae", "huber")),
    )
}
GOOD = """
title = "Delta"
summary = "Move delta."

[[steps]]
title = "Small delta"
section = "regression"
set = { reg_delta = 0.5, reg_losses = ["mse", "huber"] }
look = "Look at the kink."
question = "Where is the kink?"
answer = "At plus and minus delta."
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the built-in lessons ------------------------------------------------------------------
def test_there_are_at_least_six_built_in_lessons():
    assert len(BUILT_IN) >= 6


@pytest.mark.parametrize("path", BUILT_IN, ids=[p.stem for p in BUILT_IN])
def test_built_in_lesson_validates_against_the_app_registry(path):
    lesson = load_lesson(path, sections=SECTIONS)
    assert 2 <= len(lesson.steps) <= 8
    for step in lesson.steps:
        assert set(step.values) <= set(REGISTRY)
        assert step.question.strip().endswith("?")


def test_every_built_in_file_loads_with_no_problem():
    lessons, problems = load_lessons(sections=SECTIONS)
    assert problems == []
    assert len(lessons) == len(BUILT_IN)


def _steps():
    for path in BUILT_IN:
        lesson = load_lesson(path, sections=SECTIONS)
        for i, _ in enumerate(lesson.steps, start=1):
            yield pytest.param(lesson, i, id=f"{lesson.id}-step{i}")


@pytest.mark.parametrize(("lesson", "index"), list(_steps()))
def test_every_step_link_opens_that_step_with_no_exception(lesson, index):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lesson"] = lesson.id
    at.query_params["lesson_step"] = str(index)
    at.run()
    assert not at.exception
    step = lesson.steps[index - 1]
    for key, value in step.values.items():
        assert at.session_state[key] == value
    if step.section:
        assert at.session_state["section"] == SECTIONS[step.section][0]
    shown = " ".join(m.value for m in at.markdown)
    assert step.title in shown
    assert step.question in shown
    # Predict first: the answer waits in a closed expander.
    reveal = [e for e in at.expander if e.label.startswith("Reveal the answer")]
    assert len(reveal) == 1
    assert not reveal[0].proto.expanded


def test_next_and_back_walk_through_a_lesson():
    lessons, _ = load_lessons(sections=SECTIONS)
    lesson = max(lessons.values(), key=lambda item: len(item.steps))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lesson"] = lesson.id
    at.run()
    at.button(key="lesson_next").click().run()
    assert not at.exception
    assert at.session_state["lesson_step"] == 2
    assert at.query_params["lesson_step"] in ("2", ["2"])
    for key, value in lesson.steps[1].values.items():
        assert at.session_state[key] == value
    at.button(key="lesson_back").click().run()
    assert at.session_state["lesson_step"] == 1
    at.button(key="lesson_leave").click().run()
    assert not at.exception
    assert "lesson" not in at.query_params


# -- broken files name the file, the step and the field --------------------------------------
def test_a_good_file_loads(tmp_path):
    lesson = load_lesson(write(tmp_path, "delta.toml", GOOD), registry=SPECS,
                         sections=["regression"])
    assert lesson.id == "delta"
    assert lesson.steps[0].values == {"reg_delta": 0.5, "reg_losses": ["mse", "huber"]}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("reg_delta = 0.5", "reg_delta = 50.0", "step 1, field 'reg_delta': "
                     "reg_delta must be between", id="value-out-of-range"),
        pytest.param("reg_delta = 0.5", "delta = 0.5", "step 1, field 'delta': no such control "
                     "(did you mean 'reg_delta'?)", id="unknown-field-with-hint"),
        pytest.param('"mse", "huber"', '"mse", "logistic"', "field 'reg_losses'",
                     id="bad-choice-in-list"),
        pytest.param('section = "regression"', 'section = "physics"', "section 'physics'",
                     id="unknown-section"),
        pytest.param('answer = "At plus and minus delta."', "", "missing 'answer'",
                     id="missing-answer"),
        pytest.param('look = "Look at the kink."', 'look = "x"\nhint = "y"', "unknown field "
                     "'hint'", id="typo-in-step-field"),
        pytest.param('title = "Delta"', 'title = "Delta', "is not valid TOML",
                     id="toml-syntax-error"),
    ],
)
def test_a_broken_file_names_file_step_and_field(tmp_path, old, new, message):
    path = write(tmp_path, "broken_one.toml", GOOD.replace(old, new, 1))
    with pytest.raises(LessonError) as err:
        load_lesson(path, registry=SPECS, sections=["regression"])
    assert str(err.value).startswith("broken_one.toml")
    assert message in str(err.value)


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "a_good.toml", GOOD)
    write(tmp_path, "b_bad.toml", GOOD.replace("reg_delta = 0.5", "reg_delta = -1.0"))
    lessons, problems = load_lessons(tmp_path, registry=SPECS, sections=["regression"])
    assert list(lessons) == ["a_good"]
    assert len(problems) == 1
    assert problems[0].startswith("b_bad.toml, step 1, field 'reg_delta'")


def test_file_names_become_link_ids_so_they_must_be_plain(tmp_path):
    with pytest.raises(LessonError, match="lowercase letters"):
        load_lesson(write(tmp_path, "My Lesson.toml", GOOD), registry=SPECS)


def test_saved_view_is_a_valid_lesson(tmp_path):
    text = lesson_toml('A "quoted"\ntitle', {"reg_delta": 2.5, "reg_losses": ["mae"]},
                       section="regression")
    assert tomllib.loads(text)["steps"][0]["set"]["reg_delta"] == 2.5
    path = write(tmp_path, "saved.toml", text)
    lesson = load_lesson(path, registry=SPECS, sections=["regression"])
    assert lesson.steps[0].values == {"reg_delta": 2.5, "reg_losses": ["mae"]}
    assert lesson.title == 'A "quoted"\ntitle'
