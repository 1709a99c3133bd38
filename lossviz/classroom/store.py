"""Where a class lives: rooms, students and answers in a database (SQLAlchemy Core).

SQLite by default, a file ``classes.sqlite3`` in the data directory (``LOSSVIZ_DATA_DIR``,
else ``$XDG_DATA_HOME/lossviz``, else ``~/.local/share/lossviz``), in WAL mode so readers
never wait for a writer; PostgreSQL (psycopg 3) when ``LOSSVIZ_DATABASE_URL`` is set, for a
course served by several processes or machines. One code path for both; every query is built
by SQLAlchemy with bound parameters; the schema carries its version (``schema_version``) and
``_upgrade`` brings an older database up to ``SCHEMA_VERSION`` when a store opens it.

Security, in one place:
- A room's teacher key is 192 random bits (``secrets``); only its SHA-256 is stored (a key
  that random needs no slow hash: nobody can guess it to test against the hash), and it is
  checked with ``hmac.compare_digest`` on the hashes. Every teacher action takes the key.
- Room codes are 6 characters from 31 that cannot be misread aloud or on a projector (no
  0/O, 1/I/L), drawn with ``secrets``: 31^6 (about 887 million) codes.
- Joins are rate-limited in this process's memory (``JoinLimiter``): per browser session,
  per room, and wrong codes per process. Behind several processes each keeps its own
  counts, so the limits hold per process. A wrong code says only that there is no such class.
- Every input is bounded (``lossviz.limits``): nicknames (length and characters: letters,
  digits, spaces and ``. ' _ -``, starting with a letter or digit), answers (the question's
  range or its choices), rooms per teacher session, students per room, open rooms.

Pure Python: no streamlit import. Time comes from an injected clock (``clock=``), so expiry
and rate limits are tested without sleeping.

Example::

    store = Store("sqlite:///:memory:")
    room = store.create_room(session="teacher-tab")
    me = store.join(room.code, session="phone-1", nickname="Ada")
    store.ask(room.code, room.key, Question("2 + 2?", "number", 4.0, low=0, high=10))
    store.answer(room.code, me, 4)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lossviz import limits
from lossviz.classroom.questions import Question
from lossviz.textsafe import csv_text

SCHEMA_VERSION = 1
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 6
NO_SUCH_CLASS = "No class with that code: check the code on the projector."
NICKNAME_RULE = (f"a nickname is at most {limits.MAX_NICKNAME} characters: letters, digits, "
                 "spaces and . ' _ -, starting with a letter or digit")
_NICKNAME = re.compile(r"[^\W_][\w .'\-]*")  # \w: Unicode letters, digits and _

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)
rooms = sa.Table(
    "rooms", metadata,
    sa.Column("code", sa.String(CODE_LENGTH), primary_key=True),
    sa.Column("teacher_hash", sa.String(64), nullable=False),  # sha256 hex of the key
    # sha256 hex of the starting browser session's token: open classes per session are
    # counted here, so the bound holds across processes and a closed class frees its place.
    sa.Column("teacher_session", sa.String(64), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("expires", sa.Float, nullable=False, index=True),
    sa.Column("step", sa.Integer, nullable=False, default=0),  # 0: no question asked yet
    sa.Column("question", sa.Text, nullable=True),  # Question.to_json()
    sa.Column("revealed", sa.Boolean, nullable=False, default=False),
)
students = sa.Table(
    "students", metadata,
    sa.Column("room", sa.String(CODE_LENGTH), nullable=False),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, ... in the order they joined
    sa.Column("nickname", sa.String(limits.MAX_NICKNAME), nullable=True),
    sa.Column("joined", sa.Float, nullable=False),
    sa.PrimaryKeyConstraint("room", "token"),
)
answers = sa.Table(
    "answers", metadata,
    sa.Column("room", sa.String(CODE_LENGTH), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("number", sa.Float, nullable=True),  # a number answer
    sa.Column("choice", sa.Text, nullable=True),  # or a choice answer
    sa.Column("answered", sa.Float, nullable=False),
    sa.Column("question", sa.Text, nullable=False),  # the question answered, for the export
    # One answer per student and question: a retry or a double click updates it.
    sa.UniqueConstraint("room", "step", "student", name="one_answer"),
)


class ClassError(ValueError):
    """A request the class store refuses; the message says why, for the person who asked."""


class NoSuchClass(ClassError):
    """No open class has that code (or it expired)."""


class NotTeacher(ClassError, PermissionError):
    """A teacher action without the room's teacher key."""


class TooManyAttempts(ClassError):
    """Too many join attempts: wait a minute."""


class AnswersClosed(ClassError):
    """The question was revealed (or replaced): answers can no longer change."""


@dataclass(frozen=True)
class NewRoom:
    """A class just started: its code and the teacher key (shown once, never stored)."""

    code: str
    key: str


@dataclass(frozen=True)
class RoomState:
    """What a page shows of a class: the step, its question, whether it is revealed, and
    how many joined and answered it."""

    code: str
    created: float
    expires: float
    step: int
    question: Question | None
    revealed: bool
    joined: int
    answered: int


def hash_key(key: str) -> str:
    """SHA-256 of a teacher key, as hex (what the store keeps)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A random room code: ``CODE_LENGTH`` characters of ``CODE_ALPHABET``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes between) in its canonical form."""
    return re.sub(r"[\s\-]", "", str(text)[:40]).upper()


def check_nickname(nickname: str | None) -> str | None:
    """``nickname`` stripped (None or empty: no nickname), or ``ClassError`` with the rule."""
    if nickname is None:
        return None
    if not isinstance(nickname, str):
        raise ClassError(NICKNAME_RULE)
    nickname = nickname.strip()
    if not nickname:
        return None
    if len(nickname) > limits.MAX_NICKNAME or not _NICKNAME.fullmatch(nickname):
        raise ClassError(NICKNAME_RULE)
    return nickname


def data_dir() -> Path:
    """Where the SQLite file lives: ``LOSSVIZ_DATA_DIR``, else the XDG data directory."""
    chosen = os.environ.get("LOSSVIZ_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "lossviz"


def database_url() -> str:
    """``LOSSVIZ_DATABASE_URL`` if set (PostgreSQL), else the SQLite file in ``data_dir()``."""
    url = os.environ.get("LOSSVIZ_DATABASE_URL")
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'classes.sqlite3'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with transactions that take the write lock
    at BEGIN (so two writers never deadlock upgrading a read lock; a connection with the
    execution option ``lossviz_read=True`` begins a plain read transaction instead), or
    PostgreSQL through psycopg 3 (a plain ``postgresql://`` URL gets that driver)."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": 30,
                                                        "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event does BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints in WAL
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A reader (the polls) needs no lock in WAL mode: a plain BEGIN reads a snapshot.
            read = conn.get_execution_options().get("lossviz_read", False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the class store runs on SQLite or PostgreSQL; got {parsed.drivername}")
    return sa.create_engine(parsed, pool_pre_ping=True)


# -- schema versions ----------------------------------------------------------------------------
def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[rooms, students, answers])


# version -> the function that brings a database at that version to the next one. Add
# ``2: _v1_to_v2`` with SCHEMA_VERSION = 2 when the schema changes; tests open a v1 file.
_UPGRADES: dict[int, Callable[[Connection], None]] = {}


def _upgrade(conn: Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION`` (creating it when empty); its version."""
    if conn.dialect.name == "postgresql":  # two processes starting at once: one creates
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7451)"))
    metadata.create_all(conn, tables=[schema_version])
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    if found is None:
        _create_v1(conn)
        conn.execute(schema_version.insert().values(version=1))
        found = 1
    if found > SCHEMA_VERSION:
        raise RuntimeError(f"the class database is at schema version {found}, newer than this "
                           f"lossviz knows ({SCHEMA_VERSION}): upgrade lossviz")
    while found < SCHEMA_VERSION:
        _UPGRADES[found + 1](conn)
        found += 1
        conn.execute(schema_version.update().values(version=found))
    return found


# -- rate limits --------------------------------------------------------------------------------
class JoinLimiter:
    """Sliding one-minute windows of join attempts, in this process's memory.

    ``check(session, code)`` raises ``TooManyAttempts`` when the session made
    ``MAX_JOINS_PER_SESSION`` attempts in the last minute or the room had
    ``MAX_JOINS_PER_ROOM``, then counts the attempt; ``wrong_code()`` counts a wrong code
    towards ``MAX_WRONG_CODES`` for the whole process, which ``check`` also enforces.
    """

    WINDOW = 60.0

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_session: dict[str, deque[float]] = {}
        self._by_room: dict[str, deque[float]] = {}
        self._wrong: deque[float] = deque()

    def _recent(self, times: deque[float], now: float) -> int:
        while times and times[0] <= now - self.WINDOW:
            times.popleft()
        return len(times)

    def _forget_idle(self, table: dict[str, deque[float]], now: float) -> None:
        if len(table) > 10_000:  # keep memory bounded whoever calls
            for k in [k for k, v in table.items() if self._recent(v, now) == 0]:
                del table[k]

    def check(self, session: str, code: str) -> None:
        now = self._clock()
        with self._lock:
            mine = self._by_session.setdefault(session, deque())
            room = self._by_room.setdefault(code, deque())
            if (self._recent(mine, now) >= limits.MAX_JOINS_PER_SESSION
                    or self._recent(self._wrong, now) >= limits.MAX_WRONG_CODES):
                raise TooManyAttempts("Too many tries to join: wait a minute, then try again.")
            if self._recent(room, now) >= limits.MAX_JOINS_PER_ROOM:
                raise TooManyAttempts("Many students are joining this class right now: "
                                      "try again in a minute.")
            mine.append(now)
            room.append(now)
            self._forget_idle(self._by_session, now)
            self._forget_idle(self._by_room, now)

    def wrong_code(self) -> None:
        with self._lock:
            self._wrong.append(self._clock())


# -- the store ----------------------------------------------------------------------------------
class Store:
    """Classes in one database. Several stores (processes) may share a database.

    ``url``: a SQLAlchemy URL (``database_url()`` when None); ``clock``: seconds since the
    epoch (``time.time``).
    """

    def __init__(self, url: str | None = None, *, clock: Callable[[], float] = time.time
                 ) -> None:
        self.url = url or database_url()
        self.clock = clock
        self.engine = make_engine(self.url)
        # Read-only transactions (the polls, the checks): on SQLite they take no write lock.
        self.reader = self.engine.execution_options(lossviz_read=True)
        self.limiter = JoinLimiter(clock)
        with self.engine.begin() as conn:
            self.version = _upgrade(conn)
        self.purge_expired()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- housekeeping -------------------------------------------------------------------------
    def purge_expired(self, now: float | None = None) -> int:
        """Delete the rooms that expired by ``now`` with their students and answers; how many."""
        now = self.clock() if now is None else now
        with self.engine.begin() as conn:
            return self._purge(conn, now)

    @staticmethod
    def _purge(conn: Connection, now: float) -> int:
        old = sa.select(rooms.c.code).where(rooms.c.expires <= now).scalar_subquery()
        conn.execute(answers.delete().where(answers.c.room.in_(old)))
        conn.execute(students.delete().where(students.c.room.in_(old)))
        return conn.execute(rooms.delete().where(rooms.c.expires <= now)).rowcount

    def _room_row(self, conn: Connection, code: str, *, lock: str | None = None):
        query = sa.select(rooms).where(rooms.c.code == code, rooms.c.expires > self.clock())
        if lock is not None:  # PostgreSQL row locks; SQLite's BEGIN IMMEDIATE already serialises
            query = query.with_for_update(read=lock == "share")
        row = conn.execute(query).mappings().first()
        if row is None:
            raise NoSuchClass(NO_SUCH_CLASS)
        return row

    def _teacher_row(self, conn: Connection, code: str, key: str, *, lock: bool = True):
        row = self._room_row(conn, normalise_code(code), lock="update" if lock else None)
        given = hash_key(key if isinstance(key, str) else "")
        if not hmac.compare_digest(given, row["teacher_hash"]):
            raise NotTeacher("Only the teacher of this class can do that (the teacher link "
                             "holds the key).")
        return row

    # -- teacher ------------------------------------------------------------------------------
    def create_room(self, *, session: str) -> NewRoom:
        """Start a class for the teacher's browser ``session``: a new code and teacher key.

        At most ``MAX_ROOMS_PER_SESSION`` open classes per session and ``MAX_OPEN_ROOMS``
        open on the database.
        """
        now = self.clock()
        key = secrets.token_urlsafe(24)
        starter = hash_key(str(session))
        with self.engine.begin() as conn:
            self._purge(conn, now)
            mine = conn.execute(sa.select(sa.func.count()).select_from(rooms).where(
                rooms.c.teacher_session == starter)).scalar()
            if mine >= limits.MAX_ROOMS_PER_SESSION:
                raise ClassError(f"This browser already started {limits.MAX_ROOMS_PER_SESSION} "
                                 "classes: use one of them (its teacher link) or end one.")
            if conn.execute(sa.select(sa.func.count()).select_from(rooms)).scalar() >= \
                    limits.MAX_OPEN_ROOMS:
                raise ClassError("This server has as many open classes as it takes: try again "
                                 "later, or ask its administrator.")
            taken = set(conn.execute(sa.select(rooms.c.code)).scalars())
            code = new_code()
            while code in taken:
                code = new_code()
            conn.execute(rooms.insert().values(
                code=code, teacher_hash=hash_key(key), teacher_session=starter, created=now,
                expires=now + limits.CLASS_HOURS * 3600.0, step=0, question=None,
                revealed=False))
        return NewRoom(code, key)

    def is_teacher(self, code: str, key: str) -> bool:
        """Does ``key`` open class ``code`` as its teacher? (False for no such class.)"""
        try:
            with self.reader.begin() as conn:
                self._teacher_row(conn, code, key, lock=False)
        except ClassError:
            return False
        return True

    def ask(self, code: str, key: str, question: Question) -> int:
        """Move the class to a new step asking ``question``; the new step's number."""
        if not isinstance(question, Question):
            raise ClassError("ask takes a Question")
        with self.engine.begin() as conn:
            row = self._teacher_row(conn, code, key)
            step = row["step"] + 1
            conn.execute(rooms.update().where(rooms.c.code == row["code"]).values(
                step=step, question=question.to_json(), revealed=False))
        return step

    def reveal(self, code: str, key: str) -> None:
        """Reveal the current question: answers are final from now on."""
        with self.engine.begin() as conn:
            row = self._teacher_row(conn, code, key)
            if row["question"] is None:
                raise ClassError("Ask a question before revealing it.")
            conn.execute(rooms.update().where(rooms.c.code == row["code"]).values(
                revealed=True))

    def close_room(self, code: str, key: str) -> None:
        """End the class now: the room, its students and its answers are deleted."""
        with self.engine.begin() as conn:
            row = self._teacher_row(conn, code, key)
            conn.execute(answers.delete().where(answers.c.room == row["code"]))
            conn.execute(students.delete().where(students.c.room == row["code"]))
            conn.execute(rooms.delete().where(rooms.c.code == row["code"]))

    def export_csv(self, code: str, key: str, *, nicknames: bool = False) -> str:
        """Every answer of the class as CSV: step, question, kind, truth, student, answer,
        seconds after the class started. Students are numbered in the order they joined
        unless ``nicknames`` (then their nickname, if they gave one). Text cells that a
        spreadsheet would run as a formula start with an apostrophe."""
        with self.reader.begin() as conn:
            row = self._teacher_row(conn, code, key, lock=False)
            joined = conn.execute(
                sa.select(students.c.token, students.c.number, students.c.nickname)
                .where(students.c.room == row["code"])).all()
            rows = conn.execute(
                sa.select(answers).where(answers.c.room == row["code"])
                .order_by(answers.c.step, answers.c.answered, answers.c.student)
            ).mappings().all()
        number = {token: n for token, n, _ in joined}
        names = {token: name for token, _, name in joined}
        cols: dict[str, list] = {k: [] for k in ("step", "question", "kind", "truth",
                                                 "student", "answer", "seconds")}
        for a in rows:
            q = Question.from_json(a["question"])
            who = (names.get(a["student"]) if nicknames else None) \
                or f"student {number.get(a['student'], 0)}"
            cols["step"].append(a["step"])
            cols["question"].append(_cell(q.prompt))
            cols["kind"].append(q.kind)
            cols["truth"].append(_cell(q.truth))
            cols["student"].append(_cell(who))
            cols["answer"].append(_cell(a["choice"]) if a["choice"] is not None
                                  else a["number"])
            cols["seconds"].append(round(a["answered"] - row["created"], 1))
        return csv_text(cols)

    # -- student ------------------------------------------------------------------------------
    def join(self, code: str, *, session: str, nickname: str | None = None) -> str:
        """Join class ``code`` from browser ``session``: the student's token (keep it to
        answer). Rate-limited (``JoinLimiter``); ``NoSuchClass`` says only that the code is
        wrong; at most ``MAX_STUDENTS`` per class."""
        nickname = check_nickname(nickname)
        code = normalise_code(code)
        self.limiter.check(str(session), code[:CODE_LENGTH])
        self.purge_expired()
        token = secrets.token_urlsafe(16)
        try:
            with self.engine.begin() as conn:
                row = self._room_row(conn, code, lock="update")
                count = conn.execute(sa.select(sa.func.count()).select_from(students)
                                     .where(students.c.room == row["code"])).scalar()
                if count >= limits.MAX_STUDENTS:
                    raise ClassError(f"This class is full ({limits.MAX_STUDENTS} students).")
                # The room's row is locked (or SQLite's write lock held): numbers never repeat.
                conn.execute(students.insert().values(room=row["code"], token=token,
                                                      number=count + 1, nickname=nickname,
                                                      joined=self.clock()))
        except NoSuchClass:
            self.limiter.wrong_code()
            raise
        return token

    def answer(self, code: str, student: str, value: object, *, step: int | None = None
               ) -> float | str:
        """Store (or change) ``student``'s answer to the current question; the stored value.

        ``step``: the step the student's page showed; an answer to an older step is refused,
        as is any answer after the reveal. Stored once per student and step however often it
        is sent (an upsert on the unique (room, step, student)).
        """
        code = normalise_code(code)
        with self.engine.begin() as conn:
            # A shared lock on the room: answers go on side by side, a reveal (an update)
            # waits for them and they for it, so no answer lands after the reveal.
            row = self._room_row(conn, code, lock="share")
            known = conn.execute(sa.select(students.c.token).where(
                students.c.room == code, students.c.token == str(student))).first()
            if known is None:
                raise ClassError("Join the class first (this page is not in the class).")
            if row["question"] is None:
                raise AnswersClosed("The teacher has not asked a question yet.")
            if row["revealed"] or (step is not None and step != row["step"]):
                raise AnswersClosed("Answers are closed: the teacher revealed this question.")
            question = Question.from_json(row["question"])
            try:
                value = question.check_answer(value)
            except ValueError as err:
                raise ClassError(str(err)) from None
            values = dict(room=code, step=row["step"], student=str(student),
                          number=None if isinstance(value, str) else value,
                          choice=value if isinstance(value, str) else None,
                          answered=self.clock(), question=row["question"])
            conn.execute(_upsert(conn, values))
        return value

    def is_student(self, code: str, student: str) -> bool:
        """Is ``student`` (a token from ``join``) in the open class ``code``?"""
        code = normalise_code(code)
        with self.reader.begin() as conn:
            found = conn.execute(sa.select(students.c.token).join(
                rooms, rooms.c.code == students.c.room).where(
                students.c.room == code, students.c.token == str(student),
                rooms.c.expires > self.clock())).first()
        return found is not None

    def my_answer(self, code: str, student: str, step: int) -> float | str | None:
        """``student``'s stored answer at ``step``, or None."""
        with self.reader.begin() as conn:
            row = conn.execute(sa.select(answers.c.number, answers.c.choice).where(
                answers.c.room == normalise_code(code), answers.c.step == step,
                answers.c.student == str(student))).first()
        if row is None:
            return None
        return row.choice if row.choice is not None else row.number

    # -- everyone -----------------------------------------------------------------------------
    def state(self, code: str) -> RoomState:
        """The class as a page shows it (what every page polls)."""
        code = normalise_code(code)
        with self.reader.begin() as conn:
            row = self._room_row(conn, code)
            joined = conn.execute(sa.select(sa.func.count()).select_from(students)
                                  .where(students.c.room == code)).scalar()
            answered = conn.execute(sa.select(sa.func.count()).select_from(answers).where(
                answers.c.room == code, answers.c.step == row["step"])).scalar()
        return RoomState(code=code, created=row["created"], expires=row["expires"],
                         step=row["step"],
                         question=None if row["question"] is None
                         else Question.from_json(row["question"]),
                         revealed=bool(row["revealed"]), joined=joined, answered=answered)

    def results(self, code: str, *, key: str | None = None) -> list[float | str]:
        """The current question's answers (anonymous, in the order given): to everyone once
        revealed, before that only to the teacher (``key``)."""
        code = normalise_code(code)
        with self.reader.begin() as conn:
            if key is not None:
                row = self._teacher_row(conn, code, key, lock=False)
            else:
                row = self._room_row(conn, code)
                if not row["revealed"]:
                    raise AnswersClosed("The answers show when the teacher reveals them.")
            got = conn.execute(sa.select(answers.c.number, answers.c.choice).where(
                answers.c.room == code, answers.c.step == row["step"])
                .order_by(answers.c.answered)).all()
        return [c if c is not None else n for n, c in got]


def _upsert(conn: Connection, values: dict):
    """INSERT ... ON CONFLICT (room, step, student) DO UPDATE: both dialects spell it alike."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(answers).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=["room", "step", "student"],
        set_={k: stmt.excluded[k] for k in ("number", "choice", "answered")})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) behind an
    apostrophe, which spreadsheets show as text; numbers as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
