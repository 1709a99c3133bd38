"""Lesson files: every built-in lesson loads against the app's parameters and every step
opens its page with its settings, asking before it answers; broken files are reported by
file, step and field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lossviz.lessons import (
    LESSONS_DIR,
    Ask,
    LessonError,
    check_answer,
    lesson_toml,
    load_lesson,
    load_lessons,
    parse_lesson,
)
from lossviz.state import Field
from lossviz.textsafe import escape_markdown
from lossviz.ui.params import BY_KEY
from lossviz.ui.url import SECTIONS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
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
def test_built_in_lesson_validates_against_the_apps_parameters(path):
    lesson = load_lesson(path, registry=BY_KEY, sections=SECTIONS)
    assert 2 <= len(lesson.steps) <= 8
    for step in lesson.steps:
        assert set(step.values) <= set(BY_KEY)
        for key, value in step.values.items():
            assert BY_KEY[key].check(value) == value
            assert BY_KEY[key].section in ("app", step.section)  # a setting of its own page
        assert step.question.strip().endswith("?")


def test_every_built_in_file_loads_with_no_problem():
    lessons, problems = load_lessons(registry=BY_KEY, sections=SECTIONS)
    assert problems == []
    assert len(lessons) == len(BUILT_IN)


def _steps():
    for path in BUILT_IN:
        lesson = load_lesson(path, registry=BY_KEY, sections=SECTIONS)
        for i, _ in enumerate(lesson.steps, start=1):
            yield pytest.param(lesson, i, id=f"{lesson.id}-step{i}")


def _open(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _pages(at: AppTest) -> set[str]:
    """The pages whose controls are on screen (the page shown)."""
    kinds = ("slider", "number_input", "selectbox", "radio", "toggle", "segmented_control",
             "pills", "text_input", "button_group")
    keys = {w.key for kind in kinds for w in getattr(at, kind)}
    return {BY_KEY[k].section for k in keys if k in BY_KEY} - {"app"}


def _shown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize(("lesson", "index"), list(_steps()))
def test_every_step_link_opens_its_page_with_its_settings_and_asks_first(lesson, index):
    at = _open({"lesson": lesson.id, "lesson_step": str(index)})
    step = lesson.steps[index - 1]
    for key, spec in BY_KEY.items():  # the step's values on top of the defaults
        if spec.section != "app":
            assert at.session_state[key] == step.values.get(key, spec.default), key
    if step.section:
        assert _pages(at) == {step.section}
    shown = _shown(at)
    assert escape_markdown(step.title) in shown  # a title is shown as written
    assert step.question in shown
    # Predict first: the answer waits behind the form's button.
    assert step.answer not in shown
    assert [b.label for b in at.button if b.key.startswith("FormSubmitter:")] == [
        "Reveal the answer"]



@pytest.mark.parametrize(("lesson", "index"), [p for p in _steps()
                                               if p.values[0].steps[p.values[1] - 1].highlight])
def test_every_highlighted_name_is_a_trace_of_the_chart_the_step_shows(lesson, index):
    # Highlighting dims every other trace: a misspelt name would dim what the step means.
    from lossviz.ui import chart

    at = _open({"lesson": lesson.id, "lesson_step": str(index)})
    step = lesson.steps[index - 1]
    drawn = chart.as_figure(at.session_state[chart.FIGURES][step.show])
    names = {t.name for t in drawn.data}
    assert set(step.highlight) <= names, sorted(set(step.highlight) - names)

def test_a_lesson_link_opens_the_regression_page_at_that_step():
    lessons, _ = load_lessons(registry=BY_KEY, sections=SECTIONS)
    step = lessons["mse_outliers"].steps[1]
    at = _open({"lesson": "mse_outliers", "lesson_step": "2"})
    assert _pages(at) == {"regression"}
    assert list(at.session_state["_lossviz_figures"])[:2] == ["reg_lines", "reg_pulls"]
    for key, value in step.values.items():
        assert at.session_state[key] == value
    assert at.slider(key="reg_shift").value == 20.0
    assert "step 2 of 4" in _shown(at)
    # The bars' caption does not say the pull the step asks for until the answer is given.
    told = "On the MSE line the outlier pulls with 36.1"
    assert told not in " ".join(c.value for c in at.caption)
    # No answer, no reveal: the page asks for the prediction first.
    next(b for b in at.button if b.label == "Reveal the answer").click().run()
    assert step.answer not in _shown(at)
    assert any("Give your answer first" in w.value for w in at.warning)
    # The answer after the prediction, beside the student's number.
    at.number_input(key="lesson_answer_mse_outliers_2").set_value(40.0)
    next(b for b in at.button if b.label == "Reveal the answer").click().run()
    assert not at.exception
    shown = _shown(at)
    assert step.answer in shown
    assert "You said **40**" in shown
    assert f"The answer: **{escape_markdown('36.1')}**" in shown
    assert told in " ".join(c.value for c in at.caption)


# A sentence under a step's chart that states the step's answer waits for the prediction
# (the charts, tables and metrics the student reads the answer from stay).
HELD_BACK = [
    # "Which schedules let MAE settle, and where?": the lowest and highest final losses
    pytest.param("mae_oscillation", 3, "Mean training loss over the last tenth",
                 id="schedules"),
    # "Which boundary is dragged furthest?": the boundaries' story names it
    pytest.param("ce_vs_hinge", 2, "boundary turned", id="boundaries"),
    # "Whose training images end with the larger margins?": the digits' story
    pytest.param("ce_vs_hinge", 4, "its median is", id="digits"),
    # "Whose five lines will spread the most?": the advice under the fold lines
    pytest.param("real_data", 3, "the slope moves least under", id="folds"),
]


@pytest.mark.parametrize(("lesson_id", "index", "told"), HELD_BACK)
def test_a_sentence_that_answers_the_step_waits_for_the_prediction(lesson_id, index, told):
    lessons, _ = load_lessons(registry=BY_KEY, sections=SECTIONS)
    step = lessons[lesson_id].steps[index - 1]
    at = _open({"lesson": lesson_id, "lesson_step": str(index)})
    assert step.show in at.session_state["_lossviz_figures"]
    assert told not in _shown(at)
    choice = at.radio(key=f"lesson_answer_{lesson_id}_{index}")
    choice.set_value(choice.options[0])
    next(b for b in at.button if b.label == "Reveal the answer").click().run()
    assert not at.exception
    assert "You said" in _shown(at)
    assert told in _shown(at)


def test_a_step_on_another_page_opens_that_page():
    lessons, _ = load_lessons(registry=BY_KEY, sections=SECTIONS)
    lesson, index = next((item, i) for item in lessons.values()
                         for i, s in enumerate(item.steps, start=1)
                         if s.section not in (None, "regression"))
    at = _open({"lesson": lesson.id, "lesson_step": str(index)})
    assert _pages(at) == {lesson.steps[index - 1].section}
    # ... and from the lesson picker, on whatever page the student is, with a link that
    # holds a control's value (Streamlit refuses to clear such a link on a page switch)
    at = _open({"reg_delta": "2.0", "reg_points": "0y1"})
    assert _pages(at) == {"regression"}
    at.radio(key="lesson_pick").set_value(lesson.id).run()
    assert not at.exception, [e.message for e in at.exception]
    first = lesson.steps[0].section or "regression"
    assert _pages(at) == {first}
    assert escape_markdown(lesson.steps[0].title) in _shown(at)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        pytest.param({"lesson": "nope"}, "there is no lesson", id="unknown-lesson"),
        pytest.param({"lesson": "mse_outliers", "lesson_step": "9"}, "has steps 1 to 4",
                     id="step-past-the-end"),
        pytest.param({"lesson": "mse_outliers", "lesson_step": "x"}, "lesson\\_step",
                     id="step-not-a-number"),
    ],
)
def test_a_broken_lesson_link_opens_the_page_with_a_notice(query, says):
    at = _open(query)
    notice = " ".join(c.value for c in at.caption if "could not use" in c.value)
    assert says in notice
    assert _pages(at) == {"regression"}


def test_next_and_back_walk_through_a_lesson():
    lessons, _ = load_lessons(registry=BY_KEY, sections=SECTIONS)
    lesson = max(lessons.values(), key=lambda item: len(item.steps))
    at = _open({"lesson": lesson.id})
    assert at.button(key="lesson_back").proto.disabled
    at.button(key="lesson_next").click().run()
    assert not at.exception
    assert at.session_state["lesson_step"] == 2
    assert at.query_params["lesson_step"] in ("2", ["2"])
    for key, value in lesson.steps[1].values.items():
        assert at.session_state[key] == value
    assert escape_markdown(lesson.steps[1].title) in _shown(at)
    at.button(key="lesson_back").click().run()
    assert at.session_state["lesson_step"] == 1
    at.button(key="lesson_leave").click().run()
    assert not at.exception
    assert "lesson" not in at.query_params
    assert lesson.steps[0].question not in _shown(at)


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


# -- answering first: a choice or a number -----------------------------------------------------
def _step_with(**extra) -> dict:
    data = tomllib.loads(GOOD)
    data["steps"][0].update(extra)
    return data


def test_a_choice_question_is_right_only_for_its_correct_choice():
    lesson = parse_lesson(_step_with(choices=["MSE", "MAE", "Huber"], correct=2), "q",
                          registry=SPECS)
    ask = lesson.steps[0].ask
    assert ask == Ask("choice", ("MSE", "MAE", "Huber"), 1)
    assert check_answer(ask, "MAE")
    assert not check_answer(ask, "MSE")
    assert ask.truth_text() == "MAE"


def test_a_number_question_is_right_within_its_tolerance():
    number = {"low": -5, "high": 5, "step": 0.01, "tolerance": 0.05}
    ask = parse_lesson(_step_with(number=number, claim="mse_slope"), "q",
                       registry=SPECS).steps[0].ask
    assert (ask.kind, ask.claim, ask.low, ask.high, ask.tolerance) == (
        "number", "mse_slope", -5.0, 5.0, 0.05)
    assert not check_answer(ask, 1.0)  # no true value known yet
    assert ask.truth_text() == "see below"
    known = Ask(**{**ask.__dict__, "truth": 1.76})
    assert check_answer(known, 1.8)
    assert not check_answer(known, 1.9)
    assert not check_answer(known, None)
    assert known.truth_text() == "1.76"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param({"choices": ["a", "b"], "correct": 3}, "'correct' must be the number",
                     id="correct-out-of-range"),
        pytest.param({"choices": ["a", "a"], "correct": 1}, "repeats an option",
                     id="repeated-choice"),
        pytest.param({"choices": ["a"], "correct": 1}, "2 to 6 short texts", id="one-choice"),
        pytest.param({"correct": 1}, "'correct' needs 'choices'", id="correct-alone"),
        pytest.param({"choices": ["a", "b"], "correct": 1,
                      "number": {"low": 0, "high": 1}, "claim": "x"}, "not both", id="both"),
        pytest.param({"number": {"low": 2, "high": 1}, "claim": "x"}, "low < high",
                     id="number-backwards"),
        pytest.param({"number": {"low": 0, "high": 1}}, "needs a 'claim'", id="no-claim"),
        pytest.param({"highlight": "MSE"}, "list of trace names", id="highlight-not-a-list"),
    ],
)
def test_a_malformed_question_names_its_step(extra, message):
    with pytest.raises(LessonError, match="q, step 1") as err:
        parse_lesson(_step_with(**extra), "q", registry=SPECS)
    assert message in str(err.value)
