"""The office's region: the regency (or city) whose cards it delivers, by name and area.

A :class:`Region` is what "inside" means wherever a point is checked, and what every message
that names the place says: coordinates typed into the records and learned from earlier deliveries
(:mod:`routing.stops`, :mod:`routing.geocode`), points the officer confirms (:mod:`routing.confirmed`),
markers moved on the review page, and the query sent to the online geocoder.

Where the region comes from:

- the config's ``[region]`` table (``name``, optional ``province`` and ``bbox``), read by
  :func:`routing.config.load_settings`;
- without a ``bbox``, its area is the road network's extent, padded (:meth:`Region.within`), when a
  day is planned: the network was cut to the office's regency, so its extent is the regency's. The
  gazetteer would be the other witness, but a gazetteer CSV does not record the boundaries it was
  built from, so the network's extent is the one taken;
- without a ``[region]`` table, Kabupaten Jombang (:data:`JOMBANG`), as the default depot and office
  name are Jombang's.

The plan records the region it used (``plan.json`` ``meta.region``, see :meth:`Region.to_json`), so
the review page and ``confirm`` check against the area the plan was made with; a plan written
before regions were recorded reads as Jombang, where every such plan was made.

The area is a box, not a polygon: the review page checks moved markers with the same box in the
browser, and ``confirm`` must refuse exactly what the page warns about. A box around a regency takes
in a strip of its neighbours; that is the price of the page and ``confirm`` agreeing, and the
road network still decides what can be reached.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routing.errors import InputError, shown

#: ``(south, west, north, east)`` in degrees WGS84.
BBox = tuple[float, float, float, float]

#: Kabupaten Jombang's bounding box (south, west, north, east), padded by about 2 km so that
#: a house on the border is not rejected.
JOMBANG_BBOX: BBox = (-7.80, 112.04, -7.32, 112.48)

#: Padding added around a road network's extent when it stands for the region's area (about 2 km,
#: as :data:`JOMBANG_BBOX` is padded): a house at the network's last junction is still inside.
NETWORK_PAD_DEG = 0.02

#: Longest region or province name accepted ("Kabupaten Pangkajene dan Kepulauan" is 34).
NAME_MAX = 80

#: Punctuation a Kemendagri region name may hold besides letters, digits and spaces
#: ("Kota Bau-Bau", "Kab. Toba Samosir"). Anything else (markup, quotes, ``$``, backticks,
#: control characters) is refused where the name is read, because the name goes into pages,
#: CSV cells, shell-pasted commands and messages, and no real region needs it.
_NAME_PUNCTUATION = frozenset(" .,'()-/")


def name_problem(value: object) -> str:
    """Why ``value`` cannot be a region or province name, or ``""`` when it can.

    A name starts with a letter (so a CSV cell never starts a formula) and holds letters, digits,
    spaces and ``. , ' ( ) - /`` only, at most :data:`NAME_MAX` characters.
    """
    if not isinstance(value, str):
        return "must be text in quotes"
    if not value.strip():
        return "must not be empty"
    if len(value) > NAME_MAX:
        return f"is longer than {NAME_MAX} characters"
    if value != value.strip() or "  " in value:
        return "must not have leading, trailing or double spaces"
    if not unicodedata.category(value[0]).startswith("L"):
        return "must start with a letter"
    odd = sorted({ch for ch in value if not (ch.isalnum() or ch in _NAME_PUNCTUATION)})
    if odd:
        return (f"may hold letters, digits, spaces and . , ' ( ) - / only, not {shown(''.join(odd))}")
    return ""


def bbox_problem(value: object) -> str:
    """Why ``value`` cannot be a ``(south, west, north, east)`` box, or ``""`` when it can."""
    if not (isinstance(value, (list, tuple)) and len(value) == 4
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        return "must be [south, west, north, east] in degrees, e.g. [-7.60, 112.43, -7.31, 112.87]"
    s, w, n, e = (float(x) for x in value)
    if not all(math.isfinite(x) for x in (s, w, n, e)):
        return "must hold finite numbers"
    if not (-90 <= s < n <= 90):
        return "needs -90 <= south < north <= 90 (south first, then west, north, east)"
    if not (-180 <= w < e <= 180):
        return "needs -180 <= west < east <= 180 (south first, then west, north, east)"
    return ""


def overlaps(a: BBox, b: BBox) -> bool:
    """True when two ``(south, west, north, east)`` boxes share any point."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def box_text(bbox: BBox) -> str:
    """A box as messages write it: ``south -7.59, west 112.44, north -7.32, east 112.87``."""
    return ", ".join(f"{side} {v:.4f}" for side, v in zip(("south", "west", "north", "east"), bbox))


@dataclass(frozen=True, slots=True)
class Region:
    """The office's region.

    Attributes
    ----------
    name
        As people write it and Nominatim knows it, e.g. ``"Kabupaten Sidoarjo"`` or ``"Kota Kediri"``;
        named in every message about a point outside it. See :func:`name_problem`.
    bbox
        ``(south, west, north, east)``; ``None`` until a road network gives it (:meth:`within`).
    province
        Added to the online geocoder's query when given, e.g. ``"Jawa Timur"``; ``""`` leaves it out
        (a regency's name alone is unambiguous to Nominatim within Indonesia).

    Raises
    ------
    InputError
        When the name, province or box is unusable; the message quotes the value.
    """

    name: str
    bbox: BBox | None = None
    province: str = ""

    def __post_init__(self) -> None:
        problem = name_problem(self.name)
        if problem:
            raise InputError(f"region name {problem}, got {shown(self.name)}")
        if self.province != "":
            problem = name_problem(self.province)
            if problem:
                raise InputError(f"region province {problem}, got {shown(self.province)}")
        if self.bbox is not None:
            problem = bbox_problem(self.bbox)
            if problem:
                raise InputError(f"region bbox {problem}, got {shown(self.bbox)}")
            object.__setattr__(self, "bbox", tuple(float(x) for x in self.bbox))

    @property
    def area(self) -> BBox:
        """The box; only a region that has one (from the config, a network or a plan) is asked."""
        if self.bbox is None:
            raise ValueError(f"region {self.name} has no area yet: take it from the road network with within()")
        return self.bbox

    def within(self, network_bbox: BBox) -> Region:
        """This region, its area the road network's extent (padded) when the config gave none."""
        if self.bbox is not None:
            return self
        s, w, n, e = network_bbox
        pad = NETWORK_PAD_DEG
        return dataclasses.replace(self, bbox=(max(-90.0, s - pad), max(-180.0, w - pad),
                                               min(90.0, n + pad), min(180.0, e + pad)))

    def geocoder_query(self, *parts: str) -> str:
        """An address query for the online geocoder: ``parts``, then the region, province and country."""
        return ", ".join(p for p in (*parts, self.name, self.province, "Indonesia") if p.strip())

    def to_json(self) -> dict[str, Any]:
        """As ``plan.json`` records it in ``meta.region``: ``name``, ``province``, ``bbox``."""
        return {"name": self.name, "province": self.province, "bbox": None if self.bbox is None else list(self.area)}

    @classmethod
    def from_json(cls, data: object) -> Region:
        """The region of a ``plan.json`` ``meta.region`` (see :meth:`to_json`).

        Raises
        ------
        InputError
            Naming the field (``meta.region.bbox``...) and quoting the value.
        """
        if not isinstance(data, Mapping):
            raise InputError(f"meta.region must be an object with name and bbox, got {shown(data)}")
        bbox = data.get("bbox")
        problem = bbox_problem(bbox)  # a plan's region always has its area: none means an edited file
        if problem:
            raise InputError(f"meta.region.bbox {problem}, got {shown(bbox)}")
        try:
            return cls(data.get("name"), tuple(bbox), data.get("province", ""))  # type: ignore[arg-type]
        except InputError as exc:
            raise InputError(f"meta.region.{str(exc).removeprefix('region ')}") from None


#: The default region, for the default config: Jombang's office, depot and sheets.
JOMBANG = Region("Kabupaten Jombang", JOMBANG_BBOX, "Jawa Timur")
