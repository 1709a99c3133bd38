"""Guided lessons on the page: pick one in the sidebar; its current step sits above the
page's figure: what to look at, a question the student answers first, then the answer.

A step starts from the default settings and sets only what its file lists, so every step
looks the same for every student and is itself a link (``?lesson=ID&lesson_step=N``). It
opens the page and the view it talks about, and names the chart it is about: that chart is
scrolled into view and the traces the step names stay lit (``focus()``).
"""

from __future__ import annotations

import dataclasses
import time
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import streamlit as st

from lossviz import claims
from lossviz.lessons import (
    LESSONS_DIR,
    Ask,
    Lesson,
    Step,
    check_answer,
    load_lessons,
    step_settings,
)
from lossviz.textsafe import escape_markdown
from lossviz.ui import params, url, widgets

PICK = "lesson_pick"
ANSWER = "_lossviz_lesson_answer"  # (lesson, step) -> what the student answered
DRAWN = "_lossviz_lesson_drawn"  # the step's panel is on the page in this run
OWED = "_lossviz_lesson_owed"  # a phone: the chart whose step's question comes under it


class Focus(NamedTuple):
    """The chart a lesson step talks about, the traces it names, and a token that changes
    with the step (the chart scrolls into view once per token)."""

    chart: str
    highlight: tuple[str, ...]
    token: str


@cache
def _load(stamp: tuple[tuple[str, float], ...]) -> tuple[dict[str, Lesson], list[str]]:
    return load_lessons(LESSONS_DIR, registry=params.BY_KEY, sections=url.SECTIONS)


LOOK_EVERY = 2.0  # seconds: a run asks for the catalogue once per chart; the disk, rarely
_looked: tuple[float, tuple[tuple[str, float], ...]] | None = None  # when, and what was seen


def catalogue() -> tuple[dict[str, Lesson], list[str]]:
    """Every built-in lesson, and a message per broken file (reloaded when a file changes:
    the folder is looked at no more than every ``LOOK_EVERY`` seconds)."""
    global _looked
    now = time.monotonic()
    seen = _looked
    if seen is None or now - seen[0] >= LOOK_EVERY:
        seen = (now, tuple((p.name, p.stat().st_mtime)
                           for p in sorted(Path(LESSONS_DIR).glob("*.toml"))))
        _looked = seen  # one assignment: threads see the old pair or the new one
    return _load(seen[1])


def current() -> tuple[Lesson, int, Step] | None:
    """The lesson being followed, the step number (from 1) and the step; None if none."""
    lessons, _ = catalogue()
    lesson = lessons.get(st.session_state.get("lesson", ""))
    if lesson is None:
        return None
    index = min(max(int(st.session_state.get("lesson_step", 1) or 1), 1), len(lesson.steps))
    return lesson, index, lesson.steps[index - 1]


def apply_step(lesson_id: str, index: int) -> None:
    """Set the session to step ``index`` (1-based) of a lesson: defaults, then its values, and
    ask for its page. ``LookupError`` for an unknown lesson or step. Call it before widgets
    exist (a callback, or the start of a run)."""
    lessons, _ = catalogue()
    lesson = lessons.get(lesson_id)
    if lesson is None:
        raise LookupError(f"there is no lesson {lesson_id[:50]!r}")
    if not 1 <= index <= len(lesson.steps):
        raise LookupError(f"lesson {lesson_id!r} has steps 1 to {len(lesson.steps)}")
    step = lesson.steps[index - 1]
    for key, spec in params.BY_KEY.items():
        if spec.section != "app":
            st.session_state[key] = list(spec.default) if spec.kind == "multi" else spec.default
    for key, value in step.values.items():
        st.session_state[key] = value
    st.session_state["lesson"] = lesson_id
    st.session_state["lesson_step"] = index
    st.session_state[PICK] = lesson_id
    if step.section:
        url.open_page(step.section)


def focus() -> Focus | None:
    """What the current step points at, if it points at a chart."""
    now = current()
    if now is None:
        return None
    lesson, index, step = now
    if not step.show:
        return None
    return Focus(step.show, tuple(step.highlight), f"{lesson.id}:{index}")


def asking_about(chart: str) -> bool:
    """Is the current step's question, about ``chart``, still unanswered? The page then
    holds back the sentence that would state the answer beside that chart."""
    now = current()
    if now is None or now[2].show != chart:
        return False
    lesson, index, _ = now
    return (lesson.id, index) not in st.session_state.get(ANSWER, {})


def _go(lesson_id: str, index: int) -> None:
    if lesson_id:
        apply_step(lesson_id, index)
    else:
        st.session_state["lesson"] = ""
        st.session_state["lesson_step"] = 1


def _picked() -> None:
    _go(st.session_state.get(PICK) or "", 1)


def picker() -> None:
    """The lesson picker (for the sidebar)."""
    lessons, problems = catalogue()
    now = st.session_state.get("lesson", "")
    now = now if now in lessons else ""
    if st.session_state.get(PICK) != now:
        st.session_state[PICK] = now
    # A list rather than a select box: every title shows in full, at any font size.
    st.radio("Guided lesson", ["", *lessons],
             format_func=lambda k: lessons[k].title if k else "None: explore freely",
             key=PICK, on_change=_picked,
             help="Each lesson sets the page step by step and asks you to predict before it "
                  "shows the answer.")
    for problem in problems:
        st.error(f"Lesson file not loaded: {problem}", icon="📄")


def _answer_key(lesson: Lesson, index: int) -> str:
    return f"lesson_answer_{lesson.id}_{index}"


def new_run() -> None:
    """Start a run with no step drawn (the app calls it first thing)."""
    st.session_state[DRAWN] = False
    st.session_state[OWED] = ""


def drawn() -> bool:
    """Is the step's panel already on the page in this run?"""
    return bool(st.session_state.get(DRAWN))


def above_chart(key: str) -> None:
    """On a phone, the step around the chart ``key`` when that is the chart it talks about
    (and it is not on the page yet): what to look at right above the chart, and the
    question right under it (``under_chart``), so that one screen holds the chart and what
    is said of it, and the student answers looking at it."""
    if not widgets.compact() or drawn() or (now := current()) is None or now[2].show != key:
        return
    if banner(now[2].section or "", compact=True, ask=False):
        st.session_state[OWED] = key


def under_chart(key: str) -> None:
    """On a phone, the question (or the answer) of the step ``above_chart`` began above the
    chart ``key``."""
    if not key or st.session_state.get(OWED) != key or (now := current()) is None:
        return
    st.session_state[OWED] = ""
    lesson, index, step = now
    with st.container(border=True, key="lesson_question"):
        _question(lesson, index, step, compact=True)


def banner(section: str, *, compact: bool = False, ask: bool = True) -> bool:
    """The current step, on the page by its figure: look, predict, then the answer; the
    step's buttons first (``compact``: a column beside the figure, or a phone) or beside the
    title. ``ask=False`` leaves the question to ``under_chart``. True if a step was drawn
    (now, or already earlier in this run: once a run)."""
    now = current()
    if now is None:
        return False
    if drawn():
        return True
    lesson, index, step = now
    if step.section and step.section != section:
        return False
    st.session_state[DRAWN] = True
    n = len(lesson.steps)
    with st.container(border=True, key="lesson_banner"):
        title = (f"**{escape_markdown(step.title)}** · step {index} of {n} of "
                 f"*{escape_markdown(lesson.title)}*")
        # On a wide screen the panel sticks under the header (frame's CSS), its buttons in it.
        if compact:
            nav = st.container(horizontal=True, key="lesson_nav")
            st.markdown(title)
        else:
            head, nav = st.columns([3, 2], vertical_alignment="center")
            head.markdown(title)
            nav = nav.container(horizontal=True, horizontal_alignment="right", key="lesson_nav")
        with nav:
            st.button("◀ Back", key="lesson_back", on_click=_go, args=(lesson.id, index - 1),
                      disabled=index <= 1)
            st.button("Next ▶", key="lesson_next", on_click=_go, args=(lesson.id, index + 1),
                      disabled=index >= n, type="primary")
            st.button("✕", key="lesson_leave", on_click=_go, args=("", 1),
                      type="tertiary", help="Leave the lesson")
        st.caption(step.look)
        if ask:
            _question(lesson, index, step, compact)
    return True


def _question(lesson: Lesson, index: int, step: Step, compact: bool) -> None:
    """The step's question, or, once answered, the answer beside the student's."""
    answers: dict[tuple[str, int], Any] = st.session_state.setdefault(ANSWER, {})
    given = answers.get((lesson.id, index))
    if given is None:
        _ask(lesson, index, step, answers, compact)
    else:
        _reveal(lesson, index, step, given)


def _ask(lesson: Lesson, index: int, step: Step, answers: dict, compact: bool) -> None:
    key = _answer_key(lesson, index)
    st.markdown(f"**Predict:** {step.question}")
    ask = step.ask
    with st.form(key=f"form_{key}", border=False, enter_to_submit=True):
        if ask is not None and ask.kind == "choice":
            picked = st.radio("Your answer", ask.choices, index=None, key=key,
                              label_visibility="collapsed", horizontal=not compact)
        elif ask is not None and ask.kind == "number":
            picked = st.number_input(f"Your answer ({ask.unit})" if ask.unit else "Your answer",
                                     min_value=ask.low, max_value=ask.high, value=None,
                                     step=ask.step, key=key)
        else:
            picked = ""
        sent = st.form_submit_button("Reveal the answer", type="primary")
    if sent:
        if ask is not None and picked is None:
            st.warning("Give your answer first: then the answer shows.")
            return
        answers[(lesson.id, index)] = picked
        st.rerun()


@cache
def _truth(lesson_id: str, index: int, claim: str) -> float:
    """A number question's answer, computed by lossviz from the step's settings."""
    lessons, _ = catalogue()
    step = lessons[lesson_id].steps[index - 1]
    return claims.compute(claim, step_settings(step, params.BY_KEY)).answer


def step_truth(lesson_id: str, index: int) -> float | None:
    """The true value of step ``index`` (from 1) of a lesson's number question (computed by
    lossviz from the step's settings), or None when the step asks no number."""
    lessons, _ = catalogue()
    step = lessons[lesson_id].steps[index - 1]
    if step.ask is None or step.ask.kind != "number" or not step.claim:
        return None
    return _truth(lesson_id, index, step.claim)


def _with_truth(lesson: Lesson, index: int, step: Step) -> Ask | None:
    ask = step.ask
    if ask is not None and ask.kind == "number" and step.claim:
        ask = dataclasses.replace(ask, truth=_truth(lesson.id, index, step.claim))
    return ask


def _reveal(lesson: Lesson, index: int, step: Step, given: Any) -> None:
    ask = _with_truth(lesson, index, step)
    if ask is not None:
        verdict = check_answer(ask, given)
        mark = "✅" if verdict else "✳️"
        shown = given if ask.kind == "choice" else f"{given:g}"
        st.markdown(f"{mark} You said **{escape_markdown(str(shown))}**. "
                    f"The answer: **{escape_markdown(ask.truth_text())}**")
    st.markdown(step.answer)
