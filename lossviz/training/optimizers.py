"""Optimizers a course teaches, as PyTorch's ``torch.optim`` writes their updates.

Each optimizer keeps its own state and turns a gradient ``g`` and a learning rate into the
next parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lossviz._validation import check_open_unit, check_positive

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")

OPTIMIZER_LABELS = {
    "gd": "Gradient descent",
    "sgd": "SGD (mini-batch)",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
}

OPTIMIZER_LATEX = {
    "gd": r"\theta \leftarrow \theta - \eta\, g",
    "sgd": r"\theta \leftarrow \theta - \eta\, g_{\text{batch}}",
    "momentum": r"v \leftarrow \beta v + g,\quad \theta \leftarrow \theta - \eta\, v",
    "nesterov": r"v \leftarrow \beta v + g,\quad \theta \leftarrow \theta - \eta\,(g + \beta v)",
    "adam": (
        r"m \leftarrow \beta_1 m + (1-\beta_1) g,\; v \leftarrow \beta_2 v + (1-\beta_2) g^2,\;"
        r"\theta \leftarrow \theta - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}"
    ),
}


# Plain descent on at most this many parameters updates them as Python floats: the same IEEE
# arithmetic as numpy's, and about 0.3 us a step cheaper on 2 parameters (a tenth of a step
# of the benchmark's fits), even at 4; numpy is cheaper from about 6.
_FEW_PARAMS = 4
# Adam's update is a dozen numpy calls (about 9 us a step whatever the size up to ~20
# parameters); as Python floats it is 1.4 us on 2 parameters and 7 us on 16. The custom
# loss page and the stopping page train with Adam: 2 to 16 parameters.
_FEW_ADAM = 16


class Optimizer:
    """Plain (stochastic) gradient descent: ``theta <- theta - lr * g``.

    ``step_to`` writes the updated parameters into ``out`` (the training loop's hot path: no
    new arrays, and ``out`` is the next row of the history); ``step`` updates ``theta`` in
    place; ``update`` returns the updated copy and leaves ``theta`` alone.
    """

    def __init__(self, n_params: int) -> None:
        self.n_params = n_params

    def step_to(self, theta: np.ndarray, g: np.ndarray, lr: float, out: np.ndarray) -> None:
        if len(out) <= _FEW_PARAMS:
            now, slope = theta.tolist(), g.tolist()
            for i in range(len(now)):
                out[i] = now[i] - lr * slope[i]
        else:
            np.subtract(theta, g * lr, out=out)

    def step(self, theta: np.ndarray, g: np.ndarray, lr: float) -> None:
        self.step_to(theta, g, lr, theta)

    def update(self, theta: np.ndarray, g: np.ndarray, lr: float) -> np.ndarray:
        new = np.array(theta, dtype=np.float64)
        self.step(new, g, lr)
        return new


class Momentum(Optimizer):
    """Heavy ball: ``v <- beta v + g``, ``theta <- theta - lr v`` (``torch.optim.SGD``)."""

    def __init__(self, n_params: int, momentum: float = 0.9) -> None:
        super().__init__(n_params)
        self.beta = momentum
        # The velocity: a list of floats for a few parameters (as plain descent, 0.7 against
        # 2.5 us a step on 2 parameters, the same arithmetic), else an array.
        self.few = n_params <= _FEW_PARAMS
        self.v = [0.0] * n_params if self.few else np.zeros(n_params)

    def step_to(self, theta, g, lr, out):
        v, beta = self.v, self.beta
        if self.few:
            now = theta.tolist()
            for i, gi in enumerate(g.tolist()):
                v[i] = v[i] * beta + gi
                out[i] = now[i] - v[i] * lr
            return
        v *= beta
        v += g
        np.subtract(theta, v * lr, out=out)


class Nesterov(Momentum):
    """Nesterov momentum: ``v <- beta v + g``, ``theta <- theta - lr (g + beta v)``.

    This is the look-ahead written without evaluating a second gradient, as
    ``torch.optim.SGD(nesterov=True)``.
    """

    def step_to(self, theta, g, lr, out):
        v, beta = self.v, self.beta
        if self.few:
            now = theta.tolist()
            for i, gi in enumerate(g.tolist()):
                v[i] = v[i] * beta + gi
                out[i] = now[i] - (gi + beta * v[i]) * lr
            return
        v *= beta
        v += g
        np.subtract(theta, (g + beta * v) * lr, out=out)


class Adam(Optimizer):
    """Adam with bias correction (``torch.optim.Adam`` defaults: 0.9, 0.999, 1e-8)."""

    def __init__(
        self, n_params: int, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(n_params)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        # The moments: lists of floats for a few parameters, else arrays.
        self.few = n_params <= _FEW_ADAM
        self.m = [0.0] * n_params if self.few else np.zeros(n_params)
        self.v = [0.0] * n_params if self.few else np.zeros(n_params)
        self.t = 0

    def step_to(self, theta, g, lr, out):
        self.t += 1
        b1, b2, eps = self.beta1, self.beta2, self.eps
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t  # the bias corrections
        m, v = self.m, self.v
        if self.few:  # the same operations in the same order, on floats
            now = theta.tolist()
            for i, gi in enumerate(g.tolist()):
                m[i] = m[i] * b1 + (1.0 - b1) * gi
                v[i] = v[i] * b2 + (1.0 - b2) * gi * gi
                out[i] = now[i] - lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
            return
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * g * g
        np.subtract(theta, lr * (m / c1) / (np.sqrt(v / c2) + eps), out=out)


def make_optimizer(name: str, n_params: int, options: dict[str, Any]) -> Optimizer:
    """Build an optimizer by name; ``options`` holds momentum, beta1, beta2 or eps."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    allowed = {
        "gd": (),
        "sgd": (),
        "momentum": ("momentum",),
        "nesterov": ("momentum",),
        "adam": ("beta1", "beta2", "eps"),
    }[name]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(
            f"optimizer {name!r} takes no {', '.join(unknown)}; it takes: "
            f"{', '.join(allowed) or 'only lr'}"
        )
    if name in ("momentum", "nesterov"):
        beta = check_open_unit(given.get("momentum", 0.9), "momentum")
        return (Momentum if name == "momentum" else Nesterov)(n_params, beta)
    if name == "adam":
        return Adam(
            n_params,
            check_open_unit(given.get("beta1", 0.9), "beta1"),
            check_open_unit(given.get("beta2", 0.999), "beta2"),
            check_positive(given.get("eps", 1e-8), "eps"),
        )
    return Optimizer(n_params)
