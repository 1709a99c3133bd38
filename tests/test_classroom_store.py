"""The class store on SQLite and on a real PostgreSQL server that these tests start:
answers stored exactly once, changed until the reveal, teacher actions only with the key,
joins rate-limited, inputs bounded, expiry, several stores on one database, restarts and the
schema's version."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from pg_server import server

from lossviz import limits
from lossviz.classroom import store as store_module
from lossviz.classroom.questions import Question, RegressionState, best_slope, quick_question
from lossviz.classroom.store import (
    CODE_ALPHABET,
    NO_SUCH_CLASS,
    SCHEMA_VERSION,
    AnswersClosed,
    ClassError,
    JoinLimiter,
    NoSuchClass,
    NotTeacher,
    Store,
    TooManyAttempts,
    check_nickname,
    new_code,
)

NUMBER = Question("How steep?", "number", 2.0, unit="slope", low=-10, high=10)
CHOICE = Question("Which moves most?", "choice", "MSE", choices=("MSE", "MAE", "Huber"))


class Clock:
    """An injected clock: seconds since the epoch, moved by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def postgres_url():
    with server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS answers, students, rooms, schema_version"))
    engine.dispose()
    return url


@pytest.fixture
def open_store(db_url):
    """Open a store (a "process") on the test's database; all are closed afterwards."""
    opened: list[Store] = []

    def make(clock=None) -> Store:
        s = Store(db_url, clock=clock or Clock())
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def rows(s: Store, table: str) -> int:
    with s.engine.begin() as conn:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()


def class_with_question(s: Store, question: Question = NUMBER, students: int = 1):
    room = s.create_room(session="teacher")
    tokens = [s.join(room.code, session=f"phone-{i}") for i in range(students)]
    s.ask(room.code, room.key, question)
    return room, tokens


# -- exactly once ----------------------------------------------------------------------------
def test_an_answer_sent_again_and_again_is_stored_once(open_store):
    s = open_store()
    room, (me,) = class_with_question(s)
    for _ in range(5):  # retries and double clicks
        s.answer(room.code, me, 1.5)
    s.answer(room.code, me, "2.5", step=1)
    assert s.state(room.code).answered == 1
    assert rows(s, "answers") == 1
    assert s.results(room.code, key=room.key) == [2.5]


def test_concurrent_answers_from_two_stores_are_each_stored_once(open_store):
    a, b = open_store(), open_store()  # two processes on one database
    room, tokens = class_with_question(a, students=12)
    barrier = threading.Barrier(12)

    def send(i: int) -> None:
        barrier.wait()
        for k in range(3):  # three clicks, the last one counts
            (a if (i + k) % 2 else b).answer(room.code, tokens[i % 12], i / 2 + k / 10)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(send, range(12)))
    assert rows(a, "answers") == 12
    assert sorted(b.results(room.code, key=room.key)) == [i / 2 + 0.2 for i in range(12)]


# -- until the reveal ------------------------------------------------------------------------
def test_an_answer_changes_until_the_reveal_and_not_after(open_store):
    s = open_store()
    room, (me,) = class_with_question(s, CHOICE)
    s.answer(room.code, me, "MAE")
    s.answer(room.code, me, "Huber")
    assert s.my_answer(room.code, me, 1) == "Huber"
    with pytest.raises(AnswersClosed, match="answers show when the teacher reveals"):
        s.results(room.code)  # students see nothing before the reveal
    s.reveal(room.code, room.key)
    with pytest.raises(AnswersClosed, match="revealed"):
        s.answer(room.code, me, "MSE")
    assert s.my_answer(room.code, me, 1) == "Huber"
    assert s.results(room.code) == ["Huber"]
    # The next question opens answers again; an answer meant for the old step is refused.
    assert s.ask(room.code, room.key, NUMBER) == 2
    with pytest.raises(AnswersClosed):
        s.answer(room.code, me, 1.0, step=1)
    s.answer(room.code, me, 1.0, step=2)
    assert s.state(room.code).answered == 1
    assert rows(s, "answers") == 2


def test_no_question_yet_and_strangers_cannot_answer(open_store):
    s = open_store()
    room = s.create_room(session="t")
    me = s.join(room.code, session="p")
    with pytest.raises(AnswersClosed, match="not asked"):
        s.answer(room.code, me, 1.0)
    s.ask(room.code, room.key, NUMBER)
    with pytest.raises(ClassError, match="Join the class first"):
        s.answer(room.code, "forged-token", 1.0)
    assert rows(s, "answers") == 0


@pytest.mark.parametrize(("question", "bad"), [
    (NUMBER, 11.0), (NUMBER, float("nan")), (NUMBER, float("inf")), (NUMBER, "abc"),
    (NUMBER, "1" * 1000), (NUMBER, True), (NUMBER, None), (NUMBER, [1]),
    (CHOICE, "mse"), (CHOICE, "<b>MSE</b>"), (CHOICE, 1.0), (CHOICE, "x" * 10_000),
], ids=["above", "nan", "inf", "text", "huge", "bool", "none", "list", "case", "html",
        "number", "huge-choice"])
def test_an_answer_outside_the_question_is_refused_and_not_stored(open_store, question, bad):
    s = open_store()
    room, (me,) = class_with_question(s, question)
    with pytest.raises(ClassError, match=r"answer with a number|pick one of the choices"):
        s.answer(room.code, me, bad)
    assert rows(s, "answers") == 0


# -- the teacher's key -----------------------------------------------------------------------
def test_teacher_actions_need_the_key_compared_in_constant_time(open_store, monkeypatch):
    s = open_store()
    room, (me,) = class_with_question(s)
    other = s.create_room(session="t2")
    s.answer(room.code, me, 3.0)
    compared = []
    real = store_module.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(store_module.hmac, "compare_digest", spy)
    for key in ("", "wrong", other.key, room.key + "x", me):
        for act in (lambda k: s.ask(room.code, k, CHOICE), lambda k: s.reveal(room.code, k),
                    lambda k: s.export_csv(room.code, k), lambda k: s.close_room(room.code, k),
                    lambda k: s.results(room.code, key=k)):
            with pytest.raises(NotTeacher, match="Only the teacher"):
                act(key)
        assert not s.is_teacher(room.code, key)
    for act in (s.ask, s.reveal):
        with pytest.raises(NotTeacher):
            act(room.code, None, *([CHOICE] if act == s.ask else []))
    assert len(compared) == 5 * 6 + 2
    assert all(len(a) == len(b) == 64 for a, b in compared)  # hashes, not the keys
    state = s.state(room.code)
    assert (state.step, state.revealed, state.answered) == (1, False, 1)  # nothing changed
    assert s.is_teacher(room.code.lower(), room.key)


def test_only_the_hash_of_the_key_is_stored(open_store):
    s = open_store()
    room = s.create_room(session="t")
    with s.engine.begin() as conn:
        stored = conn.execute(sa.text("SELECT teacher_hash FROM rooms")).scalar()
    assert stored == store_module.hash_key(room.key)
    assert room.key not in stored
    assert len(room.key) >= 32  # 192 random bits


def test_closing_a_class_deletes_it_with_its_answers(open_store):
    s = open_store()
    room, (me,) = class_with_question(s)
    s.answer(room.code, me, 1.0)
    s.close_room(room.code, room.key)
    assert [rows(s, t) for t in ("rooms", "students", "answers")] == [0, 0, 0]
    with pytest.raises(NoSuchClass):
        s.state(room.code)


# -- codes and joining -----------------------------------------------------------------------
def test_codes_are_short_and_unambiguous():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) > 1990
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_a_wrong_code_says_only_that_and_an_expired_one_the_same(open_store):
    clock = Clock()
    s = open_store(clock)
    room = s.create_room(session="t")
    with pytest.raises(NoSuchClass) as wrong:
        s.join("ZZZZZ9" if room.code != "ZZZZZ9" else "ZZZZZ8", session="p")
    assert str(wrong.value) == NO_SUCH_CLASS
    clock.now += limits.CLASS_HOURS * 3600 + 1
    with pytest.raises(NoSuchClass) as expired:
        s.join(room.code, session="p2")
    assert str(expired.value) == NO_SUCH_CLASS
    # Typed in lower case with a space or dash: the same code.
    fresh = s.create_room(session="t")
    s.join(f"{fresh.code[:3].lower()}-{fresh.code[3:]} ", session="p3")


def test_guessing_codes_is_rate_limited_per_session_and_per_process(open_store):
    clock = Clock()
    s = open_store(clock)
    room = s.create_room(session="t")
    for i in range(limits.MAX_JOINS_PER_SESSION):
        with pytest.raises(NoSuchClass):
            s.join(f"AAAA{CODE_ALPHABET[i]}{CODE_ALPHABET[i]}", session="guesser")
    with pytest.raises(TooManyAttempts, match="wait a minute"):
        s.join(room.code, session="guesser")  # even the right code, for a while
    s.join(room.code, session="someone else")
    clock.now += 61
    s.join(room.code, session="guesser")
    # Many sessions guessing together: the process stops taking wrong codes for a minute.
    for i in range(limits.MAX_WRONG_CODES):
        with pytest.raises(NoSuchClass):
            s.join("AAAAAA", session=f"bot-{i}")
    with pytest.raises(TooManyAttempts):
        s.join(room.code, session="fresh")
    assert rows(s, "students") == 2


def test_the_room_limit_counts_joins_into_one_room():
    clock = Clock()
    limiter = JoinLimiter(clock)
    for i in range(limits.MAX_JOINS_PER_ROOM):
        limiter.check(f"s{i}", "ABCDEF")
    with pytest.raises(TooManyAttempts, match="Many students are joining"):
        limiter.check("late", "ABCDEF")
    limiter.check("late", "GHJKMN")
    clock.now += 61
    limiter.check("late", "ABCDEF")


@pytest.mark.parametrize("nickname", [
    "x" * (limits.MAX_NICKNAME + 1), "<b>Ada</b>", "<script>alert(1)</script>", "**Ada**",
    "[Ada](https://evil.example)", "=HYPERLINK(\"x\")", "-Ada", "Ada\nLovelace", "Ada\u202e",
    ":red[Ada]", "$x^2$", "Ada`", "_Ada_",
], ids=["long", "html", "script", "bold", "link", "formula", "dash", "newline", "bidi",
        "directive", "latex", "backtick", "underscores"])
def test_a_nickname_with_markup_or_too_long_is_refused_and_nothing_stored(open_store, nickname):
    s = open_store()
    room = s.create_room(session="t")
    with pytest.raises(ClassError, match="a nickname is at most"):
        s.join(room.code, session="p", nickname=nickname)
    assert rows(s, "students") == 0


def test_plain_nicknames_are_kept_as_typed():
    assert check_nickname("  Zoë K. O'Neil-Smith ") == "Zoë K. O'Neil-Smith"
    assert check_nickname("") is None
    assert check_nickname(None) is None
    assert check_nickname("x" * limits.MAX_NICKNAME) == "x" * limits.MAX_NICKNAME


def test_a_class_and_a_teacher_session_are_bounded(open_store, monkeypatch):
    s, other_process = open_store(), open_store()
    started = [s.create_room(session="busy teacher")
               for _ in range(limits.MAX_ROOMS_PER_SESSION)]
    with pytest.raises(ClassError, match="already started"):
        other_process.create_room(session="busy teacher")  # counted in the database
    s.close_room(started[0].code, started[0].key)
    s.create_room(session="busy teacher")  # an ended class frees its place
    monkeypatch.setattr(limits, "MAX_STUDENTS", 3)
    room = s.create_room(session="another teacher")
    for i in range(3):
        s.join(room.code, session=f"p{i}")
    with pytest.raises(ClassError, match=r"full \(3 students\)"):
        s.join(room.code, session="p3")
    monkeypatch.setattr(limits, "MAX_OPEN_ROOMS", rows(s, "rooms"))
    with pytest.raises(ClassError, match="as many open classes"):
        s.create_room(session="third teacher")


# -- time, processes and restarts ------------------------------------------------------------
def test_expired_classes_are_deleted_with_their_answers(open_store):
    clock = Clock()
    s = open_store(clock)
    old, (me,) = class_with_question(s)
    s.answer(old.code, me, 1.0)
    clock.now += 6 * 3600
    young = s.create_room(session="t2")
    assert s.purge_expired(clock.now + limits.CLASS_HOURS * 3600 - 6 * 3600 + 1) == 1
    assert [rows(s, t) for t in ("rooms", "students", "answers")] == [1, 0, 0]
    s.state(young.code)
    with pytest.raises(NoSuchClass):
        s.state(old.code)


def test_an_expired_class_is_gone_even_before_the_purge(open_store):
    clock = Clock()
    s = open_store(clock)
    room, (me,) = class_with_question(s)
    clock.now += limits.CLASS_HOURS * 3600
    for act in (lambda: s.state(room.code), lambda: s.answer(room.code, me, 1.0),
                lambda: s.reveal(room.code, room.key)):
        with pytest.raises(NoSuchClass):
            act()
    assert not s.is_student(room.code, me)
    s.create_room(session="t2")
    assert rows(s, "answers") == 0


def test_two_stores_on_one_database_share_one_class(open_store):
    teacher, student = open_store(), open_store()
    room = teacher.create_room(session="t")
    me = student.join(room.code, session="p", nickname="Ada")
    assert teacher.state(room.code).joined == 1
    teacher.ask(room.code, room.key, CHOICE)
    assert student.state(room.code).question == CHOICE
    student.answer(room.code, me, "MAE")
    assert teacher.state(room.code).answered == 1
    teacher.reveal(room.code, room.key)
    assert student.state(room.code).revealed
    with pytest.raises(AnswersClosed):
        student.answer(room.code, me, "MSE")


def test_a_restarted_server_loses_nothing(open_store):
    before = open_store()
    room, tokens = class_with_question(before, students=3)
    for i, t in enumerate(tokens):
        before.answer(room.code, t, float(i))
    before.close()  # the process ends
    after = open_store()
    state = after.state(room.code)
    assert (state.step, state.question, state.joined, state.answered) == (1, NUMBER, 3, 3)
    assert after.is_student(room.code.lower(), tokens[0])  # a reconnecting page's token
    assert not after.is_student(room.code, "forged-token")
    after.answer(room.code, tokens[0], 9.0)  # its students carry on
    after.reveal(room.code, room.key)
    assert sorted(after.results(room.code)) == [1.0, 2.0, 9.0]


def test_a_database_from_a_newer_lossviz_is_refused(open_store, db_url):
    s = open_store()
    with s.engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = :v"),
                     {"v": SCHEMA_VERSION + 1})
    with pytest.raises(RuntimeError, match="newer than this lossviz knows"):
        Store(db_url)


# A version-1 file as lossviz 0.1 wrote it, in plain SQL: opening it must keep its class.
V1_SQL = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE rooms (code VARCHAR(6) NOT NULL PRIMARY KEY, teacher_hash VARCHAR(64) NOT NULL,
  teacher_session VARCHAR(64) NOT NULL, created FLOAT NOT NULL, expires FLOAT NOT NULL,
  step INTEGER NOT NULL, question TEXT, revealed BOOLEAN NOT NULL);
CREATE INDEX ix_rooms_expires ON rooms (expires);
CREATE INDEX ix_rooms_teacher_session ON rooms (teacher_session);
CREATE TABLE students (room VARCHAR(6) NOT NULL, token VARCHAR(64) NOT NULL,
  number INTEGER NOT NULL, nickname VARCHAR(24), joined FLOAT NOT NULL, PRIMARY KEY (room, token));
CREATE TABLE answers (room VARCHAR(6) NOT NULL, step INTEGER NOT NULL,
  student VARCHAR(64) NOT NULL, number FLOAT, choice TEXT, answered FLOAT NOT NULL,
  question TEXT NOT NULL, CONSTRAINT one_answer UNIQUE (room, step, student));
"""


def test_an_existing_version_1_file_opens_with_its_class(tmp_path):
    path = tmp_path / "classes.sqlite3"
    now = 1_800_000_000.0
    with sqlite3.connect(path) as db:
        db.executescript(V1_SQL)
        db.execute("INSERT INTO rooms VALUES ('ABCDEF', ?, 's', ?, ?, 1, ?, 0)",
                   (store_module.hash_key("k"), now, now + 3600, NUMBER.to_json()))
        db.execute("INSERT INTO students VALUES ('ABCDEF', 'tok', 1, NULL, ?)", (now,))
    db.close()
    s = Store(f"sqlite:///{path}", clock=Clock(now + 10))
    assert s.version == SCHEMA_VERSION
    assert s.state("ABCDEF").question == NUMBER
    s.answer("ABCDEF", "tok", 2.0)
    s.answer("ABCDEF", "tok", 3.0)
    assert s.results("ABCDEF", key="k") == [3.0]
    s.close()


def test_the_sqlite_file_is_in_wal_mode_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LOSSVIZ_DATABASE_URL", raising=False)
    s = Store()
    s.create_room(session="t")
    s.close()
    path = tmp_path / "data" / "classes.sqlite3"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


# -- the export ------------------------------------------------------------------------------
def test_the_export_is_anonymous_unless_the_teacher_shows_nicknames(open_store):
    s = open_store()
    room = s.create_room(session="t")
    ada = s.join(room.code, session="p1", nickname="Ada")
    anon = s.join(room.code, session="p2")
    s.ask(room.code, room.key, NUMBER)
    s.answer(room.code, ada, -1.5)
    s.clock.now += 1
    s.answer(room.code, anon, 2.0)
    s.reveal(room.code, room.key)
    s.ask(room.code, room.key, CHOICE)
    s.answer(room.code, ada, "MAE")
    table = list(csv.DictReader(io.StringIO(s.export_csv(room.code, room.key), newline="")))
    assert [(r["step"], r["student"], r["answer"]) for r in table] == [
        ("1", "student 1", "-1.5"), ("1", "student 2", "2.0"), ("2", "student 1", "MAE")]
    assert {r["truth"] for r in table} == {"2.0", "MSE"}
    assert "Ada" not in s.export_csv(room.code, room.key)
    named = s.export_csv(room.code, room.key, nicknames=True)
    assert [r["student"] for r in csv.DictReader(io.StringIO(named, newline=""))] == [
        "Ada", "student 2", "Ada"]


def test_text_a_spreadsheet_would_run_is_written_as_text():
    assert store_module._cell("=1+1") == "'=1+1"
    assert store_module._cell("@SUM(A1)") == "'@SUM(A1)"
    assert store_module._cell("Ada") == "Ada"
    assert store_module._cell(-1.5) == -1.5


# -- questions -------------------------------------------------------------------------------
def test_quick_questions_carry_lossviz_s_exact_answers():
    state = RegressionState(shift=20.0)
    q = quick_question("slope_mse", state, at=40.0)
    assert q.kind == "number"
    assert q.truth == round(best_slope(state, "mse", 40.0), 2)
    assert "40" in q.prompt
    assert q.check_answer("1.5") == 1.5
    moves = quick_question("moves_most", state, at=40.0)
    assert moves.truth == "MSE"  # the squared loss follows the outlier; MAE hardly moves
    assert Question.from_json(moves.to_json()) == moves
    with pytest.raises(ValueError, match="within ±60"):
        quick_question("slope_mse", state, at=1000.0)
    with pytest.raises(ValueError, match="turn the lab's outliers on"):
        quick_question("slope_mae", RegressionState(outliers=0), at=40.0)


def test_a_question_checks_itself():
    with pytest.raises(ValueError, match="kind is one of"):
        Question("?", "essay", 1.0)
    with pytest.raises(ValueError, match="not one of the choices"):
        Question("?", "choice", "C", choices=("A", "B"))
    with pytest.raises(ValueError, match="2 to 6 different choices"):
        Question("?", "choice", "A", choices=("A",))
    with pytest.raises(ValueError, match="U\\+000A"):
        Question("a\nb", "number", 1.0)


def test_every_lesson_question_can_be_asked_of_a_class():
    from lossviz import claims
    from lossviz.classroom.questions import lesson_question
    from lossviz.lessons import load_lessons, step_settings
    from lossviz.ui import params, url

    lessons, problems = load_lessons(registry=params.BY_KEY, sections=url.SECTIONS)
    assert not problems
    asked = 0
    for lesson in lessons.values():
        for step in lesson.steps:
            if step.ask is None:
                with pytest.raises(ValueError, match="asks nothing"):
                    lesson_question(step)
                continue
            truth = (claims.compute(step.claim, step_settings(step, params.BY_KEY)).answer
                     if step.ask.kind == "number" else None)
            q = lesson_question(step, truth)
            assert q.prompt == step.question
            assert q.explanation == step.answer
            if q.kind == "choice":
                assert q.truth == step.ask.choices[step.ask.correct]
            else:
                assert q.truth == truth
                assert (q.low, q.high, q.unit) == (step.ask.low, step.ask.high, step.ask.unit)
            asked += 1
    assert asked >= 10


def test_on_sqlite_a_poll_reads_while_a_writer_holds_the_lock(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'classes.sqlite3'}")
    room, _ = class_with_question(s)
    got = []
    with s.engine.begin() as writer:  # BEGIN IMMEDIATE: the write lock, held
        writer.execute(sa.text("UPDATE rooms SET step = step"))
        poll = threading.Thread(target=lambda: got.append(s.state(room.code).joined))
        poll.start()
        poll.join(timeout=5)  # a poll taking the write lock would wait 30 s here
        assert got == [1]
    s.close()
