"""The ``--plot`` figure: per site, target altitude against time with what decides visibility.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global
backend switch); matplotlib is imported only here, and this module only when
a plot is asked for (``pip install lco-validate[plot]``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .observability import (
    STATIC,
    TWILIGHT_ALTITUDE,
    RequestVisibility,
    altitude_limit,
    target_altitude,
)

SAMPLE_STEP = 300.0
MAX_SAMPLES = 20000


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def plot_request(visibility: RequestVisibility, path: str | Path, title: str) -> None:
    """Write a PNG with one panel per site."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise PlotUnavailable("plots need matplotlib: pip install 'lco-validate[plot]'") from error
    import numpy as np

    from . import astro

    sites = list(visibility.sites.values())
    figure = Figure(figsize=(11, 1.2 + 2.4 * max(len(sites), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=10)
    if not sites or not visibility.windows:
        axis = figure.add_subplot()
        axis.text(0.5, 0.5, "no site or window to show", ha="center", va="center")
        axis.set_axis_off()
        figure.savefig(path, dpi=100)
        return
    start = min(window[0] for window in visibility.windows)
    end = max(window[1] for window in visibility.windows)
    count = int(min(MAX_SAMPLES, max(2, (end - start) / SAMPLE_STEP + 1)))
    times = np.linspace(start, end, count)
    moments = [datetime.fromtimestamp(t, UTC) for t in times]
    table = astro.ephemeris(start, end)
    axes = figure.subplots(len(sites), 1, sharex=True, squeeze=False)[:, 0]
    for axis, result in zip(axes, sites, strict=True):
        place = astro.Place(result.site.latitude, result.site.longitude)
        sun = astro.sun_altitude(table, place, times)
        axis.fill_between(
            moments,
            0,
            1,
            where=sun > TWILIGHT_ALTITUDE,
            transform=axis.get_xaxis_transform(),
            color="0.88",
            linewidth=0,
            label="Sun above -12 deg",
        )
        for index, (window_start, window_end) in enumerate(visibility.windows):
            axis.axvspan(
                _moment(window_start),
                _moment(window_end),
                color="tab:blue",
                alpha=0.07,
                lw=0,
                label="window" if index == 0 else None,
            )
        for index, (interval_start, interval_end) in enumerate(result.intervals):
            axis.axvspan(
                _moment(interval_start),
                _moment(interval_end),
                ymin=0,
                ymax=0.06,
                color="tab:green",
                label="observable" if index == 0 else None,
            )
        for pair in visibility.pairs:
            if pair.kind == STATIC:
                continue
            curve = axis.plot(moments, target_altitude(table, place, pair, times), label=pair.name)
            limit = altitude_limit(pair.constraints.max_airmass, result.site.horizon)
            axis.axhline(limit, color=curve[0].get_color(), linestyle="--", linewidth=1)
        axis.set_ylim(0, 90)
        axis.set_ylabel(f"{result.site.code}\naltitude (deg)")
        axis.grid(alpha=0.3)
    legend: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(list(legend.values()), list(legend), loc="outside upper right", fontsize=8)
    axes[-1].set_xlabel("UTC (dashed: each target's altitude limit)")
    figure.savefig(path, dpi=100)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
