"""lossviz: learn how machine-learning loss functions behave.

The numeric core (numpy only) that the app, the figures and notebooks share::

    import lossviz
    loss = lossviz.get_loss("huber", delta=1.0)
    loss([0.0, 0.0], [0.5, 3.0])             # mean loss, 1.3125
    loss.gradient([0.0, 0.0], [0.5, 3.0])    # d mean / d y_pred, [0.25, 0.5]
    data = lossviz.make_regression(30, outliers=2, seed=0)
    history = lossviz.fit(data.x, data.y, loss, optimizer="adam", lr=0.1, steps=300)
    best = lossviz.solve(data.x, data.y, loss)  # the exact minimiser, for comparison
    stars = lossviz.datasets.load("stars_cyg_ob1")   # real data shipped in assets/data/
"""

from lossviz import datasets  # reads no file until a data set is asked for
from lossviz.custom import FormulaError, custom_loss
from lossviz.data import (
    ClassificationData,
    RegressionData,
    make_classification,
    make_curve,
    make_regression,
    train_validation_split,
)
from lossviz.exact import SOLVABLE, NoFiniteMinimum, Solution, solve
from lossviz.losses import Loss, available_losses, get_loss, loss_class, softmax
from lossviz.training import (
    MODELS,
    OPTIMIZERS,
    SCHEDULES,
    History,
    Schedule,
    fit,
    get_schedule,
)

__version__ = "0.1.0"

__all__ = [
    "MODELS",
    "OPTIMIZERS",
    "SCHEDULES",
    "SOLVABLE",
    "ClassificationData",
    "FormulaError",
    "History",
    "Loss",
    "NoFiniteMinimum",
    "RegressionData",
    "Schedule",
    "Solution",
    "available_losses",
    "custom_loss",
    "datasets",
    "fit",
    "get_loss",
    "get_schedule",
    "loss_class",
    "make_classification",
    "make_curve",
    "make_regression",
    "softmax",
    "solve",
    "train_validation_split",
]
