"""Locating households in order of trust: typed coordinates, confirmed, gazetteer, online."""

from conftest import DATA, GAZ, rec

from routing.geo import LatLon
from routing.geocode import locate
from routing.households import group_households
from routing.records import read_records
from routing.region import JOMBANG, Region


def test_typed_coordinates_win():
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])
    loc = locate(h, GAZ, JOMBANG)
    assert loc.precision == "coordinates" and loc.point == LatLon(-7.5601, 112.2102)


def test_swapped_coordinates_detected_and_reported():
    rs = read_records(DATA / "swapped_coordinates.csv")
    (h,) = group_households(rs.records)
    loc = locate(h, None, JOMBANG)
    assert loc.point == LatLon(-7.535, 112.226) and "swapped" in loc.note


def test_outside_coordinates_fall_back_to_gazetteer_with_note():
    (h,) = group_households([rec(2, 1, point=LatLon(-6.2, 106.8))])  # Jakarta
    loc = locate(h, GAZ, JOMBANG)
    assert loc.precision == "dusun" and "are outside Kabupaten Jombang" in loc.note


def test_online_geocoder_is_asked_last_with_the_address_only():
    queries = []

    def lookup(query):
        queries.append(query)
        return (-7.5601, 112.2399)

    (h,) = group_households([rec(2, 1, desa="Karangwinongan", dusun="Krajan")])
    loc = locate(h, GAZ, JOMBANG, online=lookup)
    assert loc.precision == "online" and loc.point == LatLon(-7.5601, 112.2399)
    assert queries == ["Krajan, Desa Karangwinongan, Kecamatan Jombang, Kabupaten Jombang, Jawa Timur, Indonesia"]
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])
    locate(h, GAZ, JOMBANG, online=lookup)
    assert len(queries) == 1  # typed coordinates: no request


SIDOARJO = Region("Kabupaten Sidoarjo", (-7.60, 112.43, -7.31, 112.87), "Jawa Timur")


def test_online_geocoder_asks_about_the_offices_region_and_keeps_only_answers_inside_it():
    queries = []
    answers = iter([(-7.4530, 112.6700), (-7.5601, 112.2399)])  # Lebo (Sidoarjo), then a point in Jombang

    def lookup(query):
        queries.append(query)
        return next(answers)

    (h,) = group_households([rec(2, 1, desa="Lebo", dusun="", kecamatan="Sidoarjo")])
    loc = locate(h, None, SIDOARJO, online=lookup)
    assert loc.precision == "online" and loc.point == LatLon(-7.4530, 112.6700)
    assert queries == ["Desa Lebo, Kecamatan Sidoarjo, Kabupaten Sidoarjo, Jawa Timur, Indonesia"]
    # An answer outside the region is not used, and the note names the region.
    note = locate(h, None, SIDOARJO, online=lookup)
    assert isinstance(note, str) and note.endswith("online geocoding found nothing in Kabupaten Sidoarjo")
    # Without a province the query leaves it out rather than guessing Jawa Timur.
    kediri = Region("Kota Kediri", (-7.89, 111.94, -7.75, 112.10))
    locate(h, None, kediri, online=lambda q: queries.append(q))
    assert queries[-1] == "Desa Lebo, Kecamatan Sidoarjo, Kota Kediri, Indonesia"
    assert all("Jombang" not in q for q in queries)


def test_typed_coordinates_are_checked_against_the_region():
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])  # in Jombang
    note = locate(h, None, SIDOARJO)
    assert note.startswith("row 2: coordinates -7.5601, 112.2102 are outside Kabupaten Sidoarjo")
    (h,) = group_households([rec(2, 1, point=LatLon(-7.4530, 112.6700))])
    assert locate(h, None, SIDOARJO).precision == "coordinates"
