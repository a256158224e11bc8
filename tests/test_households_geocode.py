import pytest

from routing.config import Settings
from routing.geo import JOMBANG_BBOX, LatLon
from routing.geocode import Gazetteer, GazetteerEntry, locate, read_gazetteer
from routing.households import group_households, normalise_name
from routing.records import Record, read_records

from conftest import DATA, SHARED, nik_for


def rec(row, serial, **kw):
    base = dict(row=row, nik=nik_for(serial), nama=f"Warga {serial}", alamat="Jl. Melati No. 5", rt="002",
                rw="005", dusun="Caruk Kulon", desa="Jabon", kecamatan="Jombang")
    base.update(kw)
    return Record(**base)


def test_same_kk_is_one_household_even_with_other_address():
    hs = group_households([rec(2, 1, no_kk="3517090101000001"), rec(3, 2, no_kk="3517090101000001", alamat="lain"),
                           rec(4, 3)])
    assert [len(h.records) for h in hs] == [2, 1]


def test_address_normalisation_groups_spelling_variants():
    hs = group_households([rec(2, 1, dusun="Dsn. Caruk  Kulon", rt="2", rw="05", desa="Ds. JABON"),
                           rec(3, 2, dusun="caruk kulon", rt="002", rw="005", desa="Jabon"),
                           rec(4, 3, rt="003")])
    assert [len(h.records) for h in hs] == [2, 1]
    assert normalise_name("Kec. Jombang") == "jombang"


def test_service_time_grows_with_cards():
    s = Settings(service_base_s=240, service_per_card_s=60)
    assert s.service_s(1) == 300 and s.service_s(3) == 420


def test_household_prefers_a_member_with_coordinates():
    (h,) = group_households([rec(2, 1, no_kk="1"), rec(3, 2, no_kk="1", point=LatLon(-7.565, 112.212))])
    assert h.first.row == 3


GAZ = Gazetteer((GazetteerEntry("Jabon", "", LatLon(-7.565, 112.212)),
                 GazetteerEntry("Jabon", "Caruk Kulon", LatLon(-7.566, 112.209)),
                 GazetteerEntry("Sengon", "", LatLon(-7.535, 112.226))))


def test_typed_coordinates_win():
    (h,) = group_households([rec(2, 1, point=LatLon(-7.5601, 112.2102))])
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "coordinates" and loc.point == LatLon(-7.5601, 112.2102)


def test_swapped_coordinates_detected_and_reported():
    rs = read_records(DATA / "swapped_coordinates.csv")
    (h,) = group_households(rs.records)
    loc = locate(h, None, JOMBANG_BBOX)
    assert loc.point == LatLon(-7.535, 112.226) and "swapped" in loc.note


def test_gazetteer_fuzzy_dusun_then_desa():
    (h,) = group_households([rec(2, 1, dusun="Carukkulon", desa="Djabon")])
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "dusun" and loc.point == LatLon(-7.566, 112.209) and loc.score < 100
    (h,) = group_households([rec(2, 1, dusun="Dukuh Baru")])
    assert locate(h, GAZ, JOMBANG_BBOX).precision == "desa"
    (h,) = group_households([rec(2, 1, desa="Karangwinongan")])
    assert isinstance(locate(h, GAZ, JOMBANG_BBOX), str)


def test_outside_coordinates_fall_back_to_gazetteer_with_note():
    (h,) = group_households([rec(2, 1, point=LatLon(-6.2, 106.8))])  # Jakarta
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "dusun" and "outside the area" in loc.note


@pytest.mark.shared
def test_real_kemendagri_desa_centroids_as_gazetteer(tmp_path):
    """The real Jombang desa list (../shared) locates Desa Jabon where SOURCES.md says it is."""
    import csv

    src = SHARED / "data" / "jombang" / "desa_centroids_kemendagri_3517.csv"
    out = tmp_path / "gaz.csv"
    with open(src, encoding="utf-8") as f, open(out, "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g)
        w.writerow(["kecamatan", "desa", "dusun", "lat", "lon"])
        for row in csv.DictReader(f):
            w.writerow([row["nama_kec"], row["nama"], "", row["lat"], row["lng"]])
    gaz = read_gazetteer(out)
    assert len(gaz.entries) == 306
    (h,) = group_households([rec(2, 1, dusun="", desa="Jabon", kecamatan="Jombang")])
    loc = locate(h, gaz, JOMBANG_BBOX)
    assert loc.precision == "desa"
    assert loc.point.lat == pytest.approx(-7.565169, abs=1e-5) and loc.point.lon == pytest.approx(112.212371, abs=1e-5)
    # A spelling variant named in SOURCES.md still finds its desa.
    (h,) = group_households([rec(2, 1, dusun="", desa="Tugusumberejo", kecamatan="Peterongan")])
    assert locate(h, gaz, JOMBANG_BBOX).precision == "desa"


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
