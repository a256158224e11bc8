"""Coordinates with their order carried by a type, and the few geodesy helpers we need."""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.errors import InputError

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class LatLon:
    """A WGS84 point. Latitude first, always; GeoJSON's (lon, lat) order only at output."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and math.isfinite(self.lon)):
            raise InputError(f"coordinate is not a number: {self.lat!r}, {self.lon!r}")
        if not -90.0 <= self.lat <= 90.0:
            raise InputError(f"latitude {self.lat!r} is outside -90..90")
        if not -180.0 <= self.lon <= 180.0:
            raise InputError(f"longitude {self.lon!r} is outside -180..180")

    @classmethod
    def parse(cls, text: str) -> LatLon:
        """Parse ``"LAT,LON"`` as typed on the command line, e.g. ``-7.5543,112.2337``."""
        try:
            lat_s, lon_s = text.split(",")
            return cls(parse_degrees(lat_s), parse_degrees(lon_s))
        except ValueError:
            raise InputError(f"expected LAT,LON such as -7.5543,112.2337, got {text!r}") from None

    def __str__(self) -> str:
        return f"{self.lat:.6f},{self.lon:.6f}"


def parse_degrees(text: str) -> float:
    """One coordinate as typed in a file: decimal point or decimal comma, e.g. ``-7,5543``.

    Raises
    ------
    ValueError
        When the text is not a finite number (callers add the file, row and column).
    """
    value = float(str(text).strip().replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def in_bbox(p: LatLon, bbox: tuple[float, float, float, float]) -> bool:
    """True when ``p`` lies in ``(south, west, north, east)``."""
    s, w, n, e = bbox
    return s <= p.lat <= n and w <= p.lon <= e
