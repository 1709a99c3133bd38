"""The Class page in the running app: a teacher and students, each an AppTest session of one
process sharing one SQLite file, as a class shares one server. Teacher actions from a session
without the key are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from plotly_data import chart, ok, open_page, plotly_array
from streamlit.testing.v1 import AppTest

from lossviz.classroom.store import NO_SUCH_CLASS, Store
from lossviz.textsafe import escape_markdown
from lossviz.ui import url
from lossviz.ui.pages.classroom import CODE, STUDENT

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 90


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test's classes in a file of its own."""
    monkeypatch.setenv("LOSSVIZ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LOSSVIZ_DATABASE_URL", raising=False)
    return tmp_path


def db(data_dir: Path) -> Store:
    return Store(f"sqlite:///{data_dir / 'classes.sqlite3'}")


def class_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return open_page(at, "classroom")


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.main.get(kind)]


def start_class() -> tuple[AppTest, str, str]:
    teacher = class_page()
    ok(teacher.button(key="class_start").click().run())
    return teacher, teacher.session_state[CODE], teacher.session_state[url.TEACHER_KEY]


def join(code: str, nickname: str = "") -> AppTest:
    student = class_page({"class": code})  # the join link
    assert student.text_input(key="class").value == code
    if nickname:
        student.text_input(key="class_nickname").input(nickname)
    return ok(student.button(key="class_join").click().run())


def trace_names(at: AppTest) -> list[str]:
    return [t["name"] for t in chart(at, "class_answers")["data"]]


def test_a_class_from_start_to_reveal_and_the_next_question(data_dir):
    teacher, code, key = start_class()
    assert texts(teacher, "title") == [code]
    assert f"classroom?class={code}" in " ".join(c.value for c in teacher.main.get("code"))
    assert "teacher" not in teacher.query_params  # the key is never in the address bar

    ada, anon = join(code, "Ada"), join(code)
    assert "You are in" in texts(ada, "info")[0]
    ok(teacher.run())
    assert f"Class {code}: 2 joined, 0 answered" in texts(teacher, "caption")

    teacher.selectbox(key="class_q_kind").set_value("moves_most")
    ok(teacher.button(key="class_ask").click().run())
    for student in (ada, anon):  # the next poll reruns the page on the new step
        ok(student.run())
        assert any(m.startswith("**Question 1.**") for m in texts(student, "markdown"))
    ok(ada.radio(key="class_answer_1").set_value("MAE").run())
    ok(ada.button(key="class_send_1").click().run())
    ok(ada.radio(key="class_answer_1").set_value("MSE").run())  # changes their mind
    ok(ada.button(key="class_send_1").click().run())
    assert "Your answer now: MSE" in " ".join(texts(ada, "caption"))
    ok(anon.radio(key="class_answer_1").set_value("Huber").run())
    ok(anon.button(key="class_send_1").click().run())
    ok(teacher.run())
    assert f"Class {code}: 2 joined, 2 answered" in texts(teacher, "caption")

    ok(teacher.button(key="class_reveal").click().run())
    assert trace_names(teacher) == ["answers", "true answer"]
    bars = chart(teacher, "class_answers")["data"][0]
    counts = plotly_array(bars["y"]).tolist()
    assert dict(zip(bars["x"], counts, strict=True)) == {"MSE": 1, "MAE": 0, "Huber": 1}
    ok(ada.run())
    assert texts(ada, "success") == ["Your answer: MSE. The true answer: MSE."]
    assert trace_names(ada) == ["answers", "true answer", "your answer"]
    assert not [b for b in ada.button if b.key == "class_send_1"]  # answers are closed

    # Next question: a number. The students follow; the old answer box is gone.
    teacher.selectbox(key="class_q_kind").set_value("slope_mse")
    teacher.number_input(key="class_q_at").set_value(40.0)
    ok(teacher.button(key="class_ask").click().run())
    ok(anon.run())
    assert any(m.startswith("**Question 2.**") for m in texts(anon, "markdown"))
    ok(anon.number_input(key="class_answer_2").set_value(3.5).run())
    ok(anon.button(key="class_send_2").click().run())
    ok(teacher.button(key="class_reveal").click().run())
    assert trace_names(teacher) == ["answers", "true answer"]
    truth = plotly_array(chart(teacher, "class_answers")["data"][1]["x"])[0]
    ok(anon.run())
    assert texts(anon, "success") == [f"Your answer: {escape_markdown('3.5')}. The true answer: "
                                      f"{escape_markdown(f'{truth:.4g}')}."]
    # The live figure that explains it: the lab as the question saw it (the outlier at 40).
    ok(anon.button(key="class_open_lab").click().run())
    assert anon.session_state["reg_shift"] == 40.0
    assert "reg_shift" in {s.key for s in anon.slider}  # the regression page is open
    assert anon.query_params["me"]  # the page switch kept who this page is in the class
    open_page(anon, "classroom")  # and back in the class
    assert texts(anon, "success")[0].startswith("Your answer: 3")
    store = db(data_dir)
    export = store.export_csv(code, key)
    assert export.count("\n") == 4  # a header and three answers
    assert "Ada" not in export
    assert "Ada" in store.export_csv(code, key, nicknames=True)
    store.close()


def test_the_teacher_link_reopens_the_class_and_leaves_the_address_bar(data_dir):
    _, code, key = start_class()
    again = class_page({"class": code, "teacher": key})  # after a browser restart
    assert texts(again, "title") == [code]
    assert "teacher" not in again.query_params
    assert [b.key for b in again.button if b.key == "class_ask"] == ["class_ask"]


@pytest.mark.parametrize("how", ["link", "session"])
def test_a_student_page_cannot_act_as_teacher(data_dir, how):
    teacher, code, key = start_class()
    ok(teacher.button(key="class_ask").click().run())
    student = join(code)
    forged = "A" * len(key) if key != "A" * len(key) else "B" * len(key)
    if how == "link":  # a student edits the join link into a teacher link
        student = class_page({"class": code, "teacher": forged})
    else:  # or sends a key along with its session
        student.session_state[url.TEACHER_KEY] = forged
        ok(student.run())
    assert "This teacher link does not open a class" in " ".join(texts(student, "error"))
    keys = {b.key for b in student.button}
    assert not keys & {"class_reveal", "class_ask", "class_close"}
    assert url.TEACHER_KEY not in student.session_state
    store = db(data_dir)
    state = store.state(code)
    assert (state.step, state.revealed) == (1, False)
    store.close()


def test_wrong_code_and_markup_nickname_are_refused_with_a_message(data_dir):
    _, code, _ = start_class()
    stranger = class_page({"class": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"})
    ok(stranger.button(key="class_join").click().run())
    assert texts(stranger, "error") == [escape_markdown(NO_SUCH_CLASS)]
    assert STUDENT not in stranger.session_state
    sneaky = class_page({"class": code})
    sneaky.text_input(key="class_nickname").input("<b>boss</b>")
    ok(sneaky.button(key="class_join").click().run())
    assert "a nickname is at most" in texts(sneaky, "error")[0]
    assert STUDENT not in sneaky.session_state


def test_a_closed_class_ends_on_every_page(data_dir):
    teacher, code, _ = start_class()
    student = join(code)
    ok(teacher.button(key="class_close").click().run())
    assert texts(teacher, "success") == [
        escape_markdown("The class is closed: its answers are deleted.")]
    ok(student.run())
    assert texts(student, "warning") == ["This class has ended."]


def test_a_mangled_class_link_opens_the_join_form_and_names_what_it_dropped():
    at = class_page({"class": "<script>x</script>", "teacher": "not a key!"})
    assert "teacher" not in at.query_params
    assert "not a teacher key" in " ".join(texts(at, "caption"))
    ok(at.button(key="class_join").click().run())
    assert texts(at, "error") == [escape_markdown(NO_SUCH_CLASS)]
    assert url.TEACHER_KEY not in at.session_state


def test_a_student_page_reopened_from_its_address_is_the_same_student(data_dir):
    teacher, code, _ = start_class()
    ok(teacher.button(key="class_ask").click().run())
    ada = join(code, "Ada")
    ok(ada.number_input(key="class_answer_1").set_value(1.25).run())
    ok(ada.button(key="class_send_1").click().run())
    link = {k: ada.query_params[k] for k in ("class", "me")}  # what the address bar holds
    assert link["class"] == code
    # The server restarts (a new session opens the same address): the same student.
    again = class_page(link)
    assert "Your answer now: 1\\.25" in " ".join(texts(again, "caption"))
    ok(again.number_input(key="class_answer_1").set_value(2.0).run())
    ok(again.button(key="class_send_1").click().run())
    store = db(data_dir)
    state = store.state(code)
    assert (state.joined, state.answered) == (1, 1)
    assert store.results(code, key=teacher.session_state[url.TEACHER_KEY]) == [2.0]
    store.close()


def test_a_forged_student_token_in_the_link_is_not_in_the_class(data_dir):
    _, code, _ = start_class()
    join(code)
    at = class_page({"class": code, "me": "x" * 22})
    assert "This page is not in the class" in " ".join(texts(at, "error"))
    assert "me" not in at.query_params
    assert [b.key for b in at.button if b.key == "class_join"] == ["class_join"]


def test_a_lesson_step_s_question_is_asked_and_revealed_with_lossviz_s_value(data_dir):
    from lossviz import claims
    from lossviz.lessons import step_settings
    from lossviz.ui import lessons, params

    teacher, code, _ = start_class()
    student = join(code)
    ok(teacher.radio(key="class_q_source").set_value("A lesson step's question").run())
    ok(teacher.selectbox(key="class_q_lesson").set_value("mse_outliers").run())
    ok(teacher.selectbox(key="class_q_step").set_value(2).run())  # a number: the outlier's pull
    ok(teacher.button(key="class_ask").click().run())
    ok(student.run())
    assert "outlier pull on the MSE line" in " ".join(texts(student, "markdown"))
    ok(student.number_input(key="class_answer_1").set_value(30.0).run())
    ok(student.button(key="class_send_1").click().run())
    ok(teacher.button(key="class_reveal").click().run())
    step = lessons.catalogue()[0]["mse_outliers"].steps[1]
    truth = claims.compute(step.claim, step_settings(step, params.BY_KEY)).answer
    shown = plotly_array(chart(teacher, "class_answers")["data"][1]["x"])
    assert shown.tolist() == [truth, truth]
    ok(student.run())
    ok(student.button(key="class_open_lab").click().run())  # the step, on its own page
    assert (student.session_state["lesson"], student.session_state["lesson_step"]) == (
        "mse_outliers", 2)
    assert (student.session_state["reg_shift"], student.session_state["reg_place"]) == (
        20.0, "right")
