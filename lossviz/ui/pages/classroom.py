"""The Class page: the whole class predicts, the teacher reveals (issue 15).

- A teacher starts a class: a code to read aloud, a join link and its QR code for the
  projector, and a teacher link (holding the class's secret key) to bookmark. They ask a
  quick question about the regression lab (its true answer computed by lossviz), watch how
  many joined and answered, reveal the answers (a histogram or bars, the truth marked), ask
  the next one, and take the answers home as CSV.
- A student joins with the code (a nickname is optional), answers on their phone (one
  column), may change the answer until the reveal, and then sees it against the truth.

Every page polls the class store every ``POLL`` (1.5 s, ``st.fragment(run_every=...)``): the small
poll reads one row and two counts; when the teacher moved the class (a new question, the
reveal) it reruns the page, which then draws the new step. The answer box is outside the
poll, so a poll never disturbs a student typing.

Teacher actions go through ``lossviz.classroom.Store`` with the key; the page only offers
them to a session holding a key that opens the class, and the store refuses them without it
whatever a session sends. Text a student typed (a nickname) is shown only through
``escape_markdown``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from lossviz.classroom import (
    ClassError,
    NoSuchClass,
    Question,
    RegressionState,
    RoomState,
    Store,
)
from lossviz.classroom.questions import QUICK, lesson_question, quick_question
from lossviz.classroom.store import database_url, normalise_code
from lossviz.figures.classroom import answers_data, answers_figure, answers_sentence
from lossviz.limits import MAX_NICKNAME, MAX_SHIFT
from lossviz.numbers import figure_text
from lossviz.textsafe import escape_markdown
from lossviz.ui import chart, lessons, params, turns, url, widgets

# How often every page polls the store. A page follows the teacher after up to one period plus
# its rerun (0.2-0.5 s): 1.5 s keeps that within the 2 s the class was promised, where 2 s
# polls arrived after 1.8-2.3 s (benchmarks/README.md). A poll costs the server ~8 ms of CPU.
POLL = "1.5s"
# A phone's answer controls: each choice a full-width row at least 48 px tall (a thumb's
# target), the number box's text large enough not to make the phone zoom in. Fixed text.
_PHONE_CSS = """<style>
[class*="st-key-class_answer_"] [role="radiogroup"] { width: 100%; align-items: stretch; }
[class*="st-key-class_answer_"] [role="radiogroup"] label { display: flex; min-height: 48px;
  align-items: center; box-sizing: border-box; padding: 0.25rem 0.75rem;
  border: 1px solid rgba(128,128,128,0.35); border-radius: 0.5rem; margin: 0 0 0.4rem 0; }
[class*="st-key-class_answer_"] input { font-size: 1.1rem; min-height: 44px; }
</style>"""
CODE = "_lossviz_class_code"  # the class this session is in
STUDENT = url.STUDENT_TOKEN  # this session's student token in that class (also in the link)
NOTICE = "_lossviz_class_notice"  # what the last action said (shown once)
SEEN = "_lossviz_class_seen"  # (step, revealed) the last full run drew
SOURCES = ("About the regression lab", "A lesson step's question")
QUICK_LABELS = {
    "slope_mse": "MSE's slope when the outlier moves",
    "slope_mae": "MAE's slope when the outlier moves",
    "slope_huber": "Huber's slope when the outlier moves",
    "moves_most": "Whose slope moves the most?",
}


@st.cache_resource(show_spinner=False)
def _store(db_url: str) -> Store:
    return Store(db_url)


def store() -> Store:
    """This process's class store (one per database: ``LOSSVIZ_DATABASE_URL`` or the file)."""
    return _store(database_url())


@st.cache_data(max_entries=64, show_spinner=False)
def _question(kind: str, state: RegressionState, at: float) -> Question:
    """A quick question, with the lab's settings it was computed from (the outlier at
    ``at``), so the class can open the lab as the question saw it after the reveal."""
    settings = {"reg_n": state.n, "reg_noise": state.noise, "reg_seed": state.seed,
                "reg_outliers_on": state.outliers > 0, "reg_outliers": state.outliers,
                "reg_shift": at, "reg_place": state.place, "reg_delta": state.delta,
                "reg_points": ""}
    return dataclasses.replace(quick_question(kind, state, at=at), section="regression",
                               settings=tuple(settings.items()))


def _say(message: str, kind: str = "error") -> None:
    st.session_state[NOTICE] = (kind, message)


def _notice() -> None:
    kind, message = st.session_state.pop(NOTICE, (None, None))
    if message:
        (st.error if kind == "error" else st.success)(escape_markdown(message))


def _link(**query: str) -> str:
    """A link to this page with ``query`` (absolute when the browser told the address)."""
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:  # no browser (AppTest, bare mode): a relative link
        base = ""
    if not base.rstrip("/").endswith("classroom"):
        base = base.rstrip("/") + "/classroom" if base else "classroom"
    return f"{base}?{urlencode(query)}"


@st.cache_data(max_entries=16, show_spinner=False)
def _qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a PNG (segno; medium error correction: a projector's glare
    or a phone's angle can lose part of it)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def regression_state() -> RegressionState:
    """The regression lab's settings in this session (its generated points)."""
    v = url.values("regression")
    return RegressionState(n=v["reg_n"], noise=v["reg_noise"], seed=v["reg_seed"],
                           outliers=v["reg_outliers"] if v["reg_outliers_on"] else 0,
                           shift=v["reg_shift"], place=v["reg_place"], delta=v["reg_delta"])


# -- actions (callbacks: they run before the page draws) ------------------------------------------
def _start() -> None:
    try:
        room = store().create_room(session=turns.session_key())
    except ClassError as err:
        _say(str(err))
        return
    st.session_state[CODE] = room.code
    st.session_state["class"] = room.code
    st.session_state.pop(STUDENT, None)
    url.set_teacher_key(room.key)


def _join() -> None:
    typed = st.session_state.get("class") or ""
    try:
        token = store().join(typed, session=turns.session_key(),
                             nickname=st.session_state.get("class_nickname"))
    except ClassError as err:
        _say(str(err))
        return
    st.session_state[CODE] = normalise_code(typed)
    st.session_state["class"] = normalise_code(typed)
    st.session_state[STUDENT] = token


def _leave() -> None:
    for key in (CODE, STUDENT, SEEN):
        st.session_state.pop(key, None)
    url.set_teacher_key(None)


def _asked() -> Question:
    """The question the teacher's controls ask now (read when the button is pressed, so it is
    the question on screen, whatever changed on the same run)."""
    if st.session_state.get("class_q_source") == SOURCES[1]:
        lesson_id, index = _lesson_pick()
        step = lessons.catalogue()[0][lesson_id].steps[index - 1]
        return lesson_question(step, lessons.step_truth(lesson_id, index), lesson=lesson_id,
                               index=index)
    kind = st.session_state.get("class_q_kind", QUICK[0])
    at = st.session_state.get("class_q_at")
    reg = regression_state()
    return _question(kind, reg, float(_suggested(reg) if at is None else at))


def _asking_lessons() -> dict[str, list[int]]:
    """Every lesson with a question to answer: its id -> the numbers (from 1) of those steps."""
    found = {}
    for lesson_id, lesson in lessons.catalogue()[0].items():
        steps = [i for i, step in enumerate(lesson.steps, start=1) if step.ask is not None]
        if steps:
            found[lesson_id] = steps
    return found


def _lesson_pick() -> tuple[str, int]:
    """The lesson and step the teacher's two boxes name (the first with a question when a box
    names none: a lesson changed under the step's box)."""
    asking = _asking_lessons()
    lesson_id = st.session_state.get("class_q_lesson")
    if lesson_id not in asking:
        lesson_id = next(iter(asking))
    index = st.session_state.get("class_q_step")
    return lesson_id, index if index in asking[lesson_id] else asking[lesson_id][0]


def _suggested(reg: RegressionState) -> float:
    """Where to ask about the outlier first: twice as far as it is (40 when it is at 0)."""
    return float(min(MAX_SHIFT, max(-MAX_SHIFT, 2 * reg.shift if reg.shift else 40.0)))


def _teacher_action(action: str, code: str) -> None:
    key = url.teacher_key() or ""
    s = store()
    try:
        if action == "ask":
            s.ask(code, key, _asked())
        elif action == "reveal":
            s.reveal(code, key)
        elif action == "close":
            s.close_room(code, key)
            _leave()
            _say("The class is closed: its answers are deleted.", "success")
    except (ClassError, ValueError) as err:
        _say(str(err))


def _send(code: str, step: int, widget: str) -> None:
    try:
        sent = store().answer(code, st.session_state.get(STUDENT, ""),
                              st.session_state.get(widget), step=step)
    except ClassError as err:
        _say(str(err))
        return
    _say(f"Sent: {_show(sent)}. You can change it until the teacher reveals.", "success")


def _open_lab(question: Question) -> None:
    """Open the lab as the question saw it: its lesson step, or its page and settings."""
    if question.lesson:
        with contextlib.suppress(LookupError):  # a lesson renamed since: stay here
            lessons.apply_step(question.lesson, question.lesson_step)
        return
    for key, value in question.settings:
        with contextlib.suppress(KeyError, ValueError, TypeError):  # only valid settings
            st.session_state[key] = params.get(key).check(value)
    if question.section in url.SECTIONS:
        url.open_page(question.section)


def _show(value: float | str | None) -> str:
    return "none" if value is None else value if isinstance(value, str) else figure_text(value, 4)


# -- the poll ----------------------------------------------------------------------------------
def _watch_body(code: str, teacher: bool) -> None:
    """The live count of joined and answered (large for the projector); reruns the page
    when the class moved on."""
    try:
        state = store().state(code)
    except NoSuchClass:
        if st.session_state.get(SEEN) != "ended":
            st.rerun()
        return
    if st.session_state.get(SEEN) != (state.step, state.revealed):
        st.rerun()  # a new question or the reveal: the whole page draws it
    if teacher:
        with st.container(horizontal=True):
            st.metric("Joined", state.joined)
            st.metric("Answered", state.answered if state.question is not None else "-")
    st.caption(f"Class {code}: {state.joined} joined, {state.answered} answered"
               + (" (revealed)" if state.revealed else ""))


_watch = st.fragment(run_every=POLL)(turns.in_turn(_watch_body))


# -- the page ----------------------------------------------------------------------------------
def render() -> None:
    """The Class page: the teacher's view, a student's view, or joining and starting."""
    s = store()
    code = st.session_state.get(CODE)
    key = url.teacher_key()
    if key is not None:
        wanted = normalise_code(code or widgets.value("class") or "")
        if wanted and s.is_teacher(wanted, key):
            st.session_state[CODE] = wanted
            return teacher_view(s, wanted, key)
        url.set_teacher_key(None)
        st.session_state.pop(CODE, None)
        _say("This teacher link does not open a class: it may have ended or expired, or the "
             "link lost part of its key.")
        code = None
    token = st.session_state.get(STUDENT)
    if token and not code:  # a student's link (a page reconnecting after a restart)
        code = normalise_code(widgets.value("class") or "")
        st.session_state[CODE] = code
    if code and token:
        return student_view(s, code, token)
    url.student_link(None)
    join_or_start()


def join_or_start() -> None:
    if not widgets.compact():  # a phone's page already starts with its title (frame.begin)
        st.header("Class")
    _notice()
    st.markdown("Your teacher shows a code: type it here to join the class.")
    # Not bound to the address bar: the page writes the class there itself (url.sync), also
    # while the box is not drawn (a class on screen).
    widgets.text("class", "Class code", placeholder="for example K7QM4R", bind=None)
    st.text_input("Nickname (optional)", key="class_nickname", max_chars=MAX_NICKNAME,
                  help="Shown to nobody but your teacher, and only if they choose to. "
                       "Letters, digits, spaces and . ' _ -")
    st.button("Join the class", type="primary", on_click=_join, key="class_join",
              use_container_width=True)
    st.divider()
    st.markdown("**Teaching?** Start a class: students join with a code or a QR code, "
                "answer your questions on their phones, and you reveal what the class thought "
                "next to what lossviz computes.")
    st.button("Start a class", on_click=_start, key="class_start")
    st.caption("Already started one? Open your teacher link (the one to bookmark) to get back "
               "to it, also after the server restarted.")


def teacher_view(s: Store, code: str, key: str) -> None:
    try:
        state = s.state(code)
    except NoSuchClass:
        st.session_state[SEEN] = "ended"
        st.warning("This class has ended.")
        return
    st.session_state[SEEN] = (state.step, state.revealed)
    st.session_state["class"] = code  # the address bar shows the join link, never the key
    join = _link(**{"class": code})
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.caption("Join with the code")
        st.title(code)  # letters and digits from the store's alphabet
        st.code(join, language=None, wrap_lines=True)
        _watch(code, True)
    with right:
        if join.startswith(("http://", "https://")):
            st.image(_qr_png(join), caption="Scan to join", width=260)
    with st.expander("Your teacher link: bookmark it to reopen this class (keep it private)"):
        st.code(_link(**{"class": code, url.TEACHER: key}), language=None, wrap_lines=True)
        st.caption("Whoever has this link can run the class. The class and its answers are "
                   "deleted 12 hours after it started.")
    _notice()
    if state.question is not None:
        question_panel(s, code, key, state)
    ask_panel(code, first=state.question is None)
    with st.expander("After class"):
        names = st.toggle("Put nicknames in the file", key="class_csv_names",
                          help="Off: students are numbered in the order they joined.")
        st.download_button("Download the answers (CSV)", key="class_csv",
                           data=lambda: s.export_csv(code, key, nicknames=names),
                           file_name=f"class-{code}.csv", mime="text/csv", on_click="ignore")
        st.button("End the class now (deletes its answers)", key="class_close",
                  on_click=_teacher_action, args=("close", code))


def ask_panel(code: str, *, first: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{'Ask a question' if first else 'Next question'}** about the "
                    "regression lab as it is set now")
        source = st.radio("Ask", SOURCES, horizontal=True, key="class_q_source",
                          label_visibility="collapsed")
        if source == SOURCES[1]:
            _lesson_boxes()
        else:
            if url.values("regression")["reg_points"]:
                st.caption("The lab has typed points: these questions are about its generated "
                           "points (the typed ones are left out).")
            st.selectbox("Question", QUICK, format_func=_label(QUICK_LABELS),
                         key="class_q_kind")
            st.number_input("The outlier moves to (distance above the line)",
                            min_value=-MAX_SHIFT, max_value=MAX_SHIFT,
                            value=_suggested(regression_state()), step=5.0, key="class_q_at")
        try:
            question = _asked()
        except ValueError as err:
            st.warning(escape_markdown(str(err)))
            return
        st.caption(escape_markdown(question.prompt))  # the prompt only: never the answer
        st.button("Ask the class", type="primary", key="class_ask",
                  on_click=_teacher_action, args=("ask", code))


def _label(labels: dict) -> Callable[[object], str]:
    """A select box's ``format_func`` from option -> label that also maps anything else to
    its text: Streamlit's AppTest hands a label back to it when a test picks by position."""
    return lambda option: labels.get(option, str(option))


def _lesson_boxes() -> None:
    """Pick a lesson and one of its steps that asks a question (the lesson being followed in
    the sidebar, if any, comes first)."""
    catalogue, asking = lessons.catalogue()[0], _asking_lessons()
    now = lessons.current()
    if "class_q_lesson" not in st.session_state and now is not None and now[0].id in asking:
        st.session_state["class_q_lesson"] = now[0].id
        if now[1] in asking[now[0].id]:
            st.session_state["class_q_step"] = now[1]
    lesson_id, index = _lesson_pick()
    st.session_state["class_q_lesson"], st.session_state["class_q_step"] = lesson_id, index
    st.selectbox("Lesson", list(asking), key="class_q_lesson",
                 format_func=_label({i: catalogue[i].title for i in asking}))
    steps = catalogue[lesson_id].steps
    st.selectbox("Step", asking[lesson_id], key="class_q_step",
                 format_func=_label({i: f"{i}. {steps[i - 1].title}" for i in asking[lesson_id]}))


def question_panel(s: Store, code: str, key: str, state: RoomState) -> None:
    q = state.question
    st.markdown(f"**Question {state.step}.** {escape_markdown(q.prompt)}")
    if not state.revealed:
        st.button("Reveal the answers", type="primary", key="class_reveal",
                  on_click=_teacher_action, args=("reveal", code))
        return
    _results(s.results(code, key=key), q, mine=None)


def _results(values: list, q: Question, *, mine: float | str | None) -> None:
    data = answers_data(values, q, mine=mine)
    chart.chart(answers_figure.spec(data, height=300 if widgets.compact() else 340,
                                    presentation=widgets.presenting()),
                key="class_answers", label="The class's answers, the true answer marked")
    st.markdown(escape_markdown(answers_sentence(data)))
    if q.explanation:
        st.caption(escape_markdown(q.explanation))
    if q.lesson or q.section:
        st.button("See it in the lab", key="class_open_lab", on_click=_open_lab, args=(q,),
                  help="Opens the page with the settings this question was about.")


def student_view(s: Store, code: str, token: str) -> None:
    try:
        state = s.state(code)
    except NoSuchClass:
        st.session_state[SEEN] = "ended"
        st.warning("This class has ended.")
        st.button("Join another class", on_click=_leave, key="class_leave")
        url.student_link(None)
        return
    if not s.is_student(code, token):  # a stale or edited link
        _leave()
        st.session_state["class"] = code
        _say("This page is not in the class: join it again.")
        st.rerun()
    st.session_state["class"] = code  # the link: the class, and who this page is in it,
    url.student_link(token)  # so that a page reconnecting after a server restart stays in
    st.session_state[SEEN] = (state.step, state.revealed)
    _watch(code, False)
    _notice()
    q = state.question
    if q is None:
        st.info("You are in. The first question appears here when your teacher asks it.")
        return
    st.markdown(f"**Question {state.step}.** {escape_markdown(q.prompt)}")
    mine = s.my_answer(code, token, state.step)
    if state.revealed:
        truth = _show(q.truth)
        if mine is None:
            st.info(f"You did not answer. The true answer: {escape_markdown(truth)}.")
        else:
            st.success(f"Your answer: {escape_markdown(_show(mine))}. The true answer: "
                       f"{escape_markdown(truth)}.")
        _results(s.results(code), q, mine=mine)
        return
    widget = f"class_answer_{state.step}"
    st.html(_PHONE_CSS)
    if widget not in st.session_state:  # a page reopened after answering shows the answer
        st.session_state[widget] = mine
    if q.kind == "number":
        st.number_input(f"Your answer ({q.unit})" if q.unit else "Your answer",
                        min_value=q.low, max_value=q.high, step=0.1, format="%.2f",
                        key=widget, placeholder="type a number")
    else:
        st.radio("Your answer", q.choices, key=widget, width="stretch")
    st.button("Change my answer" if mine is not None else "Send my answer", type="primary",
              key=f"class_send_{state.step}", on_click=_send, args=(code, state.step, widget),
              use_container_width=True)
    if mine is not None:
        st.caption(f"Your answer now: {escape_markdown(_show(mine))} (you can change it until "
                   "the teacher reveals).")
