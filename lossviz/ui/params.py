"""Every parameter of the app's pages, declared once: key, type, default, bounds and page.

This list is the app's state model (TensorFlow Playground's ``state.ts`` pattern): widgets are
built from these specs (``lossviz.ui.widgets``), links are read and written through them
(``lossviz.ui.url``), lessons are checked against them (``lossviz.lessons``), and nothing else
declares a parameter. Pure Python: no streamlit import, so tests and lesson tools can read it.

The ``section`` of a parameter is the page it belongs to (``"app"`` for the few that every
page shares).
"""

from __future__ import annotations

import math

from lossviz import datasets, limits
from lossviz.data import FLIP_CLASSES, OUTLIER_PLACES
from lossviz.losses import OUTLIER_LOSSES, SURROGATES, available_losses, loss_label
from lossviz.numbers import superscript
from lossviz.state import Field, TableCodec, make_registry
from lossviz.training import OPTIMIZER_LABELS, OPTIMIZERS, SCHEDULES

ALL_LOSSES = tuple(available_losses())
REGRESSION_FAMILY = tuple(available_losses("regression"))
CLASSIFICATION_FAMILY = tuple(available_losses("classification"))

REG_VIEWS = ("Loss & gradient", "Your line", "Gradient descent", "Which loss?")
CLF_VIEWS = ("Boundaries", "Training curves", "Margin picture", "Probability view",
             "Multiclass corner")
CUSTOM_TASKS = ("regression", "classification")
CUSTOM_SLOTS = (("c", 1.0), ("d", 1.0), ("tau", 0.5))  # default parameter names and values
STOP_TOLS = ("1e-2", "1e-3", "1e-4", "1e-5", "1e-6", "1e-7")
STOP_GRAD_TOLS = ("1", "1e-1", "1e-2", "1e-3", "1e-4", "1e-5")
CONV_SOURCES = ("example", "regression lab")
# The regression page's data: the generator, a shipped set (``lossviz.datasets``, task
# "regression"; tests/test_app_data.py checks this list against them) or the student's file.
REG_SETS = ("stars_cyg_ob1", "anscombe_3", "engel", "elnino_sst", "stackloss", "house_prices")
REG_DATA = ("generated", *REG_SETS, "csv")
# The classification page's data: the generator or a shipped binary set (task "binary"; the
# multiclass digits have no place on a page of two-class boundaries).
CLF_SETS = ("spam",)
CLF_DATA = ("generated", *CLF_SETS, "csv")
# The two features a shipped set shows until the student picks others (clf_feature_1 and 2):
# the spam e-mails' share of "!" and their average run of capitals.
CLF_DEFAULT_FEATURES = {"spam": ("charExclamation", "capitalAve")}
# The student's file on the classification page: the second feature's "none" choice.
ONE_FEATURE = "(none: one feature)"
# ... and its multiclass view's: one sample whose logits the student sets, or the digits.
MC_DATA = ("one sample", "digits")
MULTICLASS = tuple(available_losses("multiclass"))  # as lossviz.figures.multiclass has it
MAX_LOGIT = 10.0

# A table's edits travel in the link as short text (``lossviz.state.TableCodec``).
REG_TABLE = TableCodec((("x", "x", "number"), ("y", "target", "number"),
                        ("p", "prediction", "number"), ("o", "outlier", "flag")))
CLF_TABLE = TableCodec((("x", "x1", "number"), ("y", "x2", "number"),
                        ("l", "label", "number"), ("f", "flipped", "flag")))


# -- what the menus show for their choices (``Field.labels``) ----------------------------------
MC_LABELS = {"one sample": "One sample (logits you set)",
             "digits": "Handwritten digits (8x8, ten classes)"}
TASK_LABELS = {"regression": "Regression", "classification": "Classification"}


def optimizer_name(name: str) -> str:
    """``"sgd"`` -> ``"SGD (mini-batch)"``."""
    return OPTIMIZER_LABELS.get(name, name)


def data_name(key: str) -> str:
    """A data picker's choice: the generator, a shipped set's title or the student's file."""
    if key == "generated":
        return "Generated points"
    if key == "csv":
        return "Your own data (CSV)"
    return datasets.load(key).title


def power_of_ten(text: str) -> str:
    """A tolerance as a person reads it: ``"1e-4"`` is 10⁻⁴."""
    return "1" if float(text) == 1 else "10" + superscript(round(math.log10(float(text))))


def class_name(label: str) -> str:
    return f"class {label}"


def _f(key: str, kind: str, default, section: str, **spec) -> Field:
    return Field(key, kind, default, section=section, **spec)


_APP, _REG, _CLF, _CUS, _CONV, _STOP, _CLASS = (
    "app", "regression", "classification", "custom", "conventions", "stopping", "classroom")

PARAMS: tuple[Field, ...] = (
    # -- every page ---------------------------------------------------------------------------
    _f("present", "bool", False, _APP),
    _f("lesson", "text", "", _APP, max_len=50),
    _f("lesson_step", "int", 1, _APP, low=1, high=limits.MAX_LESSON_STEPS),
    # -- regression lab -----------------------------------------------------------------------
    _f("reg_data", "choice", "generated", _REG, choices=REG_DATA, labels=data_name),
    # The feature of a set with several ("" = its first); no widget holds it (url.UNBOUND):
    # each set has its own features, so the page checks it against the set on screen.
    _f("reg_feature", "text", "", _REG, max_len=60),
    _f("reg_n", "int", 30, _REG, low=2, high=limits.MAX_POINTS, step=1),
    _f("reg_noise", "float", 1.0, _REG, low=0.0, high=5.0, step=0.1),
    _f("reg_seed", "int", 0, _REG, low=0, high=9999),
    _f("reg_slope", "float", 1.0, _REG, low=-5.0, high=5.0, step=0.1),
    _f("reg_intercept", "float", 0.0, _REG, low=-10.0, high=10.0, step=0.1),
    _f("reg_outliers_on", "bool", True, _REG),
    _f("reg_outliers", "int", 1, _REG, low=0, high=limits.MAX_OUTLIERS),
    _f("reg_shift", "float", 20.0, _REG, low=-limits.MAX_SHIFT, high=limits.MAX_SHIFT,
       step=1.0),
    _f("reg_place", "choice", "right", _REG, choices=OUTLIER_PLACES),
    _f("reg_delta", "float", 1.0, _REG, low=0.1, high=5.0, step=0.1),
    # Nothing open below the first picture until the student picks a closer look.
    _f("reg_view", "choice", None, _REG, choices=REG_VIEWS, optional=True),
    _f("reg_gd_losses", "multi", list(OUTLIER_LOSSES), _REG, choices=OUTLIER_LOSSES,
       labels=loss_label),
    _f("reg_optimizer", "choice", "gd", _REG, choices=OPTIMIZERS, labels=optimizer_name),
    _f("reg_lr", "float", 0.04, _REG, low=0.001, high=1.0, step=0.001),
    _f("reg_steps", "int", 200, _REG, low=10, high=limits.MAX_GD_STEPS, step=10),
    _f("reg_log_y", "bool", True, _REG),
    _f("reg_fair", "bool", False, _REG),
    _f("reg_landscape", "choice", "mse", _REG, choices=OUTLIER_LOSSES, labels=loss_label),
    _f("reg_sweep_max", "float", 60.0, _REG, low=10.0, high=200.0, step=5.0),
    _f("reg_points", "text", "", _REG, max_len=limits.MAX_TABLE_TEXT, codec=REG_TABLE),
    # -- classification lab -------------------------------------------------------------------
    _f("clf_data", "choice", "generated", _CLF, choices=CLF_DATA, labels=data_name),
    # two features of a shipped set, by name (checked against the set where it is read)
    _f("clf_feature_1", "text", "", _CLF, max_len=60),
    _f("clf_feature_2", "text", "", _CLF, max_len=60),
    _f("clf_dim", "choice", "2-D", _CLF, choices=("1-D", "2-D")),
    _f("clf_n", "int", 40, _CLF, low=20, high=limits.MAX_POINTS, step=2),
    _f("clf_separation", "float", 3.0, _CLF, low=0.5, high=6.0, step=0.25),
    _f("clf_seed", "int", 0, _CLF, low=0, high=9999),
    _f("clf_flip", "int", 0, _CLF, low=0, high=10),
    _f("clf_flip_class", "choice", "both", _CLF, choices=FLIP_CLASSES),
    _f("clf_losses", "multi", list(SURROGATES), _CLF, choices=SURROGATES, labels=loss_label),
    _f("clf_optimizer", "choice", "gd", _CLF, choices=OPTIMIZERS, labels=optimizer_name),
    _f("clf_lr", "float", 0.1, _CLF, low=0.01, high=2.0, step=0.01),
    _f("clf_steps", "int", 300, _CLF, low=10, high=limits.MAX_CLF_STEPS, step=10),
    _f("clf_shading", "bool", True, _CLF),
    _f("clf_show_clean", "bool", True, _CLF),
    _f("clf_log_y", "bool", False, _CLF),
    _f("clf_bits", "bool", False, _CLF),
    _f("clf_margin_model", "choice", "cross_entropy", _CLF, choices=SURROGATES,
       labels=loss_label),
    _f("clf_prob_others", "bool", False, _CLF),
    # The multiclass view: one sample's logits, or classifiers of the handwritten digits.
    _f("clf_mc_data", "choice", MC_DATA[0], _CLF, choices=MC_DATA, labels=MC_LABELS.get),
    _f("clf_digit_n", "int", 500, _CLF, low=100, high=limits.MAX_DIGIT_IMAGES, step=100),
    _f("clf_digit_loss", "choice", MULTICLASS[0], _CLF, choices=MULTICLASS, labels=loss_label),
    _f("clf_classes", "choice", "3", _CLF, choices=("3", "4")),
    _f("clf_true_class", "choice", "0", _CLF, choices=("0", "1", "2", "3"),
       labels=class_name),
    *(_f(f"clf_logit_{j}", "float", default, _CLF, low=-MAX_LOGIT, high=MAX_LOGIT, step=0.1)
      for j, default in enumerate((2.0, 1.0, 0.1, -1.0))),
    _f("clf_view", "choice", CLF_VIEWS[0], _CLF, choices=CLF_VIEWS),
    _f("clf_points", "text", "", _CLF, max_len=limits.MAX_TABLE_TEXT, codec=CLF_TABLE),
    # -- custom loss --------------------------------------------------------------------------
    _f("custom_task", "choice", "regression", _CUS, choices=CUSTOM_TASKS,
       labels=TASK_LABELS.get),
    _f("custom_formula_r", "text", "c**2/2*log(1 + (r/c)**2)", _CUS),
    _f("custom_formula_m", "text", "log(1 + exp(-m))", _CUS),
    *(_f(f"custom_p{i}_name", "text", name, _CUS, max_len=20)
      for i, (name, _) in enumerate(CUSTOM_SLOTS, start=1)),
    *(_f(f"custom_p{i}_value", "float", value, _CUS, low=-100.0, high=100.0, step=0.1)
      for i, (_, value) in enumerate(CUSTOM_SLOTS, start=1)),
    _f("custom_compare_r", "multi", ["mse", "mae", "huber"], _CUS, choices=REGRESSION_FAMILY,
       labels=loss_label),
    _f("custom_compare_m", "multi", ["cross_entropy", "hinge"], _CUS,
       choices=CLASSIFICATION_FAMILY, labels=loss_label),
    _f("custom_range", "float", 4.0, _CUS, low=1.0, high=20.0, step=0.5),
    _f("custom_points", "int", 40, _CUS, low=10, high=limits.MAX_POINTS, step=2),
    _f("custom_outliers", "int", 3, _CUS, low=0, high=limits.MAX_OUTLIERS),
    _f("custom_flip", "int", 2, _CUS, low=0, high=10),
    _f("custom_seed", "int", 0, _CUS, low=0, high=9999),
    _f("custom_optimizer", "choice", "adam", _CUS, choices=OPTIMIZERS, labels=optimizer_name),
    _f("custom_lr", "float", 0.05, _CUS, low=0.001, high=2.0, step=0.001),
    _f("custom_steps", "int", 300, _CUS, low=10, high=limits.MAX_GD_STEPS, step=10),
    _f("custom_log_y", "bool", False, _CUS),
    _f("custom_relative", "bool", True, _CUS),
    # -- conventions --------------------------------------------------------------------------
    _f("conv_loss", "choice", "huber", _CONV, choices=ALL_LOSSES, labels=loss_label),
    _f("conv_param", "float", 1.0, _CONV, low=0.05, high=10.0, step=0.05),
    _f("conv_n", "int", 8, _CONV, low=2, high=50),
    _f("conv_outliers", "int", 1, _CONV, low=0, high=5),
    _f("conv_seed", "int", 0, _CONV, low=0, high=9999),
    _f("conv_source", "choice", "example", _CONV, choices=CONV_SOURCES),
    # -- when to stop -------------------------------------------------------------------------
    _f("stop_points", "int", 16, _STOP, low=6, high=limits.MAX_POINTS),
    _f("stop_noise", "float", 0.3, _STOP, low=0.0, high=1.5, step=0.05),
    _f("stop_seed", "int", 1, _STOP, low=0, high=999),
    _f("stop_val_share", "float", 0.3, _STOP, low=0.1, high=0.6, step=0.05),
    _f("stop_degree", "int", 12, _STOP, low=1, high=limits.MAX_STOP_DEGREE),
    _f("stop_loss", "choice", "mse", _STOP, choices=REGRESSION_FAMILY, labels=loss_label),
    _f("stop_optimizer", "choice", "adam", _STOP, choices=OPTIMIZERS, labels=optimizer_name),
    _f("stop_lr", "float", 0.05, _STOP, low=0.0001, high=5.0, step=0.005),
    _f("stop_steps", "int", 2000, _STOP, low=10, high=limits.MAX_STOP_STEPS, step=10),
    _f("stop_batch", "int", 2, _STOP, low=1, high=64),
    _f("stop_schedule", "choice", "constant", _STOP, choices=SCHEDULES),
    _f("stop_patience", "int", 50, _STOP, low=1, high=1000),
    _f("stop_tol", "choice", "1e-4", _STOP, choices=STOP_TOLS, labels=power_of_ten),
    _f("stop_grad_tol", "choice", "1e-2", _STOP, choices=STOP_GRAD_TOLS,
       labels=power_of_ten),
    _f("stop_log", "bool", True, _STOP),
    _f("stop_schedules_on", "bool", False, _STOP),
    _f("stop_compare", "multi", list(SCHEDULES), _STOP, choices=SCHEDULES),
    # -- class mode ---------------------------------------------------------------------------
    # The code of the class to join: a join link is ``?class=CODE``. (A teacher link's key is
    # no parameter: ``lossviz.ui.url`` takes it out of the link, so no share box repeats it.)
    _f("class", "text", "", _CLASS, max_len=20),
)

BY_KEY: dict[str, Field] = make_registry(PARAMS)


def of(section: str) -> dict[str, Field]:
    """The parameters of one page (``"regression"``), key -> field."""
    return {k: f for k, f in BY_KEY.items() if f.section == section}


def get(key: str) -> Field:
    """The field named ``key``; ``KeyError`` names the key if there is none."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a parameter of the app") from None
