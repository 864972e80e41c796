"""The target is never observable within the request's windows.

The portal computes, for every site with a telescope that carries the first
configuration's instrument type, when the target can be observed inside the
windows: at night (the Sun's centre below -12 deg), above the altitude limit
(the higher of the telescope's horizon and the altitude where the airmass
reaches ``max_airmass``), within the telescope's hour-angle limits, at least
``min_lunar_distance`` from the Moon, not under a Moon brighter than
``max_lunar_phase``, and outside the zenith blind spot.  It refuses a request
with no such time left after the moment of submission ("the target will not
be visible within the time window").  The finding says which of these
conditions leaves nothing: no night in the windows, the target high enough
only in daylight (too near the Sun in those windows: move them, not the
airmass limit), the target never high enough, or the Moon constraints.

Runs for documents to be submitted, and for archive records only with
``--now``; skipped when an earlier portal rule already refuses the request
(window over or inverted, instrument type not schedulable there) and when the
duration cannot be computed.

Passes, in the request (M4, at declination -26.5, from Sutherland in June)::

    {"location": {"site": "cpt"}}

Fails at /windows/0, in the request (from Teide, at latitude +28.3, M4 never climbs to the default
airmass limit of 1.6)::

    {"location": {"site": "tfn"}}

Fails at /windows/0, in the request (a window in daylight at La Silla)::

    {"location": {"site": "lsc"},
     "windows": [{"start": "2030-06-10T15:00:00Z", "end": "2030-06-10T18:00:00Z"}]}

Fails at /windows/0, in the request (in December M4 is up only in daylight: it is near the Sun)::

    {"location": {"site": "cpt"},
     "windows": [{"start": "2030-12-01T00:00:00Z", "end": "2030-12-10T00:00:00Z"}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..checking.context import RequestContext
from ..findings import Finding, Severity, number_text

if TYPE_CHECKING:
    from ..visibility.observability import RequestVisibility

CODE = "V001"
SEVERITY = Severity.ERROR
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    from ._visibility import applies, windows_pointer

    if not applies(context):
        return
    visibility = context.visibility
    if not visibility.computed or visibility.largest > 0:
        return
    yield Finding(
        CODE,
        SEVERITY,
        f"the target is never observable within the window(s): {_diagnosis(visibility)}",
        pointer=windows_pointer(context),
    )


def _diagnosis(visibility: RequestVisibility) -> str:
    from ..visibility.observability import altitude_limit

    location = f"the sites carrying {visibility.instrument_type}"
    if not visibility.sites:
        return (
            f"no telescope with a SCHEDULABLE {visibility.instrument_type} matches the request's "
            "location, so there is nowhere to observe; choose a site, enclosure and telescope "
            "that carry it, or drop them from the location"
        )
    if not visibility.pairs:
        return (
            "no target of the request can be placed on the sky (see V003), so the portal finds "
            "no observable time; correct the orbital elements"
        )
    codes = ", ".join(sorted(visibility.sites))
    dark = max(result.dark for result in visibility.sites.values())
    up = max(result.dark_and_up for result in visibility.sites.values())
    observable = any(result.intervals for result in visibility.sites.values())
    left_out = (
        " (configurations whose targets cannot be computed are left out, as the portal does)"
        if visibility.unusable
        else ""
    )
    if observable:
        return (
            f"it is observable at {codes} only before now; move the window(s) into the future"
            + left_out
        )
    if dark == 0:
        return (
            f"the window(s) hold no night time (Sun below -12 deg) at any of {location} "
            f"({codes}); move them to night-time at one of these sites" + left_out
        )
    first_site = next(iter(visibility.sites.values())).site
    horizon = first_site.horizon
    limits = "; ".join(
        f"'{pair.name}' above {altitude_limit(pair.constraints.max_airmass, horizon):.1f} deg "
        f"(max_airmass {number_text(pair.constraints.max_airmass)}, "
        f"telescope horizon {horizon:g} deg)"
        for pair in visibility.pairs
    )
    up_by_day = max(result.up for result in visibility.sites.values())
    if up == 0 and up_by_day > 0:
        return (
            f"it is up only in daylight; at {codes} the target is above its altitude limit "
            f"({limits}) within the telescopes' hour-angle limits only while the Sun is up "
            "(above -12 deg), and the portal observes at night only: move the window(s) to when "
            "the target is up at night (months when the Sun is far from it)" + left_out
        )
    if up == 0:
        return (
            f"at {codes} the target never gets high enough within the telescopes' hour-angle "
            f"limits ({limits}), by night or by day; raise max_airmass, or choose a site "
            "where it climbs higher" + left_out
        )
    constraints = "; ".join(
        f"'{pair.name}' min_lunar_distance {number_text(pair.constraints.min_lunar_distance)} deg, "
        f"max_lunar_phase {number_text(pair.constraints.max_lunar_phase)}"
        for pair in visibility.pairs
    )
    return (
        f"it is up at night for up to {up / 3600:.2f} h at {codes}, but the Moon constraints "
        f"({constraints}) or the zenith blind spot exclude all of it; lower min_lunar_distance, "
        "raise max_lunar_phase or move the window(s)" + left_out
    )
