"""The link that opens navigation to a stop on the courier's phone (PDF QR code, courier's page)."""

from __future__ import annotations

from routing.geo import LatLon
from routing.plan import Visit


def navigation_url(visit: Visit) -> str:
    """Link that opens motorbike navigation to the stop: coordinates only, never a name or a NIK."""
    return navigation_url_at(visit.point)


def navigation_url_at(point: LatLon) -> str:
    """Link that opens motorbike navigation to ``point`` (:func:`navigation_url` of a stop there)."""
    return (f"https://www.google.com/maps/dir/?api=1&destination={point.lat:.6f},{point.lon:.6f}"
            f"&travelmode=two-wheeler")
