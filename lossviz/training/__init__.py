"""The gradient-descent engine: models, optimizers, schedules and ``fit``."""

from lossviz.training.descent import MAX_STEPS, STOP_REASONS, History, fit
from lossviz.training.models import MODELS, Model
from lossviz.training.optimizers import OPTIMIZER_LABELS, OPTIMIZER_LATEX, OPTIMIZERS
from lossviz.training.schedules import SCHEDULES, Schedule, get_schedule

__all__ = [
    "MAX_STEPS",
    "MODELS",
    "OPTIMIZERS",
    "OPTIMIZER_LABELS",
    "OPTIMIZER_LATEX",
    "SCHEDULES",
    "STOP_REASONS",
    "History",
    "Model",
    "Schedule",
    "fit",
    "get_schedule",
]
