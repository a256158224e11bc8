"""Property: whatever rows come in, every one is accounted for exactly once."""

import csv
import datetime as dt

from conftest import nik_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.config import Settings
from routing.demo import ISLAND, VILLAGES
from routing.gazetteer import read_gazetteer
from routing.pipeline import plan_day
from routing.records import read_records

DESA = list(VILLAGES) + ["Karangwinongan"]


@st.composite
def record_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for k in range(n):
        serial = draw(st.integers(1, 30))  # small range: duplicates happen
        nik = draw(st.sampled_from([nik_for(serial), nik_for(serial, female=True), "3.51709E+15", "12345",
                                    "9917091507900003"]))
        desa = draw(st.sampled_from(DESA))
        centre = VILLAGES.get(desa, (ISLAND[2],))[0]
        coords = draw(st.sampled_from(["near", "none", "island", "swapped", "zero", "junk"]))
        lat, lon = {"near": (f"{centre.lat + draw(st.floats(-0.003, 0.003)):.6f}",
                             f"{centre.lon + draw(st.floats(-0.003, 0.003)):.6f}"),
                    "none": ("", ""), "island": (str(ISLAND[2].lat), str(ISLAND[2].lon)),
                    "swapped": (str(centre.lon), str(centre.lat)), "zero": ("0", "0"), "junk": ("x", "y")}[coords]
        rows.append([nik, draw(st.sampled_from(["Siti", "Nu'man", "<b>x</b>", ""])), f"Jl. {k % 4}",
                     str(k % 3), "1", draw(st.sampled_from(["", "Krajan", VILLAGES.get(desa, ((), ("",)))[1][0]])),
                     desa, "Jombang", draw(st.sampled_from(["", "3517090101000001", "3517090101000002"])), lat, lon,
                     draw(st.sampled_from(["", "1"]))])
    return rows


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=record_rows())
def test_every_row_accounted_exactly_once(tmp_path, demo_network, demo_files, rows):
    path = tmp_path / "p.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
                    "prioritas"])
        w.writerows(rows)
    rs = read_records(path)
    plan = plan_day(rs, demo_network, Settings(time_limit_s=1), dt.date(2026, 11, 30),
                    read_gazetteer(demo_files.gazetteer))
    s = plan.summary()
    assert s["cards_in"] == len(rows) == s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]
    planned = [c.nik for r in plan.routes for v in r.visits for c in v.cards]
    assert len(planned) == len(set(planned))
    rows_seen = [c.row for r in plan.routes for v in r.visits for c in v.cards]
    rows_seen += [u.card.row for u in plan.unassigned] + [r.row for r in plan.rejected]
    assert sorted(rows_seen) == list(range(2, len(rows) + 2))
