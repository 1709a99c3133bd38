"""One-off extraction of the data sets shipped in ``assets/data/`` (not run by the tests).

lossviz downloads nothing at run time: each data set is a CSV file here plus a hand-written
TOML file beside it (title, context, units, source, citation, licence). This script rebuilds
the CSV files from the packages the numbers were taken from, so that anyone can check them.

What it needs (extraction only; none of it is a runtime dependency of lossviz)::

    apt-get update
    apt-get install -y --no-install-recommends r-base-core r-cran-robustbase r-cran-aer \
        r-cran-kernlab                     # R 4.2.2: datasets, robustbase, AER, kernlab
    pip install statsmodels scikit-learn   # stackloss, engel, elnino; the 8x8 digits

To rerun, from the repository's top level::

    python assets/data/extract.py

It overwrites ``assets/data/*.csv`` (never the TOML files) and prints the version of every
package it read, to copy into the ``source`` field of each TOML file if a version changed.
The rows are written in the order of the source package (no shuffling), so a row number in
a TOML context paragraph (e.g. the four giant stars) stays a row number here. Numbers are
written with up to 10 significant digits, which loses nothing: every source value has fewer.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# One R run writes each R data set to stdout between markers; versions come first.
R_SCRIPT = r"""
cat("@@versions\n")
for (p in c("base", "robustbase", "AER", "kernlab"))
  cat(p, as.character(packageVersion(p)), "\n")
emit <- function(tag, df) {
  cat("@@", tag, "\n", sep = ""); write.csv(df, stdout(), row.names = FALSE)
}
data(starsCYG, package = "robustbase"); emit("starsCYG", starsCYG)
emit("anscombe", datasets::anscombe)
data(HousePrices, package = "AER"); emit("HousePrices", HousePrices)
data(spam, package = "kernlab"); emit("spam", spam)
"""


def run_r() -> tuple[dict[str, str], dict[str, list[dict[str, str]]]]:
    """All R data sets as lists of rows (dicts of strings), and the R package versions."""
    out = subprocess.run(
        ["Rscript", "--vanilla", "-e", R_SCRIPT], check=True, capture_output=True, text=True
    ).stdout
    blocks: dict[str, str] = {}
    for chunk in out.split("@@")[1:]:
        tag, _, body = chunk.partition("\n")
        blocks[tag.strip()] = body
    versions = dict(line.split() for line in blocks.pop("versions").splitlines() if line.strip())
    tables = {tag: list(csv.DictReader(io.StringIO(body))) for tag, body in blocks.items()}
    return versions, tables


def fmt(value: float) -> str:
    """A number as short as it can be written without losing any of its digits."""
    v = float(value)
    return str(int(v)) if v.is_integer() else format(v, ".10g")


def write(name: str, header: list[str], columns: list[np.ndarray]) -> None:
    rows = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    if not np.isfinite(rows).all():
        raise ValueError(f"{name}: non-finite values")
    path = HERE / f"{name}.csv"
    with path.open("w", newline="") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(fmt(v) for v in row) + "\n")
    print(f"{path.name}: {rows.shape[0]} rows x {rows.shape[1]} columns, "
          f"{path.stat().st_size / 1000:.1f} kB")


def col(table: list[dict[str, str]], key: str) -> np.ndarray:
    return np.array([float(row[key]) for row in table])


def yes(table: list[dict[str, str]], key: str) -> np.ndarray:
    return np.array([{"yes": 1.0, "no": 0.0}[row[key]] for row in table])


def main() -> None:
    import sklearn
    import statsmodels
    from sklearn.datasets import load_digits
    from statsmodels import datasets as smd

    versions, r = run_r()
    print("R", versions["base"], "| robustbase", versions["robustbase"], "| AER", versions["AER"],
          "| kernlab", versions["kernlab"], "| statsmodels", statsmodels.__version__,
          "| scikit-learn", sklearn.__version__)

    stars = r["starsCYG"]
    write("stars_cyg_ob1", ["log_temperature", "log_light"],
          [col(stars, "log.Te"), col(stars, "log.light")])

    ans = r["anscombe"]
    write("anscombe_3", ["x", "y"], [col(ans, "x3"), col(ans, "y3")])

    sl = smd.stackloss.load_pandas().data
    write("stackloss", ["air_flow", "water_temp", "acid_conc", "stack_loss"],
          [sl.AIRFLOW, sl.WATERTEMP, sl.ACIDCONC, sl.STACKLOSS])

    en = smd.engel.load_pandas().data
    write("engel", ["income", "food_expenditure"], [en.income, en.foodexp])

    # Annual means of the monthly Nino 1+2 sea-surface temperatures: one point a year.
    el = smd.elnino.load_pandas().data
    months = el.drop(columns="YEAR").to_numpy(dtype=float)
    write("elnino_sst", ["year", "sea_temperature"],
          [el.YEAR, np.round(months.mean(axis=1), 4)])

    hp = r["HousePrices"]
    flags = ["driveway", "recreation", "fullbase", "gasheat", "aircon", "prefer"]
    write("house_prices",
          ["lot_size", "bedrooms", "bathrooms", "stories", "garage", *flags, "price"],
          [col(hp, "lotsize"), col(hp, "bedrooms"), col(hp, "bathrooms"), col(hp, "stories"),
           col(hp, "garage"), *(yes(hp, k) for k in flags), col(hp, "price")])

    spam = r["spam"]
    words = [k for k in spam[0] if k != "type"]
    label = np.array([{"nonspam": 0.0, "spam": 1.0}[row["type"]] for row in spam])
    write("spam", [*words, "is_spam"], [*(col(spam, k) for k in words), label])

    dg = load_digits()
    pixels = [f"pixel_{i // 8}_{i % 8}" for i in range(64)]
    write("digits", [*pixels, "digit"], [*dg.data.T, dg.target])


if __name__ == "__main__":
    main()
