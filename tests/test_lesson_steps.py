"""Every lesson step, checked against lossviz: one test per step, named after it.

A step's claim (``lossviz.claims``) is computed from the step's own settings: a choice
question's right option must be the one the file marks, a number question's answer must lie
in the range the student can enter, and every number the step's text quotes must be either
a number the claim computes (formatted as the text writes it) or one of the step's settings.
A lesson file that quotes a number no claim checks fails here.
"""

from __future__ import annotations

import re

import pytest

from lossviz import claims
from lossviz.lessons import LESSONS_DIR, load_lessons, step_settings
from lossviz.ui import params, url

LESSONS, PROBLEMS = load_lessons(LESSONS_DIR, registry=params.BY_KEY, sections=url.SECTIONS)
STEPS = [(lesson, i, step) for lesson in LESSONS.values()
         for i, step in enumerate(lesson.steps, start=1)]
# Numbers a sentence may use without a claim: counting words a reader never checks.
PLAIN = {"0", "1", "2", "3"}
_CODE = re.compile(r"`[^`]*`")
# A number standing alone: not part of a word or a formula such as log2, e^0 or r²
_NUMBER = re.compile(r"(?<![\w.^/*])-?\d+(?:\.\d+)?°?(?![\w.]*[A-Za-z(])")


def _numbers(text: str) -> set[str]:
    return {m.group(0).lstrip("-") for m in _NUMBER.finditer(_CODE.sub(" ", text))}


def _setting_texts(values: dict) -> set[str]:
    out = set()
    for value in values.values():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        out |= {f"{value:g}", f"{value}", f"{value:.2f}"}
    return out


def test_every_lesson_file_loads():
    assert not PROBLEMS
    assert len(LESSONS) >= 6


@pytest.mark.parametrize(("lesson", "index", "step"), STEPS,
                         ids=[f"{lesson.id}-step{i}" for lesson, i, _ in STEPS])
def test_lesson_step(lesson, index, step):
    assert step.claim, f"{lesson.id} step {index} names no claim"
    assert step.ask is not None, f"{lesson.id} step {index} asks nothing to answer first"
    values = step_settings(step, params.BY_KEY)
    result = claims.compute(step.claim, values)
    if step.ask.kind == "choice":
        assert result.answer == step.ask.correct + 1, (
            f"the claim says choice {result.answer:g}, the file says {step.ask.correct + 1}")
    else:
        assert step.ask.low <= result.answer <= step.ask.high
    text = " ".join((step.look, step.question, step.answer))
    for quote in result.quotes:
        assert quote in text, f"the text does not quote {quote!r}, which the claim computes"
    # the text's numbers are read without their sign (a quote keeps its sign above)
    checked = {q.lstrip("-") for q in result.quotes} | _setting_texts(step.values) | PLAIN
    unchecked = _numbers(text) - checked
    assert not unchecked, f"numbers no claim checks: {sorted(unchecked)}"


def test_a_wrong_correct_choice_is_caught():
    lesson = LESSONS["mse_outliers"]
    step = lesson.steps[0]
    result = claims.compute(step.claim, step_settings(step, params.BY_KEY))
    assert result.answer == 1  # MSE's line moves most
    assert result.answer != 2  # so marking MAE's as right would fail the test above


def test_a_number_no_claim_checks_is_caught():
    assert _numbers("the slope moves 0.25 and then 0.76 (`r**2` is 2r)") == {"0.25", "0.76"}
    assert "0.77" in _numbers("it moves 0.77") - {"0.76"}
