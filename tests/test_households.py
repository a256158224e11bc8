"""Households: cards grouped by KK or normalised address; service time per stop."""

from conftest import rec

from routing.config import Settings
from routing.geo import LatLon
from routing.households import group_households, normalise_name


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


