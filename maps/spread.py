"""Markers that share one point, set apart on a ring so each can be tapped (maps and courier's page).

Households located only at a desa's point share it; their markers are laid a few pixels apart,
each with a thin leg to the true point. Pixels, not metres, so they stay apart at every zoom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from routing.geo import LatLon

#: Pixels from one marker's centre to the next on a ring of stops sharing a point, and from the
#: point to the first ring; a marker is 24 px wide.
SPREAD_STEP_PX = 27
SPREAD_FIRST_RING_PX = 20

#: Radius of a stop marker, px: the leg to the true point starts at its edge.
MARKER_RADIUS_PX = 12


def spread_offsets(points: Sequence[LatLon]) -> list[tuple[int, int]]:
    """Screen offsets (px, x right, y down) that set apart markers sharing one point.

    Points equal to 6 decimals (about 0.1 m) form a group; a lone point stays where it is (0, 0).
    A group is laid on rings around its point, the first :data:`SPREAD_FIRST_RING_PX` out, each
    next ring :data:`SPREAD_STEP_PX` further, each ring holding as many markers as fit without
    overlapping, in the order given (visit order), starting at the top and going clockwise.
    Offsets are in pixels, not metres, so the markers stay apart at every zoom.
    """
    groups: dict[tuple[float, float], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault((round(p.lat, 6), round(p.lon, 6)), []).append(i)
    out = [(0, 0)] * len(points)
    for members in groups.values():
        if len(members) < 2:
            continue
        ring, radius, at = 0, float(SPREAD_FIRST_RING_PX), 0
        while at < len(members):
            fits = max(3, int(2 * math.pi * radius / SPREAD_STEP_PX))
            here = members[at:at + fits]
            for j, i in enumerate(here):
                angle = 2 * math.pi * j / len(here) + ring * 0.5 - math.pi / 2
                out[i] = (round(radius * math.cos(angle)), round(radius * math.sin(angle)))
            at += len(here)
            ring += 1
            radius += SPREAD_STEP_PX
    return out


def spread_leg(offset: tuple[int, int], size_px: int = 2 * MARKER_RADIUS_PX) -> tuple[int, int, int, int] | None:
    """The thin line from a moved marker's edge to its true point: ``(left, top, width, degrees)``.

    In the marker icon's own pixels (its top-left corner at 0, 0, ``size_px`` square), for a
    ``position: absolute`` element rotated about its left end; ``None`` for a marker not moved.
    """
    dx, dy = offset
    dist = math.hypot(dx, dy)
    if dist <= size_px / 2:
        return None
    ux, uy = -dx / dist, -dy / dist
    c, r = size_px / 2, size_px / 2
    return (round(c + r * ux), round(c + r * uy), round(dist - r), round(math.degrees(math.atan2(uy, ux))))
