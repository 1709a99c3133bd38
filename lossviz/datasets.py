"""Real data sets shipped with lossviz: small, cited, and read from ``assets/data/``.

Each data set is two files: ``<name>.csv`` (a header row of column names, then numbers only;
the features first, the target last) and ``<name>.toml`` (title, a context paragraph, the task,
which columns are features and target, units, source, citation, licence and notes). Nothing is
downloaded at run time; ``assets/data/extract.py`` says where every number came from and
rebuilds the CSV files. Pure Python and numpy: no streamlit import.

A load is cached, and the arrays it returns are read-only, so no caller can change the copy
that the next caller gets (``arr.copy()`` gives a writable one)::

    from lossviz import datasets
    datasets.available()                 # ('anscombe_3', 'digits', ..., 'stars_cyg_ob1')
    stars = datasets.load("stars_cyg_ob1")
    stars.x.shape, stars.y.shape         # ((47, 1), (47,))
    stars.column("log_temperature")      # the first feature, as a 1-D array
"""

from __future__ import annotations

import functools
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "assets" / "data"
TASKS = ("regression", "binary", "multiclass")
REQUIRED_KEYS = ("title", "context", "task", "features", "target", "source", "citation",
                 "licence", "notes")
OPTIONAL_KEYS = ("units", "class_names", "image_shape")


@dataclass(frozen=True, repr=False)
class Dataset:
    """One real data set: features ``x`` of shape ``(n, k)``, targets ``y`` of shape ``(n,)``.

    ``y`` is float64 for ``task == "regression"`` and int64 labels ``0 .. K-1`` for ``"binary"``
    (K = 2) and ``"multiclass"``, where ``class_names[label]`` names each label. ``units`` maps
    every column (features and target) to its unit, ``""`` where it has none. ``image_shape``
    is set when each row is an image (e.g. ``(8, 8)``), so ``x[i].reshape(image_shape)`` draws.
    Arrays are read-only.
    """

    name: str
    title: str
    context: str
    task: str
    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    units: Mapping[str, str]
    source: str
    citation: str
    licence: str
    notes: str
    class_names: tuple[str, ...] = ()
    image_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"<Dataset {self.name!r}: {self.n} rows x {self.k} features, {self.task}>"

    @property
    def n(self) -> int:
        """Number of rows (examples)."""
        return int(self.y.shape[0])

    @property
    def k(self) -> int:
        """Number of feature columns."""
        return int(self.x.shape[1])

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column name: the features, then the target."""
        return (*self.feature_names, self.target_name)

    def column(self, name: str) -> np.ndarray:
        """One column by name, features or target, as a read-only 1-D array of length ``n``.

        Example: ``load("engel").column("income")``
        """
        if name == self.target_name:
            return self.y
        if name in self.feature_names:
            return self.x[:, self.feature_names.index(name)]
        raise ValueError(
            f"data set {self.name!r} has no column {name!r}; its columns are "
            f"{', '.join(self.columns)}"
        )


@functools.cache
def available() -> tuple[str, ...]:
    """Names of the shipped data sets, sorted: each has a ``.toml`` and a ``.csv`` file."""
    return tuple(sorted(p.stem for p in DATA_DIR.glob("*.toml")
                        if p.with_suffix(".csv").is_file()))


def load(name: str) -> Dataset:
    """Load a shipped data set by name (see :func:`available`); cached, arrays read-only.

    Example: ``load("stackloss").x.shape == (21, 3)``
    """
    names = available()
    if not isinstance(name, str) or name not in names:
        allowed = ", ".join(names) if names else f"none (no data files found in {DATA_DIR})"
        raise ValueError(f"unknown data set {name!r}; available: {allowed}")
    return _load(name)


@functools.cache
def _load(name: str) -> Dataset:
    return read(DATA_DIR / f"{name}.toml")


def read(toml_path: str | Path) -> Dataset:
    """Read one data set from its TOML file and the CSV file beside it (no cache).

    Checks that the files agree (the CSV header is the features then the target), that every
    number is finite, and that class labels are whole numbers ``0 .. K-1``; a ``ValueError``
    names the file and what is wrong.
    """
    toml_path = Path(toml_path)
    name = toml_path.stem
    where = toml_path.name
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{where}: cannot be read as TOML ({err})") from None
    _check_keys(meta, where)
    task = meta["task"]
    if task not in TASKS:
        raise ValueError(f"{where}: task is {task!r}; allowed: {', '.join(TASKS)}")
    features = tuple(_strings(meta, "features", where))
    target = meta["target"]
    columns = (*features, target)

    csv_path = toml_path.with_suffix(".csv")
    try:
        text = csv_path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{csv_path.name}: cannot be read ({err.strerror})") from None
    header = tuple(h.strip() for h in text.split("\n", 1)[0].split(","))
    if header != columns:
        raise ValueError(
            f"{csv_path.name}: header is {', '.join(header)}; {where} says the columns are "
            f"{', '.join(columns)} (features, then the target)"
        )
    if not text.partition("\n")[2].strip():
        raise ValueError(f"{csv_path.name}: has no rows")
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, ndmin=2,
                           dtype=np.float64)
    except ValueError as err:
        raise ValueError(f"{csv_path.name}: not a table of numbers ({err})") from None
    if not np.isfinite(table).all():
        row = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise ValueError(f"{csv_path.name}: row {row + 1} has a missing or non-finite value")

    x = np.ascontiguousarray(table[:, :-1])
    y = table[:, -1].copy()
    class_names: tuple[str, ...] = ()
    if task != "regression":
        class_names = tuple(_strings(meta, "class_names", where))
        y = _labels(y, len(class_names), task, csv_path.name)

    units = {c: "" for c in columns}
    given = meta.get("units", {})
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise ValueError(f"{where}: units must be a table of column = \"unit\" strings")
    extra = sorted(set(given) - set(columns))
    if extra:
        raise ValueError(f"{where}: units for unknown column(s) {', '.join(extra)}")
    units.update(given)

    image_shape = meta.get("image_shape")
    if image_shape is not None:
        image_shape = tuple(int(s) for s in image_shape)
        if int(np.prod(image_shape)) != x.shape[1]:
            raise ValueError(f"{where}: image_shape {image_shape} does not hold "
                             f"{x.shape[1]} features")

    for arr in (x, y):
        arr.flags.writeable = False
    return Dataset(
        name=name,
        title=meta["title"].strip(),
        context=" ".join(meta["context"].split()),
        task=task,
        x=x,
        y=y,
        feature_names=features,
        target_name=target,
        units=MappingProxyType(units),
        source=" ".join(meta["source"].split()),
        citation=" ".join(meta["citation"].split()),
        licence=" ".join(meta["licence"].split()),
        notes=" ".join(meta["notes"].split()),
        class_names=class_names,
        image_shape=image_shape,
    )


def _check_keys(meta: dict[str, Any], where: str) -> None:
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(meta) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    for key in REQUIRED_KEYS:
        if key != "features" and not (isinstance(meta[key], str) and meta[key].strip()):
            raise ValueError(f"{where}: {key} must be non-empty text")


def _strings(meta: dict[str, Any], key: str, where: str) -> list[str]:
    values = meta.get(key)
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, str) and v for v in values)
            or len(set(values)) != len(values)):
        raise ValueError(f"{where}: {key} must be a non-empty list of distinct names")
    return values


def _labels(y: np.ndarray, k: int, task: str, where: str) -> np.ndarray:
    if task == "binary" and k != 2:
        raise ValueError(f"{where}: a binary task needs 2 class_names, got {k}")
    labels = y.astype(np.int64)
    if not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"{where}: class labels must be whole numbers 0 to {k - 1}")
    return labels
