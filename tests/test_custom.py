"""User-written losses: equal to the built-ins, exact derivatives, training, and safety."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossviz
from lossviz.custom import CustomLoss, FormulaError, custom_loss, parse_formula
from lossviz.custom.latex import to_text
from lossviz.custom.parser import check_params

RNG = np.random.default_rng(0)
# Residuals with the kinks included: 0, +-1 (hinge, Huber), +-2.5.
Z = np.concatenate([[0.0, 1.0, -1.0, 2.5, -2.5], RNG.normal(0, 3, 60)])
Y_REG = RNG.normal(0, 2, Z.size)
Y_CLF = (RNG.random(Z.size) < 0.5).astype(float)


def _data(task: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if task == "regression":
        return Y_REG[: z.size], Y_REG[: z.size] + z
    y = Y_CLF[: z.size]
    return y, z * (2 * y - 1)  # margin z


# formula, task, params, built-in name, built-in params
SAME_AS_BUILTIN = [
    ("r**2", "regression", {}, "mse", {}),
    ("abs(r)", "regression", {}, "mae", {}),
    ("where(abs(r) < d, r**2/2, d*(abs(r) - d/2))", "regression", {"d": 1.0}, "huber",
     {"delta": 1.0}),
    ("where(abs(r) <= d, r**2/2, d*(abs(r) - d/2))", "regression", {"d": 2.5}, "huber",
     {"delta": 2.5}),
    ("tau*maximum(-r, 0) + (1 - tau)*maximum(r, 0)", "regression", {"tau": 0.9}, "quantile",
     {"tau": 0.9}),
    ("c**2/2*log(1 + (r/c)**2)", "regression", {"c": 1.5}, "cauchy", {"c": 1.5}),
    ("log(cosh(r))", "regression", {}, "log_cosh", {}),
    ("d**2*(sqrt(1 + (r/d)**2) - 1)", "regression", {"d": 2.0}, "pseudo_huber",
     {"delta": 2.0}),
    ("log(1 + exp(-m))", "classification", {}, "cross_entropy", {}),
    ("softplus(-m)", "classification", {}, "cross_entropy", {}),
    ("maximum(0, 1 - m)", "classification", {}, "hinge", {}),
    ("max(1 - m, 0)**2", "classification", {}, "squared_hinge", {}),
    ("where(m >= -1, maximum(0, 1 - m)**2, -4*m)", "classification", {}, "modified_huber", {}),
    ("exp(-m)", "classification", {}, "exponential", {}),
]


@pytest.mark.parametrize(
    ("formula", "task", "params", "name", "builtin_params"),
    SAME_AS_BUILTIN,
    ids=[row[3] + ":" + row[0] for row in SAME_AS_BUILTIN],
)
def test_custom_equals_builtin(formula, task, params, name, builtin_params):
    mine = custom_loss(formula, task, **params)
    ref = lossviz.get_loss(name, **builtin_params)
    # pseudo-Huber and log-cosh are written naively here; they lose a few digits near 0.
    rtol = 1e-9 if name in ("pseudo_huber", "log_cosh") else 1e-13
    y_true, y_pred = _data(task, Z)
    np.testing.assert_allclose(mine.pointwise(y_true, y_pred), ref.pointwise(y_true, y_pred),
                               rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(mine.gradient(y_true, y_pred), ref.gradient(y_true, y_pred),
                               rtol=rtol, atol=1e-13)
    assert mine(y_true, y_pred) == pytest.approx(ref(y_true, y_pred), rel=rtol)
    np.testing.assert_allclose(mine.elementwise(Z), ref.elementwise(Z), rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(mine.derivative(Z), ref.derivative(Z), rtol=rtol, atol=1e-13)
    assert mine.convex == ref.convex


def test_kink_conventions_match_builtins_exactly():
    kinks = np.array([0.0, 1.0, -1.0])
    assert custom_loss("abs(r)").derivative(kinks)[0] == 0.0  # sign(0) = 0, like MAE
    assert custom_loss("maximum(0, 1 - m)", "classification").derivative(kinks)[1] == 0.0
    assert custom_loss("maximum(1 - m, 0)", "classification").derivative(kinks)[1] == 0.0
    pinball = custom_loss("tau*maximum(-r, 0) + (1 - tau)*maximum(r, 0)", tau=0.3)
    assert pinball.derivative(kinks)[0] == 0.0  # as the built-in quantile loss
    assert custom_loss("clip(r, -1, 1)").derivative(kinks).tolist() == [1.0, 1.0, 1.0]
    assert custom_loss("clip(r, -1, 1)").derivative([2.0, -2.0]).tolist() == [0.0, 0.0]
    assert custom_loss("sign(r)*3").derivative(kinks).tolist() == [0.0, 0.0, 0.0]


def test_naive_log_loss_overflows_where_the_builtin_does_not():
    naive = custom_loss("log(1 + exp(-m))", "classification")
    stable = custom_loss("softplus(-m)", "classification")
    ref = lossviz.get_loss("cross_entropy")
    y, f = np.array([1.0, 1.0]), np.array([0.5, -800.0])  # margin -800: exp(800) overflows
    assert ref(y, f) == pytest.approx((np.log1p(np.exp(-0.5)) + 800.0) / 2, rel=1e-14)
    assert stable(y, f) == pytest.approx(ref(y, f), rel=1e-14)
    with pytest.raises(FormulaError, match=r"exp\(-m\) is too large for float64 .* point 1"):
        naive(y, f)


HAND_DERIVED = [
    ("log(1 + r**2)", {}, lambda r: 2 * r / (1 + r**2)),
    ("abs(r)**1.5", {}, lambda r: 1.5 * np.sqrt(np.abs(r)) * np.sign(r)),
    ("r**3/3 - r", {}, lambda r: r**2 - 1),
    ("exp(r/4)", {}, lambda r: np.exp(r / 4) / 4),
    ("sqrt(1 + r**2)", {}, lambda r: r / np.sqrt(1 + r**2)),
    ("sin(r)*cos(r)", {}, lambda r: np.cos(2 * r)),
    ("tanh(r)**2", {}, lambda r: 2 * np.tanh(r) / np.cosh(r) ** 2),
    ("log1p(r**2)", {}, lambda r: 2 * r / (1 + r**2)),
    ("expm1(r/5)", {}, lambda r: np.exp(r / 5) / 5),
    ("sinh(r/3)", {}, lambda r: np.cosh(r / 3) / 3),
    ("cosh(r/3)", {}, lambda r: np.sinh(r / 3) / 3),
    ("arctan(r)", {}, lambda r: 1 / (1 + r**2)),
    ("tan(r/10)", {}, lambda r: 1 / (10 * np.cos(r / 10) ** 2)),
    ("log2(2 + r**2)", {}, lambda r: 2 * r / ((2 + r**2) * np.log(2))),
    ("log10(2 + r**2)", {}, lambda r: 2 * r / ((2 + r**2) * np.log(10))),
    ("sigmoid(r)", {}, lambda r: np.exp(-r) / (1 + np.exp(-r)) ** 2),
    ("logaddexp(r, 2*r)", {},
     lambda r: (np.exp(r) + 2 * np.exp(2 * r)) / (np.exp(r) + np.exp(2 * r))),
    ("hypot(r, 3)", {}, lambda r: r / np.hypot(r, 3)),
    ("2**r", {}, lambda r: 2**r * np.log(2)),
    ("(2 + r**2)**(r/4)", {}, lambda r: (2 + r**2) ** (r / 4)
     * (np.log(2 + r**2) / 4 + (r / 4) * 2 * r / (2 + r**2))),
    ("c*r**2 + k", {"c": 3.0, "k": 7.0}, lambda r: 6 * r),
    ("r/(1 + abs(r))", {}, lambda r: 1 / (1 + np.abs(r)) ** 2),
    ("minimum(r**2, 4)", {}, lambda r: np.where(r**2 < 4, 2 * r, 0.0)),
    ("where(r > 0, r**2, -r)", {}, lambda r: np.where(r > 0, 2 * r, -1.0)),
    ("clip(r, -1, 2)**2", {}, lambda r: np.where((r >= -1) & (r <= 2), 2 * r, 0.0)),
    ("-(r - 1)**2 + pi", {}, lambda r: -2 * (r - 1)),
]


@pytest.mark.parametrize(("formula", "params", "expected"), HAND_DERIVED,
                         ids=[row[0] for row in HAND_DERIVED])
def test_derivative_matches_hand_derived(formula, params, expected):
    loss = custom_loss(formula, **params)
    r = np.linspace(-3.1, 3.3, 97)  # avoids the kinks at 0, +-2
    np.testing.assert_allclose(loss.derivative(r), expected(r), rtol=1e-12, atol=1e-12)
    # the training gradient is the same derivative, divided by n
    y = np.full(r.size, 0.7)
    np.testing.assert_allclose(loss.gradient(y, y + r), expected(r) / r.size, rtol=1e-12,
                               atol=1e-14)


def test_derivative_in_regression_uses_y_and_yhat_correctly():
    # l = (yhat - y)**2 / (1 + y**2): d/d yhat = 2 r / (1 + y**2), y fixed
    loss = custom_loss("(yhat - y)**2/(1 + y**2)")
    y, p = np.array([0.0, 1.0, -2.0]), np.array([1.0, 3.0, 0.5])
    np.testing.assert_allclose(loss.gradient(y, p), 2 * (p - y) / (1 + y**2) / 3, rtol=1e-15)
    np.testing.assert_allclose(loss.derivative([1.0, 2.0], y_true=1.0), [1.0, 2.0])


SMOOTH = ["log(1 + r**2)", "exp(-r**2)*r", "sigmoid(r)*r**2", "sqrt(2 + sin(r))",
          "r**3/(1 + r**2)", "softplus(r)**2", "cosh(r/2)*tanh(r)"]


@settings(max_examples=60, deadline=None)
@given(formula=st.sampled_from(SMOOTH), r=st.floats(-4, 4))
def test_derivative_agrees_with_a_numerical_check(formula, r):
    # The loss never uses finite differences; the test uses one to check it independently.
    loss = custom_loss(formula)
    h = 1e-6
    numeric = (loss.elementwise([r + h])[0] - loss.elementwise([r - h])[0]) / (2 * h)
    assert loss.derivative([r])[0] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("r**2", "2*r"), ("r**2/2", "r"), ("log(1 + r**2)", "2*r/(1 + r**2)"),
     ("abs(r)", "sign(r)"), ("3*r + 7", "3"), ("c**2/2*log(1 + (r/c)**2)", "r/(1 + (r/c)**2)")],
)
def test_derivative_is_simplified(formula, expected):
    assert custom_loss(formula, c=1.0).derivative_text == expected


def test_latex_is_sane():
    loss = custom_loss("where(abs(r) < d, r**2/2, d*(abs(r) - d/2))", d=1.5)
    assert loss.latex.startswith(r"\ell(r) = \begin{cases}")
    assert loss.latex.endswith(r"\quad d = 1.5")
    assert loss.derivative_latex == (
        r"\ell'(r) = \begin{cases} r & \left|r\right| < d \\ d\,\operatorname{sign}\left(r\right)"
        r" & \text{otherwise} \end{cases}"
    )
    assert custom_loss("log(1 + r**2)").derivative_latex == r"\ell'(r) = \frac{2\,r}{1 + r^{2}}"
    assert custom_loss("exp(-m)", "classification").latex == r"\ell(m) = e^{-m}"
    assert custom_loss("tau*r", tau=0.5).latex == r"\ell(r) = \tau\,r,\quad \tau = 0.5"
    for formula, task, params, _, _ in SAME_AS_BUILTIN:
        loss = custom_loss(formula, task, **params)
        for tex in (loss.latex, loss.derivative_latex):
            assert tex.count("{") == tex.count("}")
            assert tex.count(r"\left") == tex.count(r"\right")


ROUND_TRIP = [(row[0], row[1]) for row in SAME_AS_BUILTIN] + [
    ("-(r/2)", "regression"), ("r - (-1)", "regression"), ("2**-r", "regression"),
    ("-2**2*r", "regression"), ("where(0 < r < 1, r, -r)", "regression"),
    ("where((r > 1) | ~(r > -1), 1, 0)", "regression")]


@pytest.mark.parametrize(("formula", "task"), ROUND_TRIP, ids=[row[0] for row in ROUND_TRIP])
def test_plain_text_reads_back_as_the_same_formula(formula, task):
    params = {"d": 1.0, "tau": 0.5, "c": 1.0}
    tree = parse_formula(formula, task, params).tree
    assert parse_formula(to_text(tree), task, params).tree == tree


def test_loss_object_behaves_like_a_builtin():
    loss = custom_loss("c*log(1 + r**2)", c=2)
    assert isinstance(loss, lossviz.Loss)
    assert (loss.name, loss.label, loss.task, loss.variable) == ("custom", "Custom",
                                                                 "regression", "r")
    assert loss.params == {"c": 2.0}
    assert loss([0.0, 0.0], [1.0, 2.0]) == pytest.approx(np.log(2) + np.log(5))
    value, grad = loss.value_and_gradient([0.0, 0.0], [1.0, 2.0])
    assert value == pytest.approx(np.log(2) + np.log(5))
    np.testing.assert_allclose(grad, [2 * 2 * 1 / 2 / 2, 2 * 2 * 2 / 5 / 2])
    clf = custom_loss("exp(-m)", "classification")
    assert (clf.task, clf.variable) == ("classification", "m")
    with pytest.raises(ValueError, match="binary labels"):
        clf([0.0, 2.0], [1.0, 1.0])
    assert pickle.loads(pickle.dumps(loss)).formula == loss.formula
    assert repr(loss) == "custom_loss('c*log(1 + r**2)', task='regression', c=2)"


def test_fit_with_custom_mse_equals_fit_with_mse():
    data = lossviz.make_regression(40, outliers=2, seed=3)
    ref = lossviz.fit(data.x, data.y, "mse", optimizer="adam", lr=0.05, steps=200)
    mine = lossviz.fit(data.x, data.y, custom_loss("r**2"), optimizer="adam", lr=0.05,
                       steps=200)
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mine.loss, ref.loss, rtol=1e-12)
    assert mine.loss_name == "Custom"


def test_fit_with_hand_written_log_loss_equals_cross_entropy():
    data = lossviz.make_classification(60, seed=1)
    kw = dict(optimizer="gd", lr=0.5, steps=150)
    ref = lossviz.fit(data.x, data.y, "cross_entropy", **kw)
    mine = lossviz.fit(data.x, data.y, custom_loss("log(1 + exp(-m))", "classification"), **kw)
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-10, atol=1e-12)
    assert mine.loss[-1] < mine.loss[0]


@pytest.mark.parametrize("optimizer", ["gd", "adam", "sgd"])
def test_a_formula_of_y_and_yhat_trains_as_its_formula_in_r(optimizer):
    # "log(cosh(r))" is a function of the residual alone: fit trains it on its slope and
    # computes its values after the loop. Written with y and yhat it needs each point's
    # y_true, and fit trains it on the predictions, evaluating value and slope every step.
    data = lossviz.make_regression(80, outliers=3, seed=2)
    kw = dict(optimizer=optimizer, lr=0.05, steps=300, seed=1)
    in_r = custom_loss("c*log(cosh(r/c))", c=1.5)
    of_y = custom_loss("c*log(cosh((yhat - y)/c))", c=1.5)
    assert type(of_y) is not type(in_r)
    assert of_y.reads_target
    assert not in_r.reads_target
    assert isinstance(of_y, CustomLoss)
    a = lossviz.fit(data.x, data.y, in_r, **kw)
    b = lossviz.fit(data.x, data.y, of_y, **kw)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)
    np.testing.assert_allclose(a.grad_norm, b.grad_norm, rtol=1e-9, atol=1e-13)
    for loss in (in_r, of_y):
        again = pickle.loads(pickle.dumps(loss))
        assert type(again) is type(loss)
        assert again(data.y, data.y + 1.0) == loss(data.y, data.y + 1.0)


def test_fit_reports_divergence_of_an_unbounded_loss_instead_of_raising():
    data = lossviz.make_regression(30, seed=0)
    history = lossviz.fit(data.x, data.y, custom_loss("r**3"), lr=0.5, steps=500)
    assert history.diverged
    assert np.all(np.isfinite(history.loss))


def test_shape_checks():
    assert custom_loss("r**2").convex
    assert custom_loss("abs(r)").convex
    assert not custom_loss("log(1 + r**2)").convex
    assert not custom_loss("r**3/3 + r**2").convex
    assert not custom_loss("where(abs(r) < 1, 0, 1)").convex  # a jump: flat on both sides
    assert not custom_loss("log(r)").convex  # undefined for r <= 0
    assert custom_loss("r**3").looks_unbounded_below(-4, 4)
    assert custom_loss("-r").looks_unbounded_below(-4, 4)
    assert not custom_loss("log(1 + exp(-m))", "classification").looks_unbounded_below(-4, 4)
    assert not custom_loss("r**2 - 10").looks_unbounded_below(-4, 4)


# -- errors that point at the problem ------------------------------------------------------
def test_syntax_error_shows_the_position():
    with pytest.raises(FormulaError) as info:
        custom_loss("log(1 + * r)")
    err = info.value
    assert err.position == 8
    assert "syntax error at column 9" in str(err)
    assert str(err).endswith("\n  log(1 + * r)\n          ^")


def test_unknown_name_lists_the_allowed_ones():
    with pytest.raises(FormulaError, match=r"unknown name 'q'.*variables r .*yhat.*log1p") as info:
        custom_loss("log(1 + q**2)")
    assert info.value.position == 8
    with pytest.raises(FormulaError, match="did you mean delta"):
        custom_loss("r*delt", delta=1.0)
    with pytest.raises(FormulaError, match="task='classification'"):
        custom_loss("exp(-m)")
    with pytest.raises(FormulaError, match=r"'logg' is not an allowed function \(did you mean log"):
        custom_loss("logg(r)")


def test_not_finite_on_the_data_names_the_part_and_the_point():
    loss = custom_loss("r**2 + log(r)")
    with pytest.raises(FormulaError, match=r"^log\(r\) is undefined for r <= 0, e\.g\. at point 3"):
        loss([0, 0, 0, 0], [1.0, 2.0, 3.0, -1.0])
    with pytest.raises(FormulaError, match=r"1/r divides by zero at point 1"):
        custom_loss("1/r")([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(FormulaError, match=r"derivative is not.*2\*sqrt\(abs\(r\)\) = 0"):
        custom_loss("sqrt(abs(r))").gradient([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(FormulaError, match=r"r\*\*0.5 is undefined for negative r"):
        custom_loss("r**0.5")([0.0], [-2.0])
    # where() only looks at the branch it chose: log(r) for r <= 0 is thrown away.
    assert custom_loss("where(r > 0, log(1 + r), r**2)")([0.0], [-2.0]) == 4.0


@pytest.mark.parametrize(
    ("params", "match"),
    [({"r": 1.0}, "cannot be a parameter name"), ({"log": 1.0}, "cannot be a parameter"),
     ({"lambda": 1.0}, "cannot be a parameter"), ({"_x": 1.0}, "is not allowed"),
     ({"d": "1; rm"}, "must be a number"), ({"d": float("nan")}, "finite"),
     ({"d": True}, "must be a number"), ({f"p{i}": 1.0 for i in range(11)}, "at most 10")],
)
def test_bad_parameters_are_refused(params, match):
    with pytest.raises(FormulaError, match=match):
        custom_loss("r**2", **params)


def test_bad_task_is_refused():
    with pytest.raises(ValueError, match=r"'regression'.*'classification'"):
        custom_loss("r**2", task="multiclass")


# -- hostile and broken input: refused fast, nothing runs ----------------------------------
HOSTILE = {
    "import-call": "__import__('os').system('touch /tmp/pwned_lossviz')",
    "import-no-quotes": "__import__(os)",
    "dunder-class": "().__class__.__bases__[0].__subclasses__()",
    "dunder-attr-on-r": "r.__class__",
    "attribute": "r.real",
    "open-file": "open('x')",
    "exec-call": "exec(r)",
    "builtin-name": "globals()",
    "lambda": "(lambda: 1)()",
    "comprehension": "[x for x in (1, 2)]",
    "generator": "sum(x for x in r)",
    "string": "'abc'",
    "bytes": "b'abc'",
    "f-string": "f'{r}'",
    "conditional": "r if r > 0 else -r",
    "walrus": "(x := r)",
    "keyword-arg": "log(r, base=2)",
    "starred": "maximum(*r)",
    "double-star-kwargs": "where(**r)",
    "subscript": "r[0]",
    "huge-power-9": "9**9**9",
    "huge-power-10": "10**10**10",
    "power-of-param-too-big": "r**p",
    "constant-overflow": "(2**100)**100 * r",
    "exp-overflow-constant": "exp(exp(exp(10)))*r",
    "nested-parens-10000": "(" * 10_000 + "r" + ")" * 10_000,
    "nested-parens-31": "(" * 31 + "r" + ")" * 31,
    "input-100kb": "r+" * 50_000 + "r",
    "empty": "",
    "blank": "   \n\t ",
    "unicode-fullwidth": "ｅｘｅｃ(r)",
    "unicode-lookalike": "lоg(r)",  # Cyrillic o
    "null-byte": "r\x00",
    "semicolon": "r; import os",
    "statement": "import os",
    "assignment": "r = 1",
    "comparison-outside-where": "r < 1",
    "bool-op-outside-where": "r and 1",
    "where-needs-condition": "where(r, 1, 2)",
    "true-literal": "True*r",
    "complex": "1j*r",
    "huge-literal": "1" + "0" * 400,
    "float-inf-literal": "1e999*r",
    "floor-div": "r//2",
    "modulo": "r % 2",
    "xor-as-power": "r^2",
    "bitshift": "r << 100",
    "too-many-signs": "-" * 200 + "r",
    "many-terms": "+".join(["r"] * 240),
    "deep-power-chain": "**".join(["r"] * 120),
    "call-a-number": "2(r)",
    "call-result": "abs(r)(r)",
    "wrong-arity": "log(r, r)",
    "unknown-function": "system(r)",
    "underscore-name": "_",
    "backslash": "r \\\n + 1",
    "comment": "r # comment",
    "is-test": "where(r is r, 1, 2)",
    "in-test": "where(r in r, 1, 2)",
    "unbalanced": "log(r",
    "unbalanced-close": "r)",
    "dict": "{1: r}",
    "not-text": 42,
}


@pytest.mark.parametrize("formula", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_or_broken_input_is_refused(formula):
    # How fast: benchmarks/bench_custom_refusal.py (timings do not belong in unit tests).
    with pytest.raises(ValueError, match=r"\S") as info:
        custom_loss(formula, p=1000.0)
    assert isinstance(info.value, FormulaError)
    assert str(info.value)  # a message, never empty


def test_nothing_ran(tmp_path, monkeypatch):
    target = tmp_path / "pwned"
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    attempts = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w').write('x')",
        f"exec(\"open('{target}','w')\")",
        "__import__(os).system(touch)",
        f"[__import__('os').system('touch {target}') for _ in (1,)]",
        f"(lambda: __import__('os').system('touch {target}'))()",
    ]
    for text in attempts:
        with pytest.raises(FormulaError):
            custom_loss(text)
    assert not target.exists()
    assert not os.path.exists("/tmp/pwned_lossviz")
    assert calls == []


def test_limits():
    assert CustomLoss("r").formula == "r"
    with pytest.raises(FormulaError, match="at most 500"):
        custom_loss("r" + " " * 600)
    with pytest.raises(FormulaError, match=r"exponent 9\*\*9 = 3.8742e\+08 is too large"):
        custom_loss("9**9**9")
    assert custom_loss("r**100")([0.0], [1.0]) == 1.0
    assert custom_loss("(r**2)**50")([0.0], [1.0]) == 1.0


_FORMULA_CHARS = "rmy0123456789.+-*/()<>=&|~!, ablogexpsqrtwhereminaxclip_"


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=40),
                      st.text(alphabet=_FORMULA_CHARS, max_size=40)))
def test_any_text_gives_a_loss_or_a_formula_error(text):
    # Whatever is typed: a loss, or a FormulaError with a message; never another exception.
    try:
        loss = custom_loss(text, c=1.0)
    except FormulaError as err:
        message = str(err)
        loss = None
    if loss is None:
        assert message
        return
    with np.errstate(all="ignore"):
        loss.elementwise(np.linspace(-3, 3, 7))
        loss.derivative(np.linspace(-3, 3, 7))
    assert loss.latex.startswith(r"\ell(r) = ")
    assert parse_formula(to_text(loss.expression), "regression", {"c": 1.0}).tree == (
        loss.expression
    )


def test_curves_raise_where_undefined_unless_asked_for_gaps():
    loss = custom_loss("log(r)")
    with pytest.raises(FormulaError, match=r"log\(r\) is undefined for r <= 0, e\.g\. at r=-1"):
        loss.elementwise([-1.0, 1.0])
    with pytest.raises(FormulaError, match=r"1/r divides by zero at r=0"):
        custom_loss("1/r").derivative([0.0])
    values = loss.elementwise([-1.0, 1.0], check=False)
    assert np.isnan(values[0])
    assert values[1] == 0.0
    assert np.isinf(loss.derivative([0.0], check=False)[0])


@pytest.mark.parametrize(("formula", "says"), [
    ("2*(1e308*r)", "too large for float64"),  # the derivative's 2*1e308 folded to inf
    ("1e308*r + 1e308*r", "too large for float64"),
    ("1e308*r - (-1e308*r)", "too large for float64"),
    ("r**2/(c - c)", "divides by zero"),
    ("r**2/(0*c)", "divides by zero"),  # the derivative's (2*r)/(0*c) divided by 0
])
def test_numbers_too_large_or_a_zero_divisor_are_a_message_not_a_crash(formula, says):
    # The simplifier folds 2*1e308 only when the result is a finite number, and (2*x)/(0*y)
    # not at all. The loss and its derivative are then written out (the LaTeX raised
    # OverflowError, the derivative ZeroDivisionError or recursed without end), and using
    # them says what is wrong.
    loss = custom_loss(formula, c=1.0) if "c" in formula else custom_loss(formula)
    assert loss.latex
    assert loss.derivative_latex
    with pytest.raises(FormulaError, match=says):
        loss.derivative(np.array([1.0]))


def test_a_parameter_may_be_called_formula_or_self_but_not_task():
    # custom_loss(formula, /, task=..., **params): "formula" and "self" clashed with its
    # own arguments (TypeError); "task" is its keyword, so it is refused by name.
    for name in ("formula", "self"):
        loss = custom_loss(f"{name}*r**2", **{name: 2.0})
        assert loss(np.zeros(1), np.ones(1)) == pytest.approx(2.0)
    with pytest.raises(FormulaError, match="'task' cannot be a parameter name"):
        check_params({"task": 2.0})
