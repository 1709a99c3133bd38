"""The shipped data sets: they load, carry their metadata, and say only what is true of them.

Every fact that a context paragraph in ``assets/data/*.toml`` states and numpy can check is
recomputed here from the shipped numbers (least squares by ``lstsq``, least absolute
deviation and quantile lines exactly, by trying every line through two points).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import lossviz
from lossviz import datasets
from lossviz.datasets import DATA_DIR, Dataset, load, read

NAMES = datasets.available()
PROMISED = ("anscombe_3", "digits", "elnino_sst", "engel", "house_prices", "spam", "stackloss",
            "stars_cyg_ob1")


def ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients (intercept first) and residuals y - fit."""
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    return beta, y - design @ beta


def quantile_line(x: np.ndarray, y: np.ndarray, q: float = 0.5) -> tuple[float, float]:
    """(intercept, slope) minimising the pinball loss at quantile q (q = 0.5: MAE), exactly.

    A line with an optimal loss passes through two of the points (a vertex of the linear
    programme), so trying every pair finds it.
    """
    i, j = np.triu_indices(len(x), k=1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    slope = (y[j] - y[i]) / (x[j] - x[i])
    intercept = y[i] - slope * x[i]
    r = y[None, :] - (intercept[:, None] + slope[:, None] * x[None, :])
    loss = np.where(r >= 0, q * r, (q - 1) * r).sum(axis=1)
    best = int(np.argmin(loss))
    return float(intercept[best]), float(slope[best])


# --- every data set -------------------------------------------------------------------------

def test_the_promised_data_sets_are_shipped():
    assert set(PROMISED) <= set(NAMES)
    assert list(NAMES) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_loads_with_its_metadata(name):
    ds = load(name)
    assert isinstance(ds, Dataset)
    assert ds.name == name
    for text in (ds.title, ds.context, ds.source, ds.citation, ds.licence, ds.notes):
        assert isinstance(text, str)
        assert text.strip()
    assert "redistribut" in ds.licence.lower()
    assert re.search(r"\d+\.\d+", ds.source), "source names the package version it came from"
    assert len(ds.context.split()) >= 40, "one paragraph of context, not a caption"
    assert ds.task in datasets.TASKS
    assert name in repr(ds)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_numbers(name):
    ds = load(name)
    assert ds.x.ndim == 2
    assert ds.y.shape == (ds.n,)
    assert ds.x.shape == (ds.n, ds.k) == (ds.n, len(ds.feature_names))
    assert ds.n > 0
    assert ds.x.dtype == np.float64
    assert np.isfinite(ds.x).all()
    assert np.isfinite(ds.y).all()
    assert ds.columns == (*ds.feature_names, ds.target_name)
    assert len(set(ds.columns)) == len(ds.columns)
    assert set(ds.units) == set(ds.columns)
    assert all(isinstance(u, str) for u in ds.units.values())
    for j, feature in enumerate(ds.feature_names):
        np.testing.assert_array_equal(ds.column(feature), ds.x[:, j])
    np.testing.assert_array_equal(ds.column(ds.target_name), ds.y)
    if ds.image_shape is not None:
        assert ds.x[0].reshape(ds.image_shape).shape == ds.image_shape


@pytest.mark.parametrize("name", NAMES)
def test_the_task_matches_y(name):
    ds = load(name)
    if ds.task == "regression":
        assert ds.y.dtype == np.float64
        assert ds.class_names == ()
        assert np.unique(ds.y).size > 2
    else:
        assert np.issubdtype(ds.y.dtype, np.integer)
        k = len(ds.class_names)
        assert k == 2 if ds.task == "binary" else k > 2
        # every label 0 .. K-1 occurs, and no other
        np.testing.assert_array_equal(np.unique(ds.y), np.arange(k))


@pytest.mark.parametrize("name", NAMES)
def test_arrays_are_read_only_and_the_cache_stays_clean(name):
    ds = load(name)
    first_y = ds.y[0]
    for arr in (ds.x, ds.y, ds.column(ds.feature_names[0])):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 123
    assert load(name) is ds
    assert load(name).y[0] == first_y
    mine = ds.x.copy()
    mine[0] = -1.0  # a copy is the caller's to change, and leaves the cache alone
    assert not np.shares_memory(mine, load(name).x)
    with pytest.raises(TypeError):
        ds.units[ds.target_name] = "changed"  # type: ignore[index]


def test_an_unknown_name_says_which_names_exist():
    with pytest.raises(ValueError, match="unknown data set 'iris'") as err:
        load("iris")
    for name in NAMES:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="available: "):
        load(3)  # type: ignore[arg-type]


def test_an_unknown_column_says_which_columns_exist():
    with pytest.raises(ValueError, match=r"no column 'price'.*air_flow, water_temp"):
        load("stackloss").column("price")


def test_the_package_exports_the_module():
    assert lossviz.datasets is datasets
    assert "datasets" in lossviz.__all__
    assert lossviz.datasets.load("stackloss").x.shape == (21, 3)


def test_the_data_folder_is_small_and_documented():
    total = sum(p.stat().st_size for p in DATA_DIR.iterdir() if p.is_file())
    assert total < 3_000_000
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"`{name}`" in readme
        assert f"{load(name).n} x {load(name).k}" in readme


# --- the reader's checks ------------------------------------------------------------------

GOOD_TOML = """
title = "t"
context = "c"
task = "{task}"
features = ["a", "b"]
target = "y"
{extra}
source = "s 1.0"
citation = "c"
licence = "redistribution allowed"
notes = "n"
"""


def write_pair(folder: Path, csv: str, task: str = "regression", extra: str = "") -> Path:
    toml = folder / "toy.toml"
    toml.write_text(GOOD_TOML.format(task=task, extra=extra), encoding="utf-8")
    (folder / "toy.csv").write_text(csv, encoding="utf-8")
    return toml


def test_read_accepts_a_good_pair(tmp_path):
    ds = read(write_pair(tmp_path, "a,b,y\n1,2,3\n4,5,6.5\n"))
    assert ds.n == 2
    np.testing.assert_array_equal(ds.y, [3.0, 6.5])
    assert ds.units == {"a": "", "b": "", "y": ""}


def test_read_accepts_a_single_row(tmp_path):
    ds = read(write_pair(tmp_path, "a,b,y\n1,2,3\n"))
    assert ds.x.shape == (1, 2)


@pytest.mark.parametrize(
    ("csv", "task", "extra", "message"),
    [
        ("a,y,b\n1,2,3\n", "regression", "", "header is a, y, b"),
        ("a,b,y\n1,,3\n", "regression", "", "row 1 has a missing|not a table"),
        ("a,b,y\n1,nan,3\n", "regression", "", "row 1 has a missing or non-finite"),
        ("a,b,y\n", "regression", "", "no rows"),
        ("a,b,y\n1,2,3\n", "ordinal", "", "task is 'ordinal'"),
        ("a,b,y\n1,2,2\n", "binary", 'class_names = ["no", "yes"]', "labels must be whole"),
        ("a,b,y\n1,2,0.5\n", "binary", 'class_names = ["no", "yes"]', "labels must be whole"),
        ("a,b,y\n1,2,0\n", "binary", 'class_names = ["a", "b", "c"]', "needs 2 class_names"),
        ("a,b,y\n1,2,0\n", "binary", "", "class_names must be"),
        ("a,b,y\n1,2,0\n", "regression", "colour = 1", "unknown key.*colour"),
        ("a,b,y\n1,2,0\n", "regression", 'image_shape = [3, 3]', "image_shape"),
    ],
)
def test_read_refuses_a_broken_pair(tmp_path, csv, task, extra, message):
    with pytest.raises(ValueError, match=message):
        read(write_pair(tmp_path, csv, task, extra))


def test_read_refuses_units_for_a_column_that_is_not_there(tmp_path):
    path = write_pair(tmp_path, "a,b,y\n1,2,3\n")
    path.write_text(path.read_text() + '\n[units]\nz = "m"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown column.*z"):
        read(path)


def test_read_refuses_a_missing_field(tmp_path):
    path = write_pair(tmp_path, "a,b,y\n1,2,3\n")
    path.write_text(path.read_text().replace('citation = "c"', ""), encoding="utf-8")
    with pytest.raises(ValueError, match="missing citation"):
        read(path)


# --- what the context paragraphs claim ----------------------------------------------------

def test_stars_four_giants_turn_the_least_squares_slope_negative():
    ds = load("stars_cyg_ob1")
    x, y = ds.column("log_temperature"), ds.y
    assert ds.n == 47
    giants = np.flatnonzero(x < 3.6)
    np.testing.assert_array_equal(giants + 1, [11, 20, 30, 34])
    main = np.ones(ds.n, dtype=bool)
    main[giants] = False
    assert y[giants].min() > np.median(y), "the giants are bright"
    assert ols(x, y)[0][1] < 0
    assert ols(x[main], y[main])[0][1] > 1.0
    assert quantile_line(x, y)[1] < 0, "MAE's line slopes down as well"


def test_anscombe_three_ten_points_on_a_line_and_one_outlier():
    ds = load("anscombe_3")
    x, y = ds.column("x"), ds.y
    assert ds.n == 11
    (intercept, slope), r = ols(x, y)
    assert intercept == pytest.approx(3.0, abs=0.01)
    assert slope == pytest.approx(0.5, abs=0.01)
    out = int(np.argmax(np.abs(r)))
    assert x[out] == 13
    assert r[out] > 0
    rest = np.arange(ds.n) != out
    assert np.abs(ols(x[rest], y[rest])[1]).max() < 0.01
    mae_intercept, mae_slope = quantile_line(x, y)
    mae_r = y - (mae_intercept + mae_slope * x)
    assert np.abs(mae_r[rest]).max() < 0.01
    assert mae_r[out] > 3
    assert slope > mae_slope, "the outlier makes the least-squares line steeper"


def test_stackloss_days_1_3_4_21_have_the_largest_residuals():
    ds = load("stackloss")
    assert ds.x.shape == (21, 3)
    _, r = ols(ds.x, ds.y)
    order = np.argsort(-np.abs(r)) + 1
    assert set(order[:4]) == {1, 3, 4, 21}
    assert order[0] == 21


def test_engel_spread_grows_with_income_and_quantile_lines_fan_out():
    ds = load("engel")
    x, y = ds.column("income"), ds.y
    assert ds.n == 235
    (_, slope), r = ols(x, y)
    assert slope > 0
    rich = x > np.median(x)
    assert r[rich].std() > 2 * r[~rich].std()
    slopes = [quantile_line(x, y, q)[1] for q in (0.1, 0.5, 0.9)]
    assert slopes[0] < slopes[1] < slopes[2]


def test_elnino_warm_years_break_upwards():
    ds = load("elnino_sst")
    year, y = ds.column("year"), ds.y
    np.testing.assert_array_equal(year, np.arange(1950, 2011))
    (intercept, slope), r = ols(year, y)
    assert slope > 0
    top = np.argsort(-np.abs(r))[:2]
    assert set(year[top]) == {1983, 1997}
    assert (r[top] > 0).all()
    assert r.max() > 1.5 * -r.min()
    assert np.median(r) < 0
    mae_intercept, mae_slope = quantile_line(year, y)
    assert (mae_intercept + mae_slope * year < intercept + slope * year).all()


def test_house_prices_skewed_and_spread_with_lot_size():
    ds = load("house_prices")
    assert ds.x.shape == (546, 11)
    price, lot = ds.y, ds.column("lot_size")
    assert price.mean() > np.median(price)
    big = lot > np.median(lot)
    assert price[big].std() > 1.5 * price[~big].std()
    flags = ["driveway", "recreation", "fullbase", "gasheat", "aircon", "prefer"]
    for flag in flags:
        assert set(np.unique(ds.column(flag))) == {0.0, 1.0}
    assert lot.max() > 1000 * ds.column("bedrooms").max()


def test_spam_share_words_and_scales():
    ds = load("spam")
    assert ds.x.shape == (4601, 57)
    is_spam = ds.y == 1
    assert round(100 * is_spam.mean()) == 39
    assert round(100 * (1 - is_spam.mean())) == 61
    for word in ("george", "hp"):
        assert ds.column(word)[~is_spam].mean() > 10 * ds.column(word)[is_spam].mean()
    for word in ("free", "money", "remove", "charExclamation", "charDollar", "capitalLong"):
        assert ds.column(word)[is_spam].mean() > 3 * ds.column(word)[~is_spam].mean()
    frequencies = ds.x[:, :54]
    assert frequencies.min() >= 0
    assert frequencies.max() <= 100
    assert ds.column("capitalTotal").max() > 1000


def test_digits_balanced_images_that_a_linear_softmax_learns():
    ds = load("digits")
    assert ds.x.shape == (1797, 64)
    assert ds.image_shape == (8, 8)
    assert ds.x.min() == 0
    assert ds.x.max() == 16
    counts = np.bincount(ds.y)
    assert counts.min() >= 170
    assert counts.max() <= 190
    assert ((ds.x == 0).mean(axis=0) > 0.99).any(), "some border pixels are almost always blank"
    # plain gradient descent on softmax cross-entropy, features scaled to 0..1
    x = np.column_stack([np.ones(ds.n), ds.x / 16.0])
    onehot = np.eye(10)[ds.y]
    w = np.zeros((x.shape[1], 10))
    for _ in range(300):
        z = x @ w
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w -= 0.5 * x.T @ (p - onehot) / ds.n
    assert ((x @ w).argmax(axis=1) == ds.y).mean() > 0.9


# --- the same numbers as the packages they came from --------------------------------------

def test_same_numbers_as_statsmodels():
    sm = pytest.importorskip("statsmodels.datasets")
    stack = sm.stackloss.load_pandas().data
    ds = load("stackloss")
    np.testing.assert_array_equal(ds.x, stack[["AIRFLOW", "WATERTEMP", "ACIDCONC"]].to_numpy())
    np.testing.assert_array_equal(ds.y, stack["STACKLOSS"].to_numpy())
    engel = sm.engel.load_pandas().data
    np.testing.assert_allclose(load("engel").column("income"), engel["income"], rtol=1e-9)
    np.testing.assert_allclose(load("engel").y, engel["foodexp"], rtol=1e-9)
    elnino = sm.elnino.load_pandas().data
    annual = elnino.drop(columns="YEAR").to_numpy().mean(axis=1)
    np.testing.assert_allclose(load("elnino_sst").y, annual, atol=5e-5)


def test_same_numbers_as_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    digits = sk.load_digits()
    np.testing.assert_array_equal(load("digits").x, digits.data)
    np.testing.assert_array_equal(load("digits").y, digits.target)
