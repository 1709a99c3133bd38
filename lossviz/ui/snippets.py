"""Short runnable Python scripts that rebuild the current view with the lossviz API.

Pure text generation (no streamlit): each section has a template filled with the current
settings, so a notebook user gets the same numbers and pictures as the app. The scripts
write their figures to HTML files next to them (``fig.show()`` works as well in a notebook).
Values are written with ``repr`` (never user text pasted as code): a formula typed in the
app reaches the script as a quoted string that ``lossviz.custom_loss`` parses safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lossviz.state import current_values
from lossviz.ui.params import BY_KEY as REGISTRY
from lossviz.ui.params import CLF_DEFAULT_FEATURES, ONE_FEATURE

HEADER = '''"""Rebuilds a lossviz view. Run: python lossviz_view.py (after pip install lossviz)."""

import lossviz
from lossviz.figures.descent import Run, convergence_figure
from lossviz.figures.style import loss_color, loss_label
'''


def settings(state: Mapping[str, Any]) -> dict[str, Any]:
    """Every registry value in force: the session's, else the default."""
    values = {k: (list(f.default) if f.kind == "multi" else f.default)
              for k, f in REGISTRY.items()}
    values.update(current_values(state, REGISTRY))
    return values


def _regression_data(v: Mapping[str, Any]) -> tuple[str, str]:
    """The imports and the lines that make ``data`` (x, y, is_outlier) as the regression
    page has it."""
    source = v.get("reg_data", "generated")
    if source == "generated":
        outliers = v["reg_outliers"] if v["reg_outliers_on"] else 0
        return "", (f"data = lossviz.make_regression({v['reg_n']!r}, noise={v['reg_noise']!r}, "
                f"outliers={outliers!r},\n"
                f"                               outlier_shift={v['reg_shift']!r}, "
                f"outlier_place={v['reg_place']!r},\n"
                f"                               seed={v['reg_seed']!r})")
    if source == "csv":
        # The student's file is not in the script: it reads the file saved beside it.
        read = (f"table = read_csv(open('your_data.csv', 'rb').read())  # your file\n"
                f"x, y = table.pair(feature={v.get('reg_csv_feature', '')!r}, "
                f"target={v.get('reg_csv_target', '')!r})")
        head = "from lossviz.tabular import read_csv\n"
    else:
        feature = v.get("reg_feature") or ""
        read = (f"ds = datasets.load({source!r})\n"
                f"feature = {feature!r} if {feature!r} in ds.feature_names "
                "else ds.feature_names[0]\n"
                "x, y = ds.column(feature), ds.y")
        head = "from lossviz import datasets\n"
    return (f"from types import SimpleNamespace\n\nimport numpy as np\n\n{head}"
            "from lossviz.experiments import slider_units\n",
            f"{read}\n"
            "data = SimpleNamespace(x=np.array(x, float), y=np.array(y, float),\n"
            "                       is_outlier=np.zeros(len(x), bool))\n"
            "# The app's δ, slope and intercept sliders count in units that suit this data:\n"
            "units = slider_units(data.x, data.y)")


def _line(v: Mapping[str, Any]) -> tuple[str, str, str]:
    """The student's slope, intercept and Huber's δ as code: the sliders' values, times the
    data's units on real data (``units``, which ``_regression_data`` defines there)."""
    if v.get("reg_data", "generated") == "generated":
        return repr(v["reg_slope"]), repr(v["reg_intercept"]), repr(v["reg_delta"])
    return (f"{v['reg_slope']!r} * units.slope", f"{v['reg_intercept']!r} * units.intercept",
            f"{v['reg_delta']!r} * units.delta")


def _regression(v: Mapping[str, Any]) -> str:
    gd = v["reg_gd_losses"] or ["mse"]
    rate = ("safe_learning_rate(data.x, name)" if v["reg_fair"]
            else f"StepSize({v['reg_lr']!r}, 'constant', '')")
    imports, data = _regression_data(v)
    return f'''{imports}from lossviz.experiments import StepSize, robust_line, safe_learning_rate
from lossviz.figures import outliers

{data}
slope, intercept, delta = {", ".join(_line(v))}
predictions = slope * data.x + intercept


def loss_for(name):
    return lossviz.get_loss(name, **({{"delta": delta}} if name == "huber" else {{}}))


# Each loss's best line, exactly (least squares for MSE, a descent through the points for
# MAE, reweighted least squares for Huber).
for name in ("mse", "mae", "huber"):
    print(f"{{loss_label(name)}} of your line: {{loss_for(name)(data.y, predictions):.6g}}")
    w, b = robust_line(data.x, data.y, name, delta=delta)
    print(f"  its best line: slope {{w:.4g}}, intercept {{b:.4g}}")
lines = outliers.lines_data(data.x, data.y, data.is_outlier, delta=delta)
outliers.lines_figure(lines).write_html("regression_lines.html")

# Gradient descent as set in the app.
runs = []
for name in {gd!r}:
    step = {rate}
    history = lossviz.fit(data.x, data.y, loss_for(name), optimizer={v["reg_optimizer"]!r},
                          lr=step.lr, schedule=step.schedule, steps={v["reg_steps"]!r}, seed=0)
    print(f"{{loss_label(name)}}: {{history.describe()}}")
    runs.append(Run(loss_label(name), loss_color(name), history))
convergence_figure(runs, log_y={v["reg_log_y"]!r}).write_html("regression_convergence.html")
'''


def _classification_data(v: Mapping[str, Any]) -> tuple[str, str]:
    """The imports and the lines that make ``data`` (x, y, is_flipped) as the classification
    page has it: generated, a shipped set's fixed sample on log axes, or the student's file
    (read from the file saved beside the script) standardized."""
    source = v.get("clf_data", "generated")
    n = v["clf_n"]
    if source == "generated":
        dim = 1 if v["clf_dim"] == "1-D" else 2
        return "", (f"data = lossviz.make_classification({n!r}, dim={dim},\n"
                    f"                                   separation={v['clf_separation']!r},\n"
                    f"                                   flip={v['clf_flip']!r}, "
                    f"flip_class={v['clf_flip_class']!r},\n"
                    f"                                   seed={v['clf_seed']!r})")
    sample = (f"rows = np.random.default_rng(0).permutation(len(y))[:{n!r}]  # the app's "
              "fixed sample\n")
    if source == "csv":
        label = v.get("clf_csv_label", "")
        try:  # which label is class 1, where the column holds more than two
            positive = float(v["clf_csv_positive"])
        except (KeyError, TypeError, ValueError):
            positive = None
        features = [f for f in (v.get("clf_csv_x1", ""), v.get("clf_csv_x2", ""))
                    if f and f != ONE_FEATURE]
        return ("from lossviz.tabular import read_csv\n",
                "table = read_csv(open('your_data.csv', 'rb').read())  # your file\n"
                f"y, positive = table.labels({label!r}, {positive!r})  # the label of class 1\n"
                f"columns = [table.column(f) for f in {features!r}]\n"
                "# Standardized, as the app shows them: mean 0, standard deviation 1.\n"
                "x = np.column_stack([(c - c.mean()) / c.std() for c in columns])\n"
                + sample +
                f"data = lossviz.ClassificationData(x[rows{'' if len(features) == 2 else ', 0'}], "
                "y[rows], np.zeros(len(rows), bool))")
    features = [v.get("clf_feature_1") or "", v.get("clf_feature_2") or ""]
    return ("from lossviz import datasets\n",
            f"ds = datasets.load({source!r})\n"
            f"defaults = {list(CLF_DEFAULT_FEATURES.get(source, ('', '')))!r}\n"
            f"features = [f if f in ds.feature_names else d for f, d in zip({features!r}, "
            "defaults)]\n"
            "y = np.asarray(ds.y, float)\n"
            + sample +
            "# Both axes as the app shows them: log(1 + value).\n"
            "x = np.log1p(np.column_stack([ds.column(f)[rows] for f in features]))\n"
            "data = lossviz.ClassificationData(x, y[rows], np.zeros(len(rows), bool))")


def _classification(v: Mapping[str, Any]) -> str:
    losses = v["clf_losses"] or ["cross_entropy"]
    imports, data = _classification_data(v)
    return f'''import numpy as np

{imports}from lossviz.classify import accuracy

{data}
y_true = np.where(data.is_flipped, 1 - data.y, data.y)
runs = []
for name in {losses!r}:
    history = lossviz.fit(data.x, data.y, name, optimizer={v["clf_optimizer"]!r},
                          lr={v["clf_lr"]!r}, steps={v["clf_steps"]!r}, seed=0)
    *weights, bias = history.final_params
    weights = [round(float(w), 4) for w in weights]
    print(f"{{loss_label(name)}}: weights {{weights}}, bias {{bias:.4g}}; {{history.describe()}}")
    # The app's share of points classified right counts against the true (unflipped) labels.
    print(f"  {{accuracy(y_true, history.predict(data.x)):.0%}} of the true labels right")
    runs.append(Run(loss_label(name), loss_color(name), history))
convergence_figure(runs, log_y={v["clf_log_y"]!r}).write_html("classification_convergence.html")
'''


def _custom(v: Mapping[str, Any]) -> str:
    task = v["custom_task"]
    formula = v["custom_formula_r"] if task == "regression" else v["custom_formula_m"]
    params = {v[f"custom_p{i}_name"]: v[f"custom_p{i}_value"] for i in (1, 2, 3)
              if v[f"custom_p{i}_name"]}
    compare = v["custom_compare_r"] if task == "regression" else v["custom_compare_m"]
    if task == "regression":
        data = (f"d = lossviz.make_regression({v['custom_points']!r}, "
                f"outliers={v['custom_outliers']!r}, seed={v['custom_seed']!r})")
    else:
        data = (f"d = lossviz.make_classification({v['custom_points']!r}, dim=1, "
                f"flip={v['custom_flip']!r}, seed={v['custom_seed']!r})")
    return f'''{data}
# Your formula is parsed safely (never run as Python code); its derivative is exact.
mine = lossviz.custom_loss({formula!r}, task={task!r}, **{params!r})
print("your loss:", mine.latex, " derivative:", mine.derivative_latex)
runs = []
for loss in [mine, *(lossviz.get_loss(name) for name in {list(compare)!r})]:
    history = lossviz.fit(d.x, d.y, loss, optimizer={v["custom_optimizer"]!r},
                          lr={v["custom_lr"]!r}, steps={v["custom_steps"]!r},
                          seed={v["custom_seed"]!r})
    name = "custom" if loss is mine else loss.name
    print(f"{{loss_label(name)}}: {{history.describe()}}")
    runs.append(Run(loss_label(name), loss_color(name), history))
convergence_figure(runs, log_y={v["custom_log_y"]!r}).write_html("custom_race.html")
'''


def _stopping(v: Mapping[str, Any]) -> str:
    batch = v["stop_batch"] if v["stop_optimizer"] == "sgd" else None
    return f'''x, y = lossviz.make_curve({v["stop_points"]!r}, noise={v["stop_noise"]!r},
                          seed={v["stop_seed"]!r})
x_train, y_train, x_val, y_val = lossviz.train_validation_split(
    x, y, validation_fraction={v["stop_val_share"]!r}, seed={v["stop_seed"]!r})
steps = {v["stop_steps"]!r}
name = {v["stop_schedule"]!r}
# Exponential decay reaches 1% of the base rate at the end of the budget, as in the app.
schedule = (lossviz.get_schedule("exponential", gamma=0.01 ** (1.0 / steps))
            if name == "exponential" else lossviz.get_schedule(name))
history = lossviz.fit(x_train, y_train, {v["stop_loss"]!r}, model="poly",
                      degree={v["stop_degree"]!r}, optimizer={v["stop_optimizer"]!r},
                      lr={v["stop_lr"]!r}, steps=steps,
                      schedule=schedule, batch_size={batch!r}, seed={v["stop_seed"]!r},
                      validation=(x_val, y_val))
print(history.describe())
best = history.best_step
print(f"lowest validation loss {{history.val_loss[best]:.4g}} at step {{best}}")
run = Run(loss_label({v["stop_loss"]!r}), loss_color({v["stop_loss"]!r}), history)
convergence_figure([run], log_y={v["stop_log"]!r}).write_html("stopping_training_loss.html")
'''


# Modules a library's call may use, each imported only when the call names it.
_IMPORTS = {
    "PyTorch": (("", "import torch"),),  # always: the data become tensors
    "Keras": (("keras.", "import keras"),),
    "optax": (("jnp.", "import jax.numpy as jnp"), ("optax.", "import optax")),
    "scikit-learn": (("scipy.special.", "import scipy.special"),
                     ("sklearn.metrics.", "import sklearn.metrics"),
                     ("sklearn._loss.loss.", "import sklearn._loss.loss")),
}


def _function_name(library: str) -> str:
    return "with_" + library.lower().replace("-", "_")


def _library_function(library: str, code: str) -> str:
    """A function that runs ``code`` (an expression lossviz wrote, no user text) in ``library``."""
    body = "".join(f"    {line}\n" for used, line in _IMPORTS[library] if used in code)
    if library == "PyTorch":  # torch.tensor keeps float64, and int64 for class labels
        body += "\n    y_true, y_pred = torch.tensor(y_true), torch.tensor(y_pred)\n"
    else:
        body += "\n"
    return f"def {_function_name(library)}(y_true, y_pred):\n{body}    return float({code})\n"


def _conventions(v: Mapping[str, Any]) -> str:
    from lossviz.conventions import library_code
    from lossviz.losses import get_loss, loss_class

    name = v["conv_loss"]
    cls = loss_class(name)
    params = {key: v["conv_param"] for key in cls.param_specs}
    n, k, seed = v["conv_n"], v["conv_outliers"], v["conv_seed"]
    lab = cls.task == "regression" and v.get("conv_source") == "regression lab"
    if lab and v.get("reg_data", "generated") not in ("generated", "csv"):
        imports, made = _regression_data(v)
        slope, intercept, _ = _line(v)
        data = (f"{imports}{made}\n"
                f"y_true, y_pred = data.y, {slope} * data.x + {intercept}")
    elif lab:
        outliers = v["reg_outliers"] if v["reg_outliers_on"] else 0
        data = (f"d = lossviz.make_regression({v['reg_n']!r}, noise={v['reg_noise']!r}, "
                f"outliers={outliers!r}, outlier_shift={v['reg_shift']!r}, "
                f"outlier_place={v['reg_place']!r}, seed={v['reg_seed']!r})\n"
                f"y_true, y_pred = d.y, {v['reg_slope']!r} * d.x + {v['reg_intercept']!r}")
    elif cls.task == "regression":
        data = (f"d = lossviz.make_regression({n!r}, outliers={k!r}, outlier_shift=8.0, "
                f"seed={seed!r})\ny_true, y_pred = d.y, 1.2 * d.x + 1.5")
    elif cls.task == "classification":
        data = (f"d = lossviz.make_classification({n!r}, dim=1, flip={min(k, n)!r}, "
                f"seed={seed!r})\ny_true, y_pred = d.y.astype(float), 1.5 * np.ravel(d.x)")
    else:  # class labels stay integers: PyTorch and Keras index with them
        data = (f"rng = np.random.default_rng({seed!r})\nlabels = rng.integers(0, 3, {n!r})\n"
                f"y_true = labels\n"
                f"y_pred = rng.normal(0.0, 1.5, ({n!r}, 3)) + 1.5 * np.eye(3)[labels]")
    try:
        codes = library_code(get_loss(name, **params))
    except ValueError:  # a parameter the loss rejects: the script stops where the app does
        codes = []
    functions = "\n\n".join(_library_function(lib, code) for lib, code in codes)
    calls = ", ".join(_function_name(lib) for lib, _ in codes)
    return f'''import os

import numpy as np

from lossviz.conventions import library_calls

os.environ.setdefault("KERAS_BACKEND", "jax")  # Keras 3 on JAX; read when keras is imported

{data}
loss = lossviz.get_loss({name!r}, **{params!r})
print("lossviz:", repr(loss(y_true, y_pred)))


# Each library's own call on the same data (pip install torch keras jax optax scikit-learn).
{functions}

# What the app shows for each library, and what the library itself returns here.
for row, call in zip(library_calls(loss, y_true, y_pred), [{calls}], strict=True):
    try:
        returned = repr(call(y_true, y_pred))
    except ImportError as err:
        returned = f"not installed ({{err.name}})"
    print(f"{{row.library}}: shown {{row.shown}}, returns {{returned}}; {{row.agreement}}")
    print(f"    {{row.code}}")
'''


TEMPLATES = {
    "regression": _regression,
    "classification": _classification,
    "custom": _custom,
    "stopping": _stopping,
    "conventions": _conventions,
}


def snippet(state: Mapping[str, Any], section: str | None = None) -> str:
    """The script for ``section`` (default: the regression lab) with the settings in ``state``.

    Example: ``snippet({"reg_delta": 2.0}, "regression")`` -> a script that prints the three
    losses of the line and writes its figures to HTML files.
    """
    values = settings(state)
    for key in ("reg_csv_target", "reg_csv_feature", "clf_csv_label", "clf_csv_x1",
                "clf_csv_x2", "clf_csv_positive"):  # a file's columns: not parameters
        if isinstance(state.get(key), str):
            values[key] = state[key]
    template = TEMPLATES.get(section or "regression", _regression)
    try:
        body = template(values)
    except KeyError:  # a section whose parameters are not registered: the core alone
        body = "print(lossviz.available_losses())\n"
    return HEADER + "\n" + body
