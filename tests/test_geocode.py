"""Locating households in order of trust: typed coordinates, confirmed, gazetteer, online."""

from conftest import DATA, GAZ, rec

from routing.geo import JOMBANG_BBOX, LatLon
from routing.geocode import locate
from routing.households import group_households
from routing.records import read_records


def test_typed_coordinates_win():
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "coordinates" and loc.point == LatLon(-7.5601, 112.2102)


def test_swapped_coordinates_detected_and_reported():
    rs = read_records(DATA / "swapped_coordinates.csv")
    (h,) = group_households(rs.records)
    loc = locate(h, None, JOMBANG_BBOX)
    assert loc.point == LatLon(-7.535, 112.226) and "swapped" in loc.note


def test_outside_coordinates_fall_back_to_gazetteer_with_note():
    (h,) = group_households([rec(2, 1, point=LatLon(-6.2, 106.8))])  # Jakarta
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "dusun" and "outside the area" in loc.note


def test_online_geocoder_is_asked_last_with_the_address_only():
    queries = []

    def lookup(query):
        queries.append(query)
        return (-7.5601, 112.2399)

    (h,) = group_households([rec(2, 1, desa="Karangwinongan", dusun="Krajan")])
    loc = locate(h, GAZ, JOMBANG_BBOX, online=lookup)
    assert loc.precision == "online" and loc.point == LatLon(-7.5601, 112.2399)
    assert queries == ["Krajan, Desa Karangwinongan, Kecamatan Jombang, Kabupaten Jombang, Jawa Timur, Indonesia"]
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])
    locate(h, GAZ, JOMBANG_BBOX, online=lookup)
    assert len(queries) == 1  # typed coordinates: no request
