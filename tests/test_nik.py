import pytest

from routing import nik


def test_normalise_strips_spreadsheet_noise():
    assert nik.normalise("'3517 0945.0790-0003") == "3517094507900003"


@pytest.mark.parametrize("raw, why", [
    ("3.51709E+15", "scientific notation"),
    ("3,51709E+15", "scientific notation"),
    ("351709450790000", "16 digits"),
    ("35170945079000031", "16 digits"),
    ("35170945079O0003", "only digits"),
    ("", "empty"),
])
def test_normalise_rejects_with_reason(raw, why):
    with pytest.raises(ValueError, match=why):
        nik.normalise(raw)


def test_women_have_forty_added_to_the_day():
    assert nik.parse("3517094507900003") == "3517094507900003"  # 45 -> 5 July 1990


@pytest.mark.parametrize("raw, why", [
    ("9917091507900003", "province"),
    ("3517093207900003", "birth date"),
    ("3517091513900003", "birth date"),
    ("3517091507900000", "serial"),
])
def test_check_rejects_impossible_niks(raw, why):
    with pytest.raises(ValueError, match=why):
        nik.parse(raw)


def test_mask_keeps_region_and_serial_only():
    assert nik.mask("3517094507900003") == "3517********0003"
