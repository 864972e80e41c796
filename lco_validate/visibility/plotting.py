"""The ``--plot`` figure: one PNG, a panel per request, the target's altitude and airmass.

Each panel draws, per site, the target's altitude against time: faint while
the Sun is above -12 degrees, solid at night, thick where the request is
observable.  The right-hand scale reads the same curves as airmass, and the
dashed line is the request's own ``max_airmass`` (a dotted one, a telescope
horizon that lies above it and so limits instead).  At most ``MOST_PANELS``
requests are drawn; the figure says how many more there were.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global
backend switch); matplotlib is imported only here, and this module only when
a plot is asked for (``pip install lco-validate[plot]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .observability import (
    STATIC,
    TWILIGHT_ALTITUDE,
    RequestVisibility,
    SiteResult,
    altitude_limit,
    target_altitude,
)

if TYPE_CHECKING:
    from .astro import Array

SAMPLE_STEP = 300.0
MAX_SAMPLES = 20000
#: Requests drawn in one figure: beyond a dozen panels none is readable.
MOST_PANELS = 12
#: Airmass values the right-hand scale marks.
AIRMASS_TICKS = (1.0, 1.1, 1.2, 1.5, 2.0, 3.0, 5.0)
_TARGET_STYLES = ("-", "-.", ":", "--")


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


@dataclass(frozen=True)
class Panel:
    """One request to draw: its title and its visibility."""

    title: str
    visibility: RequestVisibility


def plot_requests(panels: Sequence[Panel], path: str | Path) -> int:
    """Write one PNG with a panel per request (the first ``MOST_PANELS``); return how many."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise PlotUnavailable("plots need matplotlib: pip install 'lco-validate[plot]'") from error

    drawn = list(panels[:MOST_PANELS])
    columns = 1 if len(drawn) <= 3 else 2
    rows = max(1, math.ceil(len(drawn) / columns))
    figure = Figure(figsize=(12 * columns, 1.0 + 3.4 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    left_out = len(panels) - len(drawn)
    if left_out:
        figure.suptitle(
            f"the first {len(drawn)} of {len(panels)} requests; {left_out} more not drawn "
            "(plot fewer files at a time to see them)",
            fontsize=10,
        )
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    # One colour per site across the figure, so that a site reads the same in every panel.
    codes = sorted({code for panel in drawn for code in panel.visibility.sites})
    colours = {code: f"C{index % 10}" for index, code in enumerate(codes)}
    for axis, panel in zip(axes, drawn, strict=False):
        _draw_panel(axis, panel, colours)
    for axis in axes[len(drawn) :]:
        axis.set_axis_off()
    if not drawn:
        axes[0].text(0.5, 0.5, "no request to show", ha="center", va="center")
    figure.savefig(path, dpi=90)
    return len(drawn)


def _draw_panel(axis: Any, panel: Panel, colours: dict[str, str]) -> None:
    import numpy as np

    from . import astro

    visibility = panel.visibility
    axis.set_title(_shortened(panel.title), fontsize=9, loc="left")
    sites = list(visibility.sites.values())
    pairs = [pair for pair in visibility.pairs if pair.kind != STATIC]
    if not sites or not visibility.windows or not pairs:
        axis.text(0.5, 0.5, "no site, window or target to show", ha="center", va="center")
        axis.set_axis_off()
        return
    start = min(window[0] for window in visibility.windows)
    end = max(window[1] for window in visibility.windows)
    count = int(min(MAX_SAMPLES, max(2, (end - start) / SAMPLE_STEP + 1)))
    times = np.linspace(start, end, count)
    moments = [datetime.fromtimestamp(t, UTC) for t in times]
    table = astro.ephemeris(start, end)
    for result in sites:
        colour = colours[result.site.code]
        place = astro.Place(result.site.latitude, result.site.longitude)
        night = astro.sun_altitude(table, place, times) <= TWILIGHT_ALTITUDE
        observable = _inside(times, result)
        for pair_index, pair in enumerate(pairs):
            altitude = target_altitude(table, place, pair, times)
            style = _TARGET_STYLES[pair_index % len(_TARGET_STYLES)]
            label = result.site.code if len(pairs) == 1 else f"{result.site.code} '{pair.name}'"
            axis.plot(moments, altitude, style, color=colour, alpha=0.25, linewidth=0.8)
            axis.plot(moments, np.where(night, altitude, np.nan), style, color=colour, label=label)
            axis.plot(
                moments, np.where(observable, altitude, np.nan), style, color=colour, linewidth=3
            )
    _draw_limits(axis, visibility, sites)
    for window_start, window_end in visibility.windows:
        axis.axvspan(_moment(window_start), _moment(window_end), color="tab:blue", alpha=0.05)
    axis.set_ylim(0, 90)
    axis.set_ylabel("altitude (deg)")
    axis.set_xlabel("UTC; faint: Sun above -12 deg; thick: observable")
    axis.grid(alpha=0.3)
    airmass = axis.secondary_yaxis("right", functions=(_airmass_of, _altitude_of))
    airmass.set_yticks(AIRMASS_TICKS)
    airmass.set_ylabel("airmass")
    axis.legend(loc="upper left", bbox_to_anchor=(1.07, 1.0), fontsize=7, borderaxespad=0)


def _draw_limits(axis: Any, visibility: RequestVisibility, sites: list[SiteResult]) -> None:
    """The request's own max_airmass, and any telescope horizon that limits above it."""
    drawn: set[float] = set()
    for pair in visibility.pairs:
        max_airmass = pair.constraints.max_airmass
        if not max_airmass or max_airmass in drawn:
            continue
        drawn.add(max_airmass)
        axis.axhline(
            _altitude_of(max_airmass),
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"max_airmass {max_airmass:g}",
        )
    horizons: dict[float, list[str]] = {}
    for result in sites:
        for pair in visibility.pairs:
            limit = altitude_limit(pair.constraints.max_airmass, result.site.horizon)
            if limit == result.site.horizon and pair.constraints.max_airmass:
                horizons.setdefault(result.site.horizon, []).append(result.site.code)
    for horizon, codes in sorted(horizons.items()):
        axis.axhline(
            horizon,
            color="0.4",
            linestyle=":",
            linewidth=1,
            label=f"horizon {horizon:g} deg ({', '.join(sorted(set(codes)))})",
        )


def _inside(times: Array, result: SiteResult) -> Array:
    import numpy as np

    inside = np.zeros(len(times), dtype=bool)
    for start, end in result.intervals:
        inside |= (times >= start) & (times <= end)
    return inside


def _airmass_of(altitude: Any) -> Any:
    """Plane-parallel airmass, as the limits use it; the horizon maps to a large number."""
    import numpy as np

    clipped = np.clip(np.asarray(altitude, dtype=float), 0.5, 90.0)
    return 1.0 / np.sin(np.radians(clipped))


def _altitude_of(airmass: Any) -> Any:
    import numpy as np

    clipped = np.clip(np.asarray(airmass, dtype=float), 1.0, None)
    return 90.0 - np.degrees(np.arccos(1.0 / clipped))


def _shortened(title: str, most: int = 110) -> str:
    return title if len(title) <= most else title[: most - 3] + "..."


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
