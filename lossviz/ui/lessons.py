"""The guided-lesson panel: pick a lesson, step through it, predict, then reveal the answer.

A step starts from the default settings and sets only what its file lists, so every step
looks the same for every student and is itself a link (``?lesson=ID&lesson_step=N``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

from lossviz.lessons import LESSONS_DIR, MAX_STEPS, Lesson, load_lessons
from lossviz.state import REGISTRY, field
from lossviz.ui import SECTIONS
from lossviz.ui.controls import SECTION_KEY, sync_url

LESSON = field("lesson", "text", "", max_len=50, section="app")
STEP = field("lesson_step", "int", 1, low=1, high=MAX_STEPS, section="app")
PICK_KEY = "lesson_pick"


@lru_cache(maxsize=4)
def _load(stamp: tuple[tuple[str, float], ...]) -> tuple[dict[str, Lesson], list[str]]:
    from lossviz.ui.share import register_all

    register_all()
    return load_lessons(LESSONS_DIR, sections=SECTIONS)


def catalogue() -> tuple[dict[str, Lesson], list[str]]:
    """Every built-in lesson, and a message per broken file (reloaded when a file changes)."""
    stamp = tuple(
        (p.name, p.stat().st_mtime) for p in sorted(Path(LESSONS_DIR).glob("*.toml"))
    )
    return _load(stamp)


def apply_step(lesson_id: str, index: int) -> None:
    """Set the session to step ``index`` (1-based) of a lesson: defaults, then its values.

    Raises ``LookupError`` for an unknown lesson or step. Call it before widgets exist (a
    callback, or the start of a run).
    """
    lessons, _ = catalogue()
    lesson = lessons.get(lesson_id)
    if lesson is None:
        raise LookupError(f"there is no lesson {lesson_id[:50]!r}")
    if not 1 <= index <= len(lesson.steps):
        raise LookupError(f"lesson {lesson_id!r} has steps 1 to {len(lesson.steps)}")
    step = lesson.steps[index - 1]
    for key, spec in REGISTRY.items():
        if spec.section != "app":
            st.session_state[key] = list(spec.default) if spec.kind == "multi" else spec.default
    for key, value in step.values.items():
        st.session_state[key] = value
    if step.section in SECTIONS:
        st.session_state[SECTION_KEY] = SECTIONS[step.section][0]
    st.session_state[LESSON.key] = lesson_id
    st.session_state[STEP.key] = index
    st.session_state[PICK_KEY] = lesson_id


def _go(lesson_id: str, index: int) -> None:
    if lesson_id:
        apply_step(lesson_id, index)
    else:
        st.session_state[LESSON.key] = ""
        st.session_state[STEP.key] = 1
    sync_url()


def _picked() -> None:
    _go(st.session_state.get(PICK_KEY) or "", 1)


def render() -> None:
    """The lesson panel (meant for the sidebar)."""
    lessons, problems = catalogue()
    current = st.session_state.get(LESSON.key, "")
    if current not in lessons:
        current = ""
    if st.session_state.get(PICK_KEY) != current:
        st.session_state[PICK_KEY] = current
    options = ["", *lessons]
    st.selectbox(
        "Guided lesson",
        options,
        format_func=lambda k: lessons[k].title if k else "None: explore freely",
        key=PICK_KEY,
        on_change=_picked,
        help="Each lesson sets the controls step by step and asks you to predict before "
        "it reveals the answer.",
    )
    for problem in problems:
        st.error(f"Lesson file not loaded: {problem}", icon="📄")
    if not current:
        return
    lesson = lessons[current]
    n = len(lesson.steps)
    index = min(max(int(st.session_state.get(STEP.key, 1)), 1), n)
    step = lesson.steps[index - 1]
    st.markdown(f"**Step {index} of {n}: {step.title}**")
    st.markdown(step.look)
    st.markdown(f"**Predict:** {step.question}")
    with st.expander(f"Reveal the answer (step {index})", key=f"reveal_{current}_{index}"):
        st.markdown(step.answer)
    with st.container(horizontal=True):
        st.button("◀ Back", key="lesson_back", on_click=_go, args=(current, index - 1),
                  disabled=index <= 1)
        st.button("Next ▶", key="lesson_next", on_click=_go, args=(current, index + 1),
                  disabled=index >= n, type="primary")
        st.button("Leave", key="lesson_leave", on_click=_go, args=("", 1), type="tertiary")
