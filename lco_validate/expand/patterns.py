"""The geometry of the portal's dither and mosaic patterns: offsets in arcseconds.

An offset is ``(x, y)``: ``x`` along right ascension (``offset_ra``), ``y``
along declination (``offset_dec``).  Orientation is in degrees, clockwise from
north through east: a line at 0 runs north (+y), at 90 towards -x.  The
arithmetic is the portal's, step for step and in its order, so that every
offset is the same float (``-0.0`` included: a line at orientation 0 has
``x = d * -sin(0)``, which is ``-0.0`` for ``d >= 0``).

* ``line_offsets``: ``num_points`` points ``spacing`` apart from the origin,
  or centred on it; nothing for ``num_points <= 0``.
* ``grid_offsets``: ``num_rows`` points ``point_spacing`` apart along the
  orientation, ``num_columns`` lines ``line_spacing`` apart across it, visited
  column by column, every other column backwards (serpentine).
* ``spiral_offsets``: the origin, as the integers ``(0, 0)``, then points on
  an Archimedean spiral, ``r = sqrt(2 * spacing * k)`` at angle ``r`` radians;
  orientation and centring do not apply.  At least one point, whatever
  ``num_points``.  A negative spacing has no spiral (``spiral_offsets``
  raises ValueError, where the portal fails with a server error).

``overlap_spacings`` turns a mosaic's overlap percentages into spacings from
the instrument's detector, and ``mosaic_position`` moves a target by an
offset.  Nothing here checks that a result is finite: the callers refuse
what is not (the portal fails with a server error while rendering it).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import cos, radians, sin, sqrt

Offset = tuple[float, float]

LINE, GRID, SPIRAL = "line", "grid", "spiral"
#: The patterns each endpoint offers, in the portal's order (``DITHER`` / ``MOSAIC`` settings).
DITHER_PATTERNS = (LINE, GRID, SPIRAL)
MOSAIC_PATTERNS = (LINE, GRID)
#: Recorded in ``extra_params`` for offsets or positions given by hand; valid there, not as input.
CUSTOM_PATTERN = "custom"
#: The smallest cosine of declination a mosaic divides by, so that a pole gives no infinity.
SMALLEST_COS_DEC = 10e-4


def line_offsets(num_points: int, spacing: float, orientation: float, center: bool) -> list[Offset]:
    sin_o = sin(radians(orientation))
    cos_o = cos(radians(orientation))
    start = -((num_points - 1) * spacing) / 2.0 if center else 0.0
    offsets = []
    for index in range(max(num_points, 0)):
        distance = index * spacing + start
        offsets.append((distance * -sin_o, distance * cos_o))
    return offsets


def grid_offsets(
    num_rows: int,
    num_columns: int,
    point_spacing: float,
    line_spacing: float,
    orientation: float,
    center: bool,
) -> list[Offset]:
    row_start = -(point_spacing * (num_rows - 1)) / 2.0 if center else 0.0
    column_start = -(line_spacing * (num_columns - 1)) / 2.0 if center else 0.0
    sin_o = sin(radians(orientation))
    cos_o = cos(radians(orientation))
    shift_x = cos_o * column_start - sin_o * row_start
    shift_y = sin_o * column_start + cos_o * row_start
    offsets = []
    for column in range(num_columns):
        rows = range(num_rows) if column % 2 == 0 else reversed(range(num_rows))
        for row in rows:
            along_x = column * line_spacing
            along_y = row * point_spacing
            x = along_x * cos_o + along_y * -sin_o + shift_x
            y = along_x * sin_o + along_y * cos_o + shift_y
            offsets.append((x, y))
    return offsets


def spiral_offsets(num_points: int, spacing: float) -> list[Offset]:
    """Raises ValueError for a negative spacing (no spiral has one)."""
    offsets: list[Offset] = [(0, 0)]
    turn = 1
    while len(offsets) < num_points:
        radius = sqrt(2 * spacing * turn)
        offsets.append((radius * cos(radius), radius * sin(radius)))
        turn += 1
    return offsets


@dataclass(frozen=True)
class PatternParameters:
    """A pattern and its parameters as the portal's serializer leaves them (spacings final)."""

    pattern: str
    point_spacing: float
    line_spacing: float = 0.0
    num_points: int = 0
    num_rows: int = 0
    num_columns: int = 0
    orientation: float = 0.0
    center: bool = False


def pattern_offsets(parameters: PatternParameters) -> list[Offset]:
    """The pattern's offsets in the portal's order."""
    p = parameters
    if p.pattern == LINE:
        return line_offsets(p.num_points, p.point_spacing, p.orientation, p.center)
    if p.pattern == GRID:
        return grid_offsets(
            p.num_rows, p.num_columns, p.point_spacing, p.line_spacing, p.orientation, p.center
        )
    if p.pattern == SPIRAL:
        return spiral_offsets(p.num_points, p.point_spacing)
    raise ValueError(f"no pattern {p.pattern!r}")


def offset_count(parameters: PatternParameters) -> int:
    """How many offsets ``pattern_offsets`` gives, computed without making them."""
    p = parameters
    if p.pattern == GRID:
        return max(p.num_rows, 0) * max(p.num_columns, 0)
    if p.pattern == SPIRAL:
        return max(p.num_points, 1)
    return max(p.num_points, 0)


@dataclass(frozen=True)
class Detector:
    """What a mosaic's overlaps are measured against: the instrument type's science camera."""

    #: The mean mounting angle (degrees) of every science camera of the type.
    orientation: float
    pixels_x: int
    pixels_y: int
    #: Arcseconds per pixel.
    pixel_scale: float


def flips(orientation: float) -> bool:
    """Whether a mosaic at this orientation swaps its point and line spacings.

    Near 90 and 270 degrees the pattern's rows run across the detector's other
    axis.  Each boundary belongs to the band above it (45 and 225 flip, 135
    does not); the portal leaves exactly 315 undecided and fails there, so
    here 315 starts the unflipped band, as the other boundaries do.
    """
    angle = orientation % 360
    return 45 <= angle < 135 or 225 <= angle < 315


def overlap_spacings(
    detector: Detector,
    point_overlap_percent: float,
    line_overlap_percent: float,
    orientation: float,
) -> tuple[float, float]:
    """(point_spacing, line_spacing) in arcseconds for overlaps between neighbouring fields."""
    cos_c = cos(radians(detector.orientation))
    sin_c = sin(radians(detector.orientation))
    rotated_x = detector.pixels_x * cos_c + detector.pixels_y * sin_c
    rotated_y = detector.pixels_x * -sin_c + detector.pixels_y * cos_c
    point_spacing = (
        abs(rotated_y) * detector.pixel_scale * ((100.0 - point_overlap_percent) / 100.0)
    )
    line_spacing = abs(rotated_x) * detector.pixel_scale * ((100.0 - line_overlap_percent) / 100.0)
    if flips(orientation):
        return line_spacing, point_spacing
    return point_spacing, line_spacing


def mosaic_position(ra: float, dec: float, offset: Offset) -> tuple[float, float]:
    """(ra, dec) in degrees moved by ``offset``: declination first, then RA at the new one.

    No wrapping of RA into [0, 360) and no clipping of Dec at the poles, as the portal.
    """
    x, y = offset
    moved_dec = dec + y / 3600.0
    cos_dec = max(cos(radians(moved_dec)), SMALLEST_COS_DEC)
    return ra + x / 3600.0 / cos_dec, moved_dec
