"""The TOML config file: every key's type and range checked, one line naming file and key."""

import datetime as dt

import pytest
from conftest import DATA, one_line_error, run_cli

from routing.config import Settings, load_settings, parse_clock
from routing.errors import InputError

#: (TOML text, what the one-line error must say). Each was exit 1, or silently accepted, before.
BAD = [
    ("shift = 5", "shift must be tables"),
    ("[shift.mon_thu]\nend = \"16:00\"", "shift.mon_thu: missing start"),
    ("[shift]\nmon_thu = 5", "shift.mon_thu: expected a table"),
    ("[shift.friday]\nstart = 7\nend = \"16:00\"", "shift.friday.start: expected a clock time"),
    ("[shift.friday]\nstart = \"07:30\"\nend = \"16:00\"\nbreak_start = \"12:00\"", "a break needs both"),
    ("speeds_kph = \"fast\"", "speeds_kph must be a table"),
    ("[speeds_kph]\nresidential = true", "speed for highway=residential must be 1..130"),
    ("[speeds_kph]\nresidential = \"20\"", "speed for highway=residential must be 1..130"),
    ("columns = 5", "columns must be a table"),
    ("[columns]\nnik = 5", "columns: nik must be the header as written"),
    ("[columns]\nnikk = \"NIK PEMOHON\"", "unknown column 'nikk'"),
    ("drop_penalty_s = 1000000000000000000000000000000", "drop_penalty_s must be a whole number 0..1000000000000"),
    ("urgent_drop_penalty_s = 9223372036854775807", "urgent_drop_penalty_s must be a whole number"),
    ("deterministic = \"no\"", "deterministic must be true or false"),
    ("deterministic = 0", "deterministic must be true or false"),
    ("time_limit_s = true", "time_limit_s must be a whole number 1..86400"),
    ("time_limit_s = 2.5", "time_limit_s must be a whole number"),
    ("couriers = true", "couriers must be a whole number"),
    ("couriers = 0", "couriers must be a whole number"),
    ("service_base_s = -1", "service_base_s must be a whole number 0..86400"),
    ("group_by = 5", "group_by must be"),
    ("depot = [true, 112.2]", "depot: expected [lat, lon]"),
    ("depot = \"-7.5,112.2\"", "depot: expected [lat, lon]"),
    ("depot = [-97.5, 112.2]", "depot: latitude -97.5 is outside"),
    ("urgent_deadline = 12", "urgent_deadline: expected a clock time"),
    ("urgent_deadline = \"12:00:00\"", "urgent_deadline: expected HH:MM"),
    ("urgent_deadline = \"٠٩:٠٠\"", "urgent_deadline: expected HH:MM"),
    ("max_attempts = 1e3", "max_attempts must be a whole number"),
    ("snap_max_m = \"1000\"", "snap_max_m must be a whole number"),
    ("a = \"\x1b\"", "not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD, ids=[t.split("\n")[-1][:40] for t, _ in BAD])
def test_a_value_of_the_wrong_type_or_range_is_one_line_naming_file_and_key(tmp_path, text, message):
    f = tmp_path / "ektp.toml"
    f.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_settings(f)
    msg = str(err.value)
    assert msg.startswith(str(f)) and message in msg and "\n" not in msg and len(msg) < 400


def test_good_values_and_toml_local_times_are_read(tmp_path):
    f = tmp_path / "ektp.toml"
    f.write_text("deterministic = true\ntime_limit_s = 5\nurgent_deadline = 12:00:00\ndepot = [-7.55, 112]\n"
                 "[shift.friday]\nstart = 07:00:00\nend = \"16:00\"\nbreak_start = \"11:30\"\nbreak_end = \"13:00\"\n"
                 "[speeds_kph]\nresidential = 18.5\n[columns]\nNIK = \"NIK PEMOHON\"\n", encoding="utf-8")
    s = load_settings(f)
    assert s.deterministic is True and s.time_limit_s == 5 and s.urgent_deadline_s == 12 * 3600
    assert s.shift_friday.start_s == 7 * 3600 and s.speeds_kph["residential"] == 18.5
    assert s.columns == {"nik": "NIK PEMOHON"} and s.depot.lon == 112.0


def test_settings_built_in_code_are_checked_too():
    with pytest.raises(InputError, match="deterministic must be true or false"):
        Settings(deterministic="no")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="time_limit_s"):
        Settings().replace(time_limit_s=True)
    assert parse_clock(dt.time(7, 30), "x") == 7 * 3600 + 1800


def test_a_config_that_is_a_folder_is_one_line(tmp_path):
    with pytest.raises(InputError, match="cannot read the config file"):
        load_settings(tmp_path)


@pytest.mark.parametrize("text", ["shift = 5", "[shift.mon_thu]\nend = \"16:00\"", "speeds_kph = \"fast\"",
                                  "columns = 5", "drop_penalty_s = 1000000000000000000000000000000",
                                  "deterministic = \"no\"", "time_limit_s = true"],
                         ids=["shift", "no-start", "speeds", "columns", "penalty", "deterministic", "time-limit"])
def test_cli_bad_config_exit_2_one_line(tmp_path, text):
    f = tmp_path / "ektp.toml"
    f.write_text(text + "\n", encoding="utf-8")
    line = one_line_error(run_cli("plan", DATA / "valid.csv", "--network", tmp_path / "none.osm", "--out",
                                  tmp_path / "o", "--config", f))
    assert str(f) in line


def test_search_time_default_and_from_toml(tmp_path):
    assert Settings().search_s == 300
    cfg = tmp_path / "c.toml"
    cfg.write_text("search_s = 600\n", encoding="utf-8")
    assert load_settings(cfg).search_s == 600
    cfg.write_text("search_s = -60\n", encoding="utf-8")
    with pytest.raises(InputError, match="search_s must be a whole number 0..86400, got -60"):
        load_settings(cfg)
