"""Learning-rate schedules: the step size used at each step of gradient descent.

Each schedule maps a base learning rate ``lr`` and a step budget to one rate per update,
with the formulas of PyTorch's ``torch.optim.lr_scheduler`` (step ``t`` counts from 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lossviz._validation import check_int, check_positive

SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup")

_DEFAULTS: dict[str, dict[str, float]] = {
    "constant": {},
    "step": {"every": 0, "factor": 0.5},
    "exponential": {"gamma": 0.99},
    "cosine": {"min_lr": 0.0},
    "warmup": {"warmup_steps": 0},
}

_FORMULAS = {
    "constant": r"\eta_t = \eta",
    "step": r"\eta_t = \eta \cdot \text{factor}^{\lfloor t / \text{every} \rfloor}",
    "exponential": r"\eta_t = \eta \cdot \gamma^{t}",
    "cosine": r"\eta_t = \eta_{\min} + \tfrac12(\eta - \eta_{\min})(1 + \cos(\pi t / T))",
    "warmup": r"\eta_t = \eta \cdot \min\left(1, \tfrac{t + 1}{\text{warmup}}\right)",
}


@dataclass(frozen=True)
class Schedule:
    """A named schedule with its parameters; ``rates(lr, steps)`` gives one rate per step.

    - ``constant``: ``lr`` at every step.
    - ``step``: multiply by ``factor`` every ``every`` steps (default: a quarter of the budget).
    - ``exponential``: ``lr * gamma**t``.
    - ``cosine``: from ``lr`` down to ``min_lr`` along half a cosine over the budget ``T``
      (up to it, if ``min_lr`` is larger, as PyTorch's ``CosineAnnealingLR`` does).
    - ``warmup``: rise linearly over ``warmup_steps`` (default: a tenth of the budget), then
      hold ``lr``.

    Example: ``get_schedule("step", every=2, factor=0.5).rates(1.0, 5)  # [1, 1, .5, .5, .25]``
    """

    name: str
    params: dict[str, float] = field(default_factory=dict)

    @property
    def latex(self) -> str:
        return _FORMULAS[self.name]

    def rates(self, lr: float, steps: int) -> np.ndarray:
        lr = check_positive(lr, "learning rate")
        steps = check_int(steps, "steps", low=0)
        t = np.arange(steps, dtype=np.float64)
        p = self.params
        if self.name == "constant":
            return np.full(steps, lr)
        if self.name == "step":
            every = int(p["every"]) or max(1, steps // 4)
            return lr * p["factor"] ** np.floor(t / every)
        if self.name == "exponential":
            return lr * p["gamma"] ** t
        if self.name == "cosine":  # a min_lr above lr rises to it, as in PyTorch
            lo = p["min_lr"]
            return lo + 0.5 * (lr - lo) * (1.0 + np.cos(np.pi * t / max(steps, 1)))
        warm = int(p["warmup_steps"]) or max(1, steps // 10)
        return lr * np.minimum(1.0, (t + 1.0) / warm)


def get_schedule(name: str | Schedule | None = "constant", **params: Any) -> Schedule:
    """Build a schedule by name, checking its parameters.

    Example: ``get_schedule("exponential", gamma=0.9).rates(0.1, 3)  # [0.1, 0.09, 0.081]``
    """
    if isinstance(name, Schedule):
        return name
    if name is None:
        name = "constant"
    if name not in _DEFAULTS:
        raise ValueError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    allowed = _DEFAULTS[name]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"schedule {name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed) or 'none'}"
        )
    merged = {**allowed, **params}
    if name == "step":
        merged["every"] = check_int(merged["every"], "every", low=0)
        merged["factor"] = check_positive(merged["factor"], "factor")
    elif name == "exponential":
        merged["gamma"] = check_positive(merged["gamma"], "gamma")
    elif name == "cosine":
        merged["min_lr"] = float(merged["min_lr"])
        if not merged["min_lr"] >= 0:
            raise ValueError(f"min_lr must be 0 or more; got {merged['min_lr']:g}")
    elif name == "warmup":
        merged["warmup_steps"] = check_int(merged["warmup_steps"], "warmup_steps", low=0)
    return Schedule(name, merged)
