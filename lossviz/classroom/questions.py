"""Questions a class answers: a number (with a unit and a range) or a choice among options.

A ``Question`` carries its true answer, computed by lossviz, so the reveal can mark it.
``quick_question`` makes the questions a teacher can ask about the regression lab's state
("what will MSE's slope be when the outlier is at 40?"), their answers from
``lossviz.experiments.robust_line`` on ``lossviz.make_regression``'s points;
``lesson_question`` asks a lesson step's question (its choices, or its number with the value
the step's claim computes).

Pure Python and numpy: no streamlit, no database.

Example: ``Question("2 + 2?", "number", 4.0, low=0, high=10).check_answer("4")  # 4.0``
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from lossviz.data import make_regression
from lossviz.experiments import robust_line
from lossviz.lessons import Step
from lossviz.limits import MAX_ANSWER_ABS, MAX_CHOICES, MAX_QUESTION_TEXT, MAX_SHIFT
from lossviz.textsafe import check_text

KINDS = ("number", "choice")
LOSS_LABELS = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}


@dataclass(frozen=True)
class Question:
    """One question: its prompt, its kind, its true answer and what an answer may be.

    ``kind="number"``: an answer is a finite number in ``[low, high]`` (``unit`` names it);
    ``kind="choice"``: an answer is one of ``choices``. ``explanation`` is shown on reveal.
    Where the class can see the answer in the lab afterwards: a ``lesson`` and its step
    (``lesson_step``, from 1), or a page (``section``) with the ``settings`` (parameter name,
    value pairs) the question was computed from.
    """

    prompt: str
    kind: str
    truth: float | str
    unit: str = ""
    low: float = -MAX_ANSWER_ABS
    high: float = MAX_ANSWER_ABS
    choices: tuple[str, ...] = field(default_factory=tuple)
    explanation: str = ""
    lesson: str = ""
    lesson_step: int = 0
    section: str = ""
    settings: tuple[tuple[str, float | int | str | bool], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a question's kind is one of {', '.join(KINDS)}; got {self.kind!r}")
        for name in ("prompt", "unit", "explanation"):
            text = getattr(self, name)
            if not isinstance(text, str) or len(text) > MAX_QUESTION_TEXT:
                raise ValueError(f"a question's {name} is text of at most {MAX_QUESTION_TEXT} "
                                 "characters")
            check_text(text, f"the question's {name}")
        if not self.prompt.strip():
            raise ValueError("a question needs a prompt")
        settings = tuple((str(k), v) for k, v in self.settings)
        if len(settings) > 50 or any(
                len(k) > 50 or not isinstance(v, int | float | str | bool) for k, v in settings):
            raise ValueError("a question's settings are at most 50 (name, number or text) pairs")
        object.__setattr__(self, "settings", settings)
        if len(self.lesson) > 50 or len(self.section) > 50:
            raise ValueError("a question's lesson and page are names of at most 50 characters")
        if self.kind == "number":
            low, high = float(self.low), float(self.high)
            if not (-MAX_ANSWER_ABS <= low < high <= MAX_ANSWER_ABS):
                raise ValueError(f"a number question's range must lie within ±{MAX_ANSWER_ABS:g} "
                                 f"with low < high; got [{low:g}, {high:g}]")
            if self.choices:
                raise ValueError("a number question has no choices")
            object.__setattr__(self, "truth", float(self.truth))
            if not math.isfinite(self.truth):
                raise ValueError("a number question's true answer must be finite")
        else:
            choices = tuple(self.choices)
            if not 2 <= len(choices) <= MAX_CHOICES or len(set(choices)) != len(choices):
                raise ValueError(f"a choice question has 2 to {MAX_CHOICES} different choices")
            for c in choices:
                if not isinstance(c, str) or not c.strip() or len(c) > MAX_QUESTION_TEXT:
                    raise ValueError("each choice is non-empty text of at most "
                                     f"{MAX_QUESTION_TEXT} characters")
                check_text(c, "a choice")
            if self.truth not in choices:
                raise ValueError(f"the true answer {self.truth!r} is not one of the choices")
            object.__setattr__(self, "choices", choices)

    def check_answer(self, value: Any) -> float | str:
        """``value`` as a valid answer to this question, or ``ValueError`` saying what is allowed.

        A number answer: anything ``float()`` reads that is finite and in ``[low, high]``
        (text is read only up to 40 characters). A choice answer: exactly one of the choices.
        """
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError("pick one of the choices: " + ", ".join(self.choices))
            return value
        if isinstance(value, bool) or (isinstance(value, str) and len(value) > 40):
            raise ValueError("answer with a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("answer with a number") from None
        if not math.isfinite(number) or not self.low <= number <= self.high:
            raise ValueError(f"answer with a number from {self.low:g} to {self.high:g}"
                             + (f" ({self.unit})" if self.unit else ""))
        return number

    def to_json(self) -> str:
        """The question as JSON text (what the store keeps); ``from_json`` reads it back."""
        return json.dumps({"prompt": self.prompt, "kind": self.kind, "truth": self.truth,
                           "unit": self.unit, "low": self.low, "high": self.high,
                           "choices": list(self.choices), "explanation": self.explanation,
                           "lesson": self.lesson, "lesson_step": self.lesson_step,
                           "section": self.section,
                           "settings": [list(pair) for pair in self.settings]})

    @classmethod
    def from_json(cls, text: str) -> Question:
        data = json.loads(text)
        data["choices"] = tuple(data.get("choices", ()))
        data["settings"] = tuple(tuple(pair) for pair in data.get("settings", ()))
        return cls(**data)


@dataclass(frozen=True)
class RegressionState:
    """The regression lab's settings a quick question is computed from (its defaults are the
    lab's defaults; ``outliers`` is 0 when the lab's outliers are off)."""

    n: int = 30
    noise: float = 1.0
    seed: int = 0
    outliers: int = 1
    shift: float = 20.0
    place: str = "right"
    delta: float = 1.0


def best_slope(state: RegressionState, loss: str, shift: float) -> float:
    """The slope ``w`` of ``loss``'s best line ``w x + b`` on the lab's points with its
    outliers ``shift`` above the line (exact for MSE and MAE; IRLS to ~1e-12 for Huber).

    Example: ``best_slope(RegressionState(), "mse", 20.0)  # about 2.3``
    """
    data = make_regression(state.n, noise=state.noise, outliers=state.outliers,
                           outlier_shift=shift, outlier_place=state.place, seed=state.seed)
    return float(robust_line(data.x, data.y, loss, delta=state.delta)[0])


QUICK = ("slope_mse", "slope_mae", "slope_huber", "moves_most")


def quick_question(kind: str, state: RegressionState, *, at: float) -> Question:
    """A quick question about the regression lab, its answer computed by lossviz.

    ``slope_<loss>``: "what will <loss>'s slope be when the outlier is at ``at``?" (a number
    in [-10, 10]); ``moves_most``: "which line's slope moves most when the outlier goes from
    where it is to ``at``?" (a choice among MSE, MAE and Huber).

    Example: ``quick_question("slope_mae", RegressionState(), at=40.0).truth  # about 1.5``
    """
    at = float(at)
    if not math.isfinite(at) or abs(at) > MAX_SHIFT:
        raise ValueError(f"the outlier's distance must lie within ±{MAX_SHIFT:g}; got {at!r}")
    if kind not in QUICK:
        raise ValueError(f"a quick question is one of {', '.join(QUICK)}; got {kind!r}")
    if state.outliers < 1:
        raise ValueError("these questions are about the outlier: turn the lab's outliers on")
    where = f"{at:g} above the line"
    if kind.startswith("slope_"):
        loss = kind.removeprefix("slope_")
        name = LOSS_LABELS[loss]
        now = best_slope(state, loss, state.shift)
        truth = round(best_slope(state, loss, at), 2)
        return Question(
            prompt=f"The outlier is {state.shift:g} above the line, and {name}'s best line has "
                   f"slope {now:.2f}. What will {name}'s slope be when the outlier is {where}?",
            kind="number", truth=truth, unit="slope", low=-10.0, high=10.0,
            explanation=f"{name}'s best line, computed exactly for the lab's points: slope "
                        f"{truth:.2f} with the outlier at {at:g}.",
        )
    moves = {LOSS_LABELS[loss]: abs(best_slope(state, loss, at)
                                   - best_slope(state, loss, state.shift))
             for loss in LOSS_LABELS}
    order = sorted(moves, key=moves.get, reverse=True)
    return Question(
        prompt=f"The outlier moves from {state.shift:g} to {where}. Whose best line's slope "
               "moves the most?",
        kind="choice", truth=order[0], choices=tuple(LOSS_LABELS.values()),
        explanation="Slopes move by " + ", ".join(f"{k} {moves[k]:.2f}" for k in order) + ".",
    )


def lesson_question(step: Step, truth: float | None = None, *, lesson: str = "",
                    index: int = 0) -> Question:
    """A lesson step's question for the class: its choices (the true answer is the step's
    correct one), or its number in the step's range with ``truth``, the value the step's
    claim computes (``lossviz.claims.compute``). The step's answer text is the explanation;
    ``lesson`` and ``index`` (from 1) name the step, for the class to open it after the reveal.

    Example: ``lesson_question(step).truth  # "MSE"`` for "Which line moves most?"
    """
    ask = step.ask
    if ask is None:
        raise ValueError(f"the step {step.title!r} asks nothing to answer")
    if ask.kind == "choice":
        return Question(step.question, "choice", ask.choices[ask.correct],
                        choices=ask.choices, explanation=step.answer, lesson=lesson,
                        lesson_step=index)
    if truth is None:
        raise ValueError(f"the step {step.title!r} needs its true value (its claim's answer)")
    return Question(step.question, "number", truth, unit=ask.unit, low=ask.low,
                    high=ask.high, explanation=step.answer, lesson=lesson, lesson_step=index)
