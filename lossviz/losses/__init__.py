"""The loss catalogue: ``available_losses`` lists it, ``get_loss`` builds one by name."""

from __future__ import annotations

from typing import Any

from lossviz.losses.base import TASKS, ElementwiseLoss, Loss, MarginLoss, Param, RegressionLoss
from lossviz.losses.classification import CLASSIFICATION_LOSSES
from lossviz.losses.multiclass import MULTICLASS_LOSSES, softmax
from lossviz.losses.regression import REGRESSION_LOSSES, huber, huber_slope

# The three losses every regression view compares on outliers, and the margin losses the
# classification views compare: named once here, imported everywhere else.
OUTLIER_LOSSES = ("mse", "mae", "huber")
SURROGATES = ("cross_entropy", "hinge", "squared_hinge", "modified_huber", "exponential")

_CATALOGUE: dict[str, type[Loss]] = {
    cls.name: cls for cls in (*REGRESSION_LOSSES, *CLASSIFICATION_LOSSES, *MULTICLASS_LOSSES)
}


def available_losses(task: str | None = None) -> list[str]:
    """Names of the built-in losses, optionally only those of one task.

    ``task`` is ``"regression"``, ``"classification"`` (binary) or ``"multiclass"``.

    Example: ``available_losses("regression")[:3]  # ['mse', 'mae', 'huber']``
    """
    if task is None:
        return list(_CATALOGUE)
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    return [name for name, cls in _CATALOGUE.items() if cls.task == task]


def get_loss(name: str | Loss, **params: Any) -> Loss:
    """Build a loss by name with its hyperparameters (keyword-only), e.g. ``delta`` for Huber.

    A ``Loss`` object is returned unchanged (so APIs can take either). An unknown name or
    parameter raises ``ValueError`` listing what is allowed.

    Example: ``get_loss("huber", delta=2.0)([0.0], [3.0])  # 2 * (3 - 1) = 4.0``
    """
    if isinstance(name, Loss):
        if params:
            raise ValueError("pass parameters to get_loss together with a loss name, not a loss")
        return name
    return loss_class(name)(**params)


def loss_class(name: str) -> type[Loss]:
    """The class behind a built-in loss name (its docstring, parameters and defaults)."""
    cls = _CATALOGUE.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown loss {name!r}; available losses: {', '.join(_CATALOGUE)}")
    return cls


def loss_label(name: str) -> str:
    """The name a student reads for a loss (``"huber"`` -> ``"Huber"``; a user-written
    loss is ``"Custom"``)."""
    if name in _CATALOGUE:
        return _CATALOGUE[name].label
    return "Custom" if name == "custom" else name


__all__ = [
    "TASKS",
    "ElementwiseLoss",
    "Loss",
    "MarginLoss",
    "Param",
    "RegressionLoss",
    "available_losses",
    "get_loss",
    "huber",
    "huber_slope",
    "loss_class",
    "loss_label",
    "softmax",
]
