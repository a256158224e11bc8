"""The gazetteer: fuzzy desa/dusun lookup and real Kemendagri desa lists."""

import pytest
from conftest import GAZ, SHARED, rec

from routing.gazetteer import read_gazetteer
from routing.geo import JOMBANG_BBOX, LatLon
from routing.geocode import locate
from routing.households import group_households


def test_gazetteer_fuzzy_dusun_then_desa():
    (h,) = group_households([rec(2, 1, dusun="Carukkulon", desa="Djabon")])
    loc = locate(h, GAZ, JOMBANG_BBOX)
    assert loc.precision == "dusun" and loc.point == LatLon(-7.566, 112.209) and loc.score < 100
    (h,) = group_households([rec(2, 1, dusun="Dukuh Baru")])
    assert locate(h, GAZ, JOMBANG_BBOX).precision == "desa"
    (h,) = group_households([rec(2, 1, desa="Karangwinongan")])
    assert isinstance(locate(h, GAZ, JOMBANG_BBOX), str)


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
