"""Guided lessons: short sequences of steps kept as TOML files in ``assets/lessons/``.

Each step sets some controls (UI parameters from the ``lossviz.state`` registry), says what
to look at, asks a question and keeps the answer for after the student's prediction. Files
are checked against the registry when they load, so a typo in a field name or a value out of
bounds is reported with the file, the step and the field, never discovered in class.
Pure Python (``tomllib``): no streamlit import.

A lesson file::

    title = "Why MSE chases outliers"
    summary = "One far point drags the MSE line; MAE and Huber hold."

    [[steps]]
    title = "One outlier"
    section = "regression"            # which page the step opens (optional)
    show = "reg_lines"                 # the chart it talks about: scrolled to (optional)
    highlight = ["MSE", "outlier"]     # the traces of that chart it names: kept lit
    set = { reg_outliers = 1 }         # parameters (lossviz.ui.params) and their values
    look = "Watch the red MSE line."
    question = "Which line moves most when the outlier goes further out?"
    choices = ["MSE", "MAE", "Huber"]  # the student answers first: one of these ...
    correct = 1                        # ... (the right one, counting from 1)
    answer = "The MSE line: its pull grows with the residual."

A question can instead take a number, whose true value lossviz computes from the step's
settings (``lossviz.claims``)::

    number = { low = -5, high = 5, step = 0.01, tolerance = 0.05 }
    claim = "mse_slope"

Every step names its ``claim``: the function of ``lossviz.claims`` that computes, from the
step's settings, its right answer and the numbers its text quotes (the tests check both).

Example: ``lessons, problems = load_lessons()``
"""

from __future__ import annotations

import numbers
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossviz import limits
from lossviz.state import Field
from lossviz.textsafe import toml_key, toml_string

LESSONS_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"
MAX_STEPS = limits.MAX_LESSON_STEPS
MAX_TEXT = 2_000
MAX_FILE_BYTES = 100_000
STEP_KEYS = ("title", "section", "show", "highlight", "set", "look", "question", "choices",
             "correct", "number", "claim", "answer")
NUMBER_KEYS = ("low", "high", "step", "tolerance", "unit")
LESSON_KEYS = ("title", "summary", "steps")
_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,48}$")


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file, step and field."""


@dataclass(frozen=True)
class Ask:
    """How a student answers a step's question before the answer shows.

    ``kind`` is ``"choice"`` (one of ``choices``; ``correct`` is its index from 0) or
    ``"number"`` (between ``low`` and ``high``; right within ``tolerance`` of the value the
    named ``claim`` computes, given as ``truth`` once known).
    """

    kind: str
    choices: tuple[str, ...] = ()
    correct: int = 0
    claim: str = ""
    low: float = 0.0
    high: float = 1.0
    step: float = 0.1
    tolerance: float = 0.0
    unit: str = ""
    truth: float | None = None

    def truth_text(self) -> str:
        """The right answer as a student reads it."""
        if self.kind == "choice":
            return self.choices[self.correct]
        if self.truth is None:
            return "see below"
        return f"{self.truth:.3g}" + (f" {self.unit}" if self.unit else "")


def check_answer(ask: Ask, given: Any) -> bool:
    """Is ``given`` right? A choice must be the correct one; a number within the tolerance."""
    if ask.kind == "choice":
        return given == ask.choices[ask.correct]
    if ask.truth is None or given is None:
        return False
    return abs(float(given) - ask.truth) <= ask.tolerance


@dataclass(frozen=True)
class Step:
    title: str
    look: str
    question: str
    answer: str
    section: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    show: str = ""
    highlight: tuple[str, ...] = ()
    ask: Ask | None = None
    claim: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    path: Path | None = None


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, None)
    if value is None:
        if required:
            raise LessonError(f"{where}: missing {key!r} (a short text)")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: {key!r} must be a non-empty text")
    if len(value) > MAX_TEXT:
        raise LessonError(f"{where}: {key!r} is longer than {MAX_TEXT} characters")
    return value.strip()


def parse_lesson(
    data: Mapping[str, Any],
    lesson_id: str,
    *,
    source: str | None = None,
    registry: Mapping[str, Field],
    sections: Iterable[str] | None = None,
) -> Lesson:
    """Check the parsed TOML ``data`` of a lesson and return it as a ``Lesson``.

    Every ``set`` key must be a registry field and every value must pass its field's check;
    ``section`` must be one of ``sections`` (when given). Raises ``LessonError`` naming
    ``source`` (the file name), the step and the field.
    """
    sections = None if sections is None else tuple(sections)
    name = source or lesson_id
    if not _ID.match(lesson_id):
        raise LessonError(
            f"{name}: the file name must be lowercase letters, digits and underscores "
            "(it becomes the lesson's id in links)"
        )
    unknown = sorted(set(data) - set(LESSON_KEYS))
    if unknown:
        raise LessonError(
            f"{name}: unknown top-level field {unknown[0]!r}; allowed: {', '.join(LESSON_KEYS)}"
        )
    title = _text(data, "title", name)
    summary = _text(data, "summary", name, required=False)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{name}: needs at least one [[steps]] table")
    if len(raw_steps) > MAX_STEPS:
        raise LessonError(f"{name}: has {len(raw_steps)} steps; at most {MAX_STEPS} allowed")
    steps = []
    for i, raw in enumerate(raw_steps, start=1):
        where = f"{name}, step {i}"
        if not isinstance(raw, dict):
            raise LessonError(f"{where}: must be a [[steps]] table")
        extra = sorted(set(raw) - set(STEP_KEYS))
        if extra:
            raise LessonError(
                f"{where}: unknown field {extra[0]!r}; allowed: {', '.join(STEP_KEYS)}"
            )
        section = raw.get("section")
        if section is not None and (
            not isinstance(section, str) or (sections is not None and section not in sections)
        ):
            allowed = ", ".join(sections or ())
            raise LessonError(f"{where}: section {section!r} is not a part of the app; "
                              f"choose one of: {allowed}")
        settings = raw.get("set", {})
        if not isinstance(settings, dict):
            raise LessonError(f"{where}: 'set' must be a table of control = value")
        values: dict[str, Any] = {}
        for key, value in settings.items():
            spec = registry.get(key)
            if spec is None:
                close = [k for k in registry if k.split("_", 1)[-1] == key.split("_", 1)[-1]]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise LessonError(f"{where}, field {key!r}: no such control{hint}")
            try:
                values[key] = spec.check(value)
            except (ValueError, TypeError) as err:
                raise LessonError(f"{where}, field {key!r}: {err}") from None
        show = _text(raw, "show", where, required=False)
        highlight = raw.get("highlight", [])
        if not isinstance(highlight, list) or not all(
                isinstance(h, str) and 0 < len(h) <= 60 for h in highlight):
            raise LessonError(f"{where}: 'highlight' must be a list of trace names")
        steps.append(
            Step(
                title=_text(raw, "title", where),
                look=_text(raw, "look", where),
                question=_text(raw, "question", where),
                answer=_text(raw, "answer", where),
                section=section,
                values=values,
                show=show,
                highlight=tuple(highlight),
                ask=_ask(raw, where),
                claim=_text(raw, "claim", where, required=False),
            )
        )
    return Lesson(lesson_id, title, summary, tuple(steps))


def _ask(raw: Mapping[str, Any], where: str) -> Ask | None:
    """The step's answer format: ``choices`` + ``correct``, or ``number``, or none."""
    choices, correct, number = raw.get("choices"), raw.get("correct"), raw.get("number")
    if choices is not None and number is not None:
        raise LessonError(f"{where}: give 'choices' or 'number', not both")
    if choices is not None:
        if (not isinstance(choices, list) or not 2 <= len(choices) <= 6
                or not all(isinstance(c, str) and 0 < len(c) <= 200 for c in choices)):
            raise LessonError(f"{where}: 'choices' must be 2 to 6 short texts")
        if len(set(choices)) != len(choices):
            raise LessonError(f"{where}: 'choices' repeats an option")
        if not isinstance(correct, int) or isinstance(correct, bool) or not (
                1 <= correct <= len(choices)):
            raise LessonError(f"{where}: 'correct' must be the number of the right choice, "
                              f"1 to {len(choices)}")
        return Ask("choice", tuple(choices), correct - 1)
    if correct is not None:
        raise LessonError(f"{where}: 'correct' needs 'choices'")
    if number is None:
        return None
    if not isinstance(number, dict) or set(number) - set(NUMBER_KEYS):
        raise LessonError(f"{where}: 'number' takes {', '.join(NUMBER_KEYS)}")
    claim = raw.get("claim")
    if not isinstance(claim, str) or not claim:
        raise LessonError(f"{where}: a 'number' question needs a 'claim' (what lossviz "
                          "computes as its answer)")
    try:
        low, high = float(number["low"]), float(number["high"])
        step = float(number.get("step", 0.1))
        tolerance = float(number.get("tolerance", 0.0))
    except (KeyError, TypeError, ValueError):
        raise LessonError(f"{where}: 'number' needs numbers 'low' and 'high'") from None
    if not low < high or step <= 0 or tolerance < 0:
        raise LessonError(f"{where}: 'number' needs low < high, step > 0, tolerance >= 0")
    unit = number.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 30:
        raise LessonError(f"{where}: 'unit' must be a short text")
    return Ask("number", claim=claim, low=low, high=high, step=step, tolerance=tolerance,
               unit=unit)


def step_settings(step: Step, registry: Mapping[str, Field]) -> dict[str, Any]:
    """Every parameter as the step sets the page: the defaults, then the step's ``set``."""
    values = {k: (list(f.default) if f.kind == "multi" else f.default)
              for k, f in registry.items()}
    values.update(step.values)
    return values


def load_lesson(
    path: str | Path,
    *,
    registry: Mapping[str, Field],
    sections: Iterable[str] | None = None,
) -> Lesson:
    """Read and check one lesson file; ``LessonError`` names the file and the field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise LessonError(f"{path.name}: cannot be read ({err.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LessonError(f"{path.name}: larger than {MAX_FILE_BYTES // 1000} KB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LessonError(f"{path.name}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise LessonError(f"{path.name}: is not valid TOML ({err})") from None
    lesson = parse_lesson(
        data, path.stem, source=path.name, registry=registry, sections=sections
    )
    return Lesson(lesson.id, lesson.title, lesson.summary, lesson.steps, path)


def load_lessons(
    folder: str | Path = LESSONS_DIR,
    *,
    registry: Mapping[str, Field],
    sections: Iterable[str] | None = None,
) -> tuple[dict[str, Lesson], list[str]]:
    """Every ``*.toml`` lesson in ``folder`` (sorted by file name), and one message per broken
    file. A broken file never stops the others from loading."""
    sections = None if sections is None else tuple(sections)
    lessons: dict[str, Lesson] = {}
    problems: list[str] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            lesson = load_lesson(path, registry=registry, sections=sections)
        except LessonError as err:
            problems.append(str(err))
        else:
            lessons[lesson.id] = lesson
    return lessons, problems


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        if not -(2**63) <= int(value) < 2**63:
            raise ValueError(f"{value} does not fit a TOML integer (64 bits)")
        return str(int(value))
    if isinstance(value, numbers.Real):
        # repr is the shortest exact text, and its inf, nan and 1e+16 forms are TOML too.
        return repr(float(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(str(value))


def lesson_toml(
    title: str,
    values: Mapping[str, Any],
    *,
    section: str | None = None,
    look: str = "Describe what the students should look at.",
    question: str = "Ask them to predict something before they change a control.",
    answer: str = "Write the answer that is revealed after their prediction.",
) -> str:
    """A one-step lesson file that sets ``values``: a starting point for a teacher.

    Every text is written as a TOML string that ``tomllib`` reads back exactly (control
    characters escaped); text TOML cannot hold (an unpaired surrogate) raises ``ValueError``.

    Example: ``lesson_toml("Delta", {"reg_delta": 2.0}, section="regression")``
    """
    lines = [f"title = {_toml_value(title)}", "summary = \"Saved from lossviz.\"", ""]
    lines.append("[[steps]]")
    lines.append(f"title = {_toml_value(title)}")
    if section:
        lines.append(f"section = {_toml_value(section)}")
    lines.append(f"look = {_toml_value(look)}")
    lines.append(f"question = {_toml_value(question)}")
    lines.append(f"answer = {_toml_value(answer)}")
    lines.append("")
    lines.append("[steps.set]")
    lines.extend(f"{toml_key(str(key))} = {_toml_value(value)}" for key, value in values.items())
    return "\n".join(lines) + "\n"
