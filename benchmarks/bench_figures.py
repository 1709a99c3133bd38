"""Build time and payload of every figure builder at the app's default settings.

For each chart: the median time to build the figure (``*_figure``) and its states
(``*_states``) from data already computed (as the app's cache holds it), and the size of
what the page is sent: the figure as ``plotly.io.to_json`` writes it, and the states as
plain JSON (``plotly.io.to_json`` of their rows: numbers as decimal text). The settings are
the app's defaults (``lossviz/ui/*.py`` fields), at a laptop's width.

Run: ``python benchmarks/bench_figures.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.io as pio

import lossviz
from lossviz.classify import margins
from lossviz.experiments import loss_landscape
from lossviz.figures import classification as fcl
from lossviz.figures import custom as fc
from lossviz.figures import descent as fd
from lossviz.figures import stopping as fs
from lossviz.figures.states import States
from lossviz.figures.style import loss_color, loss_label


def states_json(states: States) -> str:
    """The states as the page would get them: every row as plain JSON."""
    def rows(value: Any) -> Any:
        return value.tolist() if isinstance(value, np.ndarray) else list(value)

    return pio.to_json({
        "label": states.label, "values": rows(states.values), "index": states.index,
        "traces": {str(t): {a: rows(r) for a, r in attrs.items()}
                   for t, attrs in states.traces.items()},
        "layout": {p: rows(r) for p, r in states.layout.items()},
        "captions": list(states.captions), "play": states.play,
    }, validate=False)


def timed(build: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    out, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = build()
        times.append(time.perf_counter() - start)
    return out, 1000 * statistics.median(times)


def charts() -> dict[str, tuple[Callable[[], Any], Callable[[], States] | None]]:
    """Each chart's figure and states builders, from data made once (the app caches it)."""
    out: dict[str, tuple[Callable[[], Any], Callable[[], States] | None]] = {}
    # Regression lab, "Run gradient descent": MSE, MAE, Huber by GD, lr 0.04, 200 steps.
    reg = lossviz.make_regression(30, noise=1.0, outliers=1, outlier_shift=20.0,
                                  outlier_place="right", seed=0)
    runs = [fd.Run(loss_label(n), loss_color(n),
                   lossviz.fit(reg.x, reg.y, n, lr=0.04, steps=200, seed=0))
            for n in ("mse", "mae", "huber")]
    conv = fd.convergence_data(runs)
    out["regression convergence (log)"] = (
        lambda: fd.convergence_figure(conv, log_y=True, height=360),
        lambda: fd.convergence_states(conv, log_y=True))
    land = loss_landscape(reg.x, reg.y, lossviz.get_loss("mse"), w_range=(-0.5, 2.5),
                          b_range=(-1.0, 4.0), size=50)
    path = fd.path_data(land, runs)
    out["regression path"] = (lambda: fd.path_figure(path, landscape_label="MSE", height=420),
                              lambda: fd.path_states(path))
    # Classification lab: 2-D, 40 points, separation 3, five surrogates by GD, lr 0.1, 300.
    cls = lossviz.make_classification(40, dim=2, separation=3.0, seed=0)
    fits = {n: lossviz.fit(cls.x, cls.y, n, lr=0.1, steps=300, seed=0)
            for n in fcl.SURROGATES}
    bd = fcl.boundary_data(cls.x, cls.y, [fcl.BoundaryFit(n, h.params) for n, h in fits.items()],
                           flipped=cls.is_flipped)
    out["classification boundary"] = (lambda: fcl.boundary_figure(bd, width_hint=900),
                                       lambda: fcl.boundary_states(bd))
    cruns = [fd.Run(loss_label(n), loss_color(n), h) for n, h in fits.items()]
    cconv = fd.convergence_data(cruns)
    out["classification convergence"] = (lambda: fd.convergence_figure(cconv, height=360),
                                         lambda: fd.convergence_states(cconv))
    m = margins(cls.y, fits["cross_entropy"].predict(cls.x))
    md = fcl.margin_data(fcl.SURROGATES, point_margins=m, labels=cls.y, flipped=cls.is_flipped)
    out["classification margin"] = (lambda: fcl.margin_figure(md), None)
    pdata = fcl.probability_data(("cross_entropy",), point_margins=m)
    out["classification probability"] = (
        lambda: fcl.probability_figure(pdata, flipped=cls.is_flipped), None)
    sd = fcl.softmax_data([2.0, 1.0, 0.1], 0)
    out["classification softmax"] = (lambda: fcl.softmax_figure(sd), None)
    # When to stop: the "Overfitting" preset.
    x, y = lossviz.make_curve(16, noise=0.3, seed=1)
    xt, yt, xv, yv = lossviz.train_validation_split(x, y, validation_fraction=0.3, seed=1)
    h = lossviz.fit(xt, yt, "mse", model="poly", degree=12, optimizer="adam", lr=0.05,
                    steps=2000, seed=1, validation=(xv, yv))
    picks = fs.stopping_picks(h, tol=1e-4, grad_tol=1e-2, patience=50)
    cd = fs.curves_data(h, picks, loss_name="mse")
    settings = {"early_stopping": "50", "tolerance": "1e-4", "gradient": "1e-2"}
    out["stopping curves"] = (lambda: fs.curves_figure(cd, settings=settings, width_hint=900),
                              None)
    ff = fs.fit_frames_data(h, xt, yt, xv, yv, keep=[h.best_step], n_frames=60)
    out["stopping fit"] = (lambda: fs.fit_frames_figure(ff, loss_name="mse"),
                           lambda: fs.fit_frames_states(ff))
    sched = fs.schedules_data({
        name: lossviz.fit(xt, yt, "mse", model="poly", degree=12, optimizer="adam", lr=0.05,
                          steps=2000, seed=1, schedule=name)
        for name in lossviz.SCHEDULES})
    out["stopping schedules"] = (lambda: fs.schedules_figure(sched), None)
    # Custom loss: the default formula beside MSE, MAE, Huber; the race by Adam.
    custom = lossviz.custom_loss("c**2/2*log(1 + (r/c)**2)", "regression", c=1.0)
    losses = [lossviz.get_loss(n) for n in ("mse", "mae", "huber")] + [custom]
    curves = fc.curves_data(losses, low=-4.0, high=4.0)
    out["custom curves"] = (lambda: fc.curves_figure(curves), None)
    d = lossviz.make_regression(40, outliers=3, seed=0)
    races = {(lo.name, lo.label): lossviz.fit(d.x, d.y, lo, optimizer="adam", lr=0.05,
                                              steps=300, seed=0) for lo in losses}
    fit = fc.fit_data("regression", d.x, d.y, d.is_outlier, races)
    out["custom fit"] = (lambda: fc.fit_figure(fit, height=320), None)
    race = fd.convergence_data([fd.Run(label, loss_color(name), r)
                                for (name, label), r in races.items()])
    out["custom race"] = (lambda: fd.convergence_figure(race, height=340),
                          lambda: fd.convergence_states(race))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'chart':32s} {'figure ms':>9s} {'states ms':>9s} {'figure KB':>9s} "
          f"{'states KB':>9s} {'total KB':>8s} {'states':>6s}")
    for name, (figure, states) in charts().items():
        fig, fig_ms = timed(figure, args.repeat)
        fig_kb = len(pio.to_json(fig)) / 1000
        st, st_ms, st_kb, count = None, 0.0, 0.0, 0
        if states is not None:
            st, st_ms = timed(states, args.repeat)
            st_kb = len(states_json(st)) / 1000
            count = st.count
        print(f"{name:32s} {fig_ms:9.1f} {st_ms:9.1f} {fig_kb:9.1f} {st_kb:9.1f} "
              f"{fig_kb + st_kb:8.1f} {count:6d}")


if __name__ == "__main__":
    main()
