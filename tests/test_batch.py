"""``batch``: manifests, one Dask task per office, atomic office folders, the office's own name.

The fast tests call the library (manifest reading, one office's task without a cluster, the
network kept per process, the solver staying in its process). The slow ones run ``ektp-route
batch`` in a real process on a real Dask cluster of two single-threaded worker processes: three
offices, one with a broken records file; and a worker killed with SIGKILL while it plans.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, MONDAY, cli_env, records_csv, run_cli, village_rows

from maps.render import render_all
from routing.batch import BatchResult, OfficeResult, RunOptions, day_inputs, plan_office, publish, remove_leftovers
from routing.cli.batch import table
from routing.cluster import WORKER_SATURATION, connect, scheduler_saturation, submit_offices
from routing.config import DEFAULT_OFFICE_NAME, DEFAULT_SPEEDS_KPH, Settings, load_settings
from routing.demo import generate
from routing.errors import InputError
from routing.manifest import Office, read_manifest
from routing.pipeline import plan_day
from routing.plan import read_plan
from routing.records import read_records
from routing.roads.network import load_network_kept
from routing.solver import solve as solve_module

# -- the manifest ---------------------------------------------------------------------------------

GOOD = """
[[office]]
id = "35.17"
records = "jombang/kartu.csv"
network = "jombang.osm"
gazetteer = "jombang/gazetteer.csv"
depot = [-7.5530, 112.2330]
couriers = 6
config = "jombang.toml"
group_by = "kecamatan"
date = 2026-11-30
office_name = "Dispendukcapil Kabupaten Jombang"

[[office]]
id = "35.15"
db = "sidoarjo/ektp-ledger.sqlite"
network = "/data/sidoarjo.osm.bz2"
couriers = "sidoarjo/kurir.csv"
date = "2026-12-01"
"""


def test_manifest_paths_are_relative_to_its_folder_and_values_typed(tmp_path):
    (tmp_path / "m").mkdir()
    manifest = tmp_path / "m" / "kantor.toml"
    manifest.write_text(GOOD, encoding="utf-8")
    jombang, sidoarjo = read_manifest(manifest)
    base = manifest.absolute().parent
    assert jombang.id == "35.17" and jombang.records == base / "jombang" / "kartu.csv"
    assert jombang.network == base / "jombang.osm" and jombang.config == base / "jombang.toml"
    assert jombang.couriers == 6 and jombang.couriers_file is None and jombang.group_by == "kecamatan"
    assert (jombang.depot.lat, jombang.depot.lon) == (-7.5530, 112.2330) and jombang.day == MONDAY
    # A number of couriers or a couriers file; an absolute path stays as written; a quoted date too.
    assert sidoarjo.couriers is None and sidoarjo.couriers_file == base / "sidoarjo" / "kurir.csv"
    assert sidoarjo.network == Path("/data/sidoarjo.osm.bz2") and sidoarjo.records is None
    assert sidoarjo.db == base / "sidoarjo" / "ektp-ledger.sqlite" and sidoarjo.day == dt.date(2026, 12, 1)


def _office(**keys: str) -> str:
    table = {"id": '"35.17"', "records": '"kartu.csv"', "network": '"jalan.osm"', **keys}
    return "[[office]]\n" + "".join(f"{k} = {v}\n" for k, v in table.items() if v is not None)


BAD_MANIFESTS = [
    # (manifest text, what the one-line error must name)
    ("", ["no offices"]),
    ("office = 3", ["no offices"]),
    ("[[office]\nid = 1", ["not valid TOML"]),
    ("title = 'x'\n" + _office(), ["key 'title'", "unknown"]),
    (_office(colour='"red"'), ["office 1 (id '35.17')", "key 'colour'", "unknown key"]),
    (_office(id=None), ["office 1", "key 'id'", "missing"]),
    (_office(network=None), ["office 1 (id '35.17')", "key 'network'", "missing"]),
    (_office(records=None), ["office 1 (id '35.17')", "records = FILE", "db = LEDGER"]),
    (_office(id='"../etc"'), ["office 1", "key 'id'", "value '../etc'", "letters, digits"]),
    (_office(id='".hidden"'), ["key 'id'", "value '.hidden'"]),
    (_office(id='"a/b"'), ["key 'id'", "value 'a/b'"]),
    (_office(id='"<script>alert(1)</script>"'), ["key 'id'", "<script>"]),
    (_office(id="35.17"), ["key 'id'", "value 35.17"]),
    (_office(id='"' + "x" * 100_000 + '"'), ["key 'id'", "..."]),
    (_office() + _office(id='"35.17"'), ["office 2", "value '35.17'", "same id as office 1"]),
    (_office(id='"Kab-A"') + _office(id='"kab-a"'), ["office 2", "same id as office 1"]),
    (_office(depot="[-7.5, 'x']"), ["key 'depot'", "[lat, lon]"]),
    (_office(depot="[-97.5, 112.2]"), ["key 'depot'", "latitude -97.5"]),
    (_office(depot="[-7.5]"), ["key 'depot'", "value [-7.5]"]),
    (_office(couriers="0"), ["key 'couriers'", "value 0", "1..500"]),
    (_office(couriers="true"), ["key 'couriers'", "value True"]),
    (_office(couriers="2.5"), ["key 'couriers'", "value 2.5"]),
    (_office(group_by='"dusun"'), ["key 'group_by'", "value 'dusun'", "none, desa or kecamatan"]),
    (_office(date='"30-11-2026"'), ["key 'date'", "value '30-11-2026'", "YYYY-MM-DD"]),
    (_office(date="2026-11-30T08:00:00"), ["key 'date'", "not a date and time"]),
    (_office(records='""'), ["key 'records'", "value ''", "file path"]),
    (_office(network="7"), ["key 'network'", "value 7"]),
    (_office(office_name='"Dinas\\nDua Baris"'), ["key 'office_name'", "one line"]),
    (_office(office_name='"' + "N" * 500 + '"'), ["key 'office_name'", "1..120"]),
    (_office(sheet="1"), ["key 'sheet'", "worksheet"]),
]


@pytest.mark.parametrize(("text", "names"), BAD_MANIFESTS, ids=[str(i) for i in range(len(BAD_MANIFESTS))])
def test_bad_manifest_is_one_line_naming_manifest_office_key_value(tmp_path, text, names):
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_manifest(manifest)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(manifest)), message
    assert len(message) < 600, "a 100 KB value must not be quoted whole"
    for name in names:
        assert name in message, (name, message)


def test_missing_and_binary_manifests_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="manifest not found"):
        read_manifest(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00id")
    with pytest.raises(InputError, match="not UTF-8"):
        read_manifest(tmp_path / "bin.toml")


def test_office_refuses_an_unsafe_id_even_when_built_directly():
    for bad in ("..", "../x", "a b", "", "x" * 65, "35/17", "\x00"):
        with pytest.raises(InputError):
            Office(bad, Path("n.osm"), records=Path("r.csv"))
    assert Office("35.17_b-2", Path("n.osm"), records=Path("r.csv")).id == "35.17_b-2"


#: Office ids that pass as letters, digits and dots but cannot be a folder of their own in OUT:
#: Windows device names (any case, any extension), the batch's own results file, a trailing dot.
UNSAFE_IDS = ["batch.json", "BATCH.JSON", "con", "CON", "NUL", "nul.txt", "Aux", "prn.tar.gz", "COM1", "com9.x",
              "LPT1", "lpt9", "35.", "a.."]


@pytest.mark.parametrize("office_id", UNSAFE_IDS)
def test_an_id_that_is_no_folder_of_its_own_is_refused_when_the_manifest_is_read(tmp_path, office_id):
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(_office() + _office(id=f'"{office_id}"'), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_manifest(manifest)
    message = str(err.value)
    assert message.startswith(f"{manifest}, office 2, key 'id', value {office_id!r}: ") and "\n" not in message
    with pytest.raises(InputError):
        Office(office_id, Path("n.osm"), records=Path("r.csv"))


@pytest.mark.parametrize("office_id", ["console", "CONx", "COM10", "lpt", "nul_1", "a.con", "batch", "batch.json.1",
                                       "35.17"])
def test_ids_that_only_look_like_reserved_names_are_kept(office_id):
    assert Office(office_id, Path("n.osm"), records=Path("r.csv")).id == office_id


def test_day_inputs_layer_config_then_manifest_then_command_line(tmp_path):
    config = tmp_path / "kab.toml"
    config.write_text('office_name = "Dispendukcapil Kab. Contoh"\ncouriers = 2\ntime_limit_s = 20\n'
                      'group_by = "desa"\n', encoding="utf-8")
    office = Office("35.99", tmp_path / "n.osm", records=tmp_path / "x" / "r.csv", config=config, couriers=4)
    inputs = day_inputs(office, tmp_path / "out", RunOptions(MONDAY, "en", True, 5))
    s = inputs.settings
    assert (s.office_name, s.couriers, s.group_by, s.time_limit_s, s.deterministic) == \
        ("Dispendukcapil Kab. Contoh", 4, "desa", 5, True)
    # The worker searches in its own process: no pool of its own.
    assert s.solver_workers == 1
    assert inputs.out == tmp_path / "out" / "35.99" and inputs.day == MONDAY and inputs.lang == "en"
    # Confirmed locations: beside the office's records file (a worker has no working folder of its own).
    assert inputs.locations == tmp_path / "x" / "lokasi_terkonfirmasi.csv"


# -- one office's task, without a cluster -----------------------------------------------------------

@pytest.fixture(scope="module")
def small_day(tmp_path_factory):
    """A demo network and 12 cards that all fit one courier."""
    tmp = tmp_path_factory.mktemp("small_day")
    files = generate(tmp / "input", 10)
    records = records_csv(tmp / "kartu.csv", village_rows(12))
    return files, records


def test_plan_office_writes_the_office_folder_whole_and_leaves_no_temporary(tmp_path, small_day):
    files, records = small_day
    office = Office("35.17", files.network, records=records)
    out = tmp_path / "out"
    (out / "35.17").mkdir(parents=True)
    (out / "35.17" / "stale.txt").write_text("from yesterday's run")
    inputs = day_inputs(office, out, RunOptions(MONDAY, time_limit_s=1))
    result = plan_office("35.17", inputs, render_all)
    assert result.ok and result.exit_code == 0 and result.cards_in == result.cards_planned == 12
    assert result.couriers == 1 and result.distance_m > 0 and result.folder == str(out / "35.17")
    # The old folder was replaced as a whole: yesterday's file is gone, today's outputs are all there.
    assert sorted(p.name for p in out.iterdir()) == ["35.17"]
    folder = out / "35.17"
    assert not (folder / "stale.txt").exists()
    for name in ("plan.json", "routes.csv", "sheets/K01.html", "sheets/all.pdf", "maps/overview.html",
                 "gpx/K01.gpx", "kurir/K01.html"):
        assert (folder / name).is_file(), name
    assert read_plan(folder / "plan.json").cards_planned == 12


def test_plan_office_with_a_broken_records_file_fails_alone_with_one_line(tmp_path, small_day):
    files, _ = small_day
    broken = tmp_path / "kartu.csv"
    shutil.copy(DATA / "binary.csv", broken)
    (tmp_path / "out").mkdir()
    inputs = day_inputs(Office("35.71", files.network, records=broken), tmp_path / "out", RunOptions(MONDAY))
    result = plan_office("35.71", inputs, render_all)
    assert not result.ok and result.exit_code == 2 and str(broken) in result.error
    assert "\n" not in result.error and "Traceback" not in result.error
    assert list((tmp_path / "out").iterdir()) == [], "no folder, no temporary for a failed office"


def test_a_bug_in_one_office_is_its_one_line_internal_error(tmp_path, small_day, monkeypatch):
    import routing.batch

    def broken_run_day(inputs, write, progress, publish):
        (inputs.out / "sheets").mkdir(parents=True)  # half written when it broke
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(routing.batch, "run_day", broken_run_day)
    files, records = small_day
    (tmp_path / "out").mkdir()
    result = plan_office("35.17", day_inputs(Office("35.17", files.network, records=records), tmp_path / "out",
                                             RunOptions(MONDAY)), render_all)
    assert result.exit_code == 1 and result.error.startswith("internal error (RuntimeError: boom second line)")
    assert list((tmp_path / "out").iterdir()) == [], "the half-written temporary is removed"


def test_each_office_plans_in_its_own_region(tmp_path, small_day):
    """Two offices of one manifest, one with the default config (Jombang), one whose config names its region:
    each plan records, and each review page checks, its own office's region."""
    from routing.region import JOMBANG, Region

    files, records = small_day
    (tmp_path / "uji.toml").write_text('[region]\nname = "Kabupaten Uji"\nprovince = "Jawa Tengah"\n', encoding="utf-8")
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(f"""
[[office]]
id = "35.17"
records = "{records}"
network = "{files.network}"

[[office]]
id = "33.99"
records = "{records}"
network = "{files.network}"
config = "uji.toml"
""", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    regions = {}
    for office in read_manifest(manifest):
        result = plan_office(office.id, day_inputs(office, out, RunOptions(MONDAY, time_limit_s=1)), render_all)
        assert result.ok, result.error
        plan = read_plan(out / office.id / "plan.json")
        page = (out / office.id / "review.html").read_text(encoding="utf-8")
        assert json.dumps(list(plan.region.area), separators=(",", ":")) in page
        regions[office.id] = (plan.region, plan.office_name)
    network = load_network_kept(files.network, DEFAULT_SPEEDS_KPH)
    assert regions == {"35.17": (JOMBANG, DEFAULT_OFFICE_NAME),
                       "33.99": (Region("Kabupaten Uji", None, "Jawa Tengah").within(network.bbox),
                                 "Dispendukcapil Kabupaten Uji")}


def test_publish_replaces_the_old_folder_and_leftovers_are_removed(tmp_path):
    out = tmp_path / "out"
    (out / "35.17").mkdir(parents=True)
    (out / "35.17" / "old.txt").write_text("old")
    tmp = out / ".35.17.tmp-0123456789abcdef0123456789abcdef"
    tmp.mkdir()
    (tmp / "plan.json").write_text("{}")
    publish(tmp, out / "35.17")
    assert sorted(p.name for p in out.iterdir()) == ["35.17"]
    assert sorted(p.name for p in (out / "35.17").iterdir()) == ["plan.json"]
    # What a killed worker leaves: a half-written temporary; only the manifest's offices' ones go.
    (out / ".35.17.tmp-" f"{'a' * 32}").mkdir()
    (out / ".35.17.old-" f"{'b' * 32}").mkdir()
    (out / ".99.tmp-" f"{'c' * 32}").mkdir()
    (out / ".35.17.tmp-notauuid").mkdir()
    assert remove_leftovers(out, ["35.17"]) == 2
    assert sorted(p.name for p in out.iterdir()) == [".35.17.tmp-notauuid", f".99.tmp-{'c' * 32}", "35.17"]


def test_office_result_accounting_and_exit_codes():
    planned = OfficeResult("a", "2026-11-30", 10, 10, 0, 0, 2, 12_000, 1.0)
    partial = OfficeResult("b", "2026-11-30", 10, 8, 1, 1, 2, 12_000, 1.0, exit_code=4)
    failed = OfficeResult.failed("c", MONDAY, "c/kartu.csv: not a text CSV file,\n it holds binary data", 2)
    assert failed.error == "c/kartu.csv: not a text CSV file, it holds binary data" and not failed.ok
    with pytest.raises(ValueError, match="cards in"):
        OfficeResult("d", "2026-11-30", 10, 9, 0, 0)
    assert BatchResult((planned,), 1.0, "local", 2).exit_code == 0
    assert BatchResult((planned, partial), 1.0, "local", 2).exit_code == 4
    assert BatchResult((planned, failed), 1.0, "local", 2).exit_code == 4
    lines = table(BatchResult((planned, failed), 3.0, "local", 2))
    assert any(line.startswith("c ") and "error (exit 2): c/kartu.csv" in line for line in lines)
    assert lines[-1].startswith("1 of 2 offices planned")
    data = BatchResult((planned, failed), 3.0, "local", 2).to_json()
    assert [o["id"] for o in data["offices"]] == ["a", "c"] and data["exit_code"] == 4


# -- the queue: a free worker takes the next office ---------------------------------------------

def _held_office(office_id: str, event: str) -> str:
    """A stand-in office task that runs until the test lets it go (no timing involved)."""
    from distributed import Event

    Event(event).wait(timeout=120)
    return office_id


def _queued(dask_scheduler) -> int:
    return len(dask_scheduler.queued)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_offices_wait_at_the_scheduler_one_per_worker_until_a_worker_is_free():
    from distributed import Event

    with connect(workers=2) as client:
        # Names, not codes: Dask groups tasks by the words that start their keys.
        ids = ["jombang", "kediri", "sidoarjo", "malang", "blitar", "tuban"]
        futures = submit_offices(client, ids, ["hold"] * len(ids), task=_held_office)
        for _ in range(600):
            running = {w: keys for w, keys in client.processing().items() if keys}
            if sum(map(len, running.values())) == 2:
                break
            time.sleep(0.1)
        # Each worker holds exactly the office it plans; the four others wait at the scheduler for
        # whichever worker is free first (with Dask's defaults each worker would hold two, or all six
        # would be given out up front).
        assert sorted(map(len, running.values())) == [1, 1], running
        assert client.run_on_scheduler(_queued) == 4
        assert scheduler_saturation(client) == WORKER_SATURATION == 1.0
        Event("hold", client=client).set()
        assert client.gather(futures) == ids


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_an_existing_scheduler_that_hands_out_two_offices_per_worker_is_named_with_the_fix(caplog):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:  # Dask's defaults
        with caplog.at_level("WARNING", logger="routing.cluster"), connect(scheduler=cluster.scheduler_address):
            pass
    assert "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0 dask scheduler" in caplog.text


# -- the network kept per process; the search kept in its process ------------------------------------

def test_network_is_loaded_once_per_process_until_the_file_changes(tmp_path, small_day):
    files, _ = small_day
    path = tmp_path / "jalan.osm"
    shutil.copy(files.network, path)
    first = load_network_kept(path, DEFAULT_SPEEDS_KPH, None)
    assert load_network_kept(path, DEFAULT_SPEEDS_KPH, None) is first
    slower = {**DEFAULT_SPEEDS_KPH, "residential": 10.0}
    assert load_network_kept(path, slower, None) is not first
    # A new file at the same path (as a nightly download would leave) is loaded again.
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text.replace("</osm>", "<!-- new --></osm>"), encoding="utf-8")
    assert load_network_kept(path, DEFAULT_SPEEDS_KPH, None) is not first


class _NoPools:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a process pool was started")


def test_one_solver_worker_never_starts_a_process_pool(monkeypatch, small_day, demo_network, tmp_path):
    monkeypatch.setattr(solve_module, "ProcessPoolExecutor", _NoPools)
    _, records = small_day
    rows = village_rows(8) + village_rows(8, start=20, desa="Sengon")
    day = read_records(records_csv(tmp_path / "two_desa.csv", rows))
    for group_by in ("none", "desa"):  # the portfolio of one problem; several groups one after another
        settings = Settings(time_limit_s=1, group_by=group_by, solver_workers=1)
        plan = plan_day(day, demo_network, settings, MONDAY)
        assert plan.cards_planned == 16 and plan.meta["solver_workers"] == 1
    with pytest.raises(AssertionError, match="process pool"):
        plan_day(day, demo_network, Settings(time_limit_s=1, group_by="desa", solver_workers=2), MONDAY)


def test_solver_workers_setting_is_checked_and_read_from_toml(tmp_path):
    for bad in (0, -1, True, 2.0, 1000):
        with pytest.raises(InputError, match="solver_workers"):
            Settings(solver_workers=bad)
    config = tmp_path / "c.toml"
    config.write_text("solver_workers = 3\n", encoding="utf-8")
    assert load_settings(config).solver_workers == 3


# -- the office's own name on its sheets and pages -----------------------------------------------------

HOSTILE_NAME = "Dinas <script>alert(1)</script> ${x} `y` \"q\" </script> & Sidoarjo"


def test_office_name_heads_sheets_pdf_maps_and_courier_pages(tmp_path, small_day, demo_network):
    _, records = small_day
    for name in ("", "x\x07", "a\nb", "N" * 121, 3):
        with pytest.raises(InputError, match="office_name"):
            Settings(office_name=name)
    settings = Settings(time_limit_s=1, office_name=HOSTILE_NAME)
    plan = plan_day(read_records(records), demo_network, settings, MONDAY)
    assert plan.meta["office_name"] == HOSTILE_NAME
    out = render_all(plan, tmp_path / "out").folder
    # plan.json keeps the name, so `render` redraws the same heading.
    assert read_plan(out / "plan.json").office_name == HOSTILE_NAME
    escaped = "Dinas &lt;script&gt;alert(1)&lt;/script&gt;"
    sheet = (out / "sheets" / "K01.html").read_text(encoding="utf-8")
    assert escaped in sheet and "<script>alert(1)" not in sheet and DEFAULT_OFFICE_NAME not in sheet
    overview = (out / "maps" / "overview.html").read_text(encoding="utf-8")
    assert f"<title>{escaped}" in overview and "<script>alert(1)" not in overview
    page = (out / "kurir" / "K01.html").read_text(encoding="utf-8")
    # Bound as JSON data and shown with textContent, as every other field of the courier's page.
    assert "<script>alert(1)" not in page and '"office":"Dinas \\u003cscript\\u003ealert(1)' in page
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(out / "sheets" / "K01.pdf").pages)
    assert "Sidoarjo" in text and "Jombang" not in text


def test_plans_without_an_office_name_keep_jombang(tmp_path):
    plan = read_plan(DATA / "plan.json")
    assert "office_name" not in plan.meta and plan.office_name == DEFAULT_OFFICE_NAME


# -- on a real cluster -------------------------------------------------------------------------------

def _demo_office(root: Path, name: str, cards: int) -> Path:
    files = generate(root / name, cards)
    return files.records.parent


def _three_offices(root: Path) -> Path:
    """Two demo offices (40 and 50 cards) and one whose records file is binary garbage."""
    _demo_office(root, "jombang", 40)
    _demo_office(root, "kediri", 50)
    (root / "rusak").mkdir()
    shutil.copy(DATA / "binary.csv", root / "rusak" / "kartu.csv")
    (root / "sidoarjo.toml").write_text('office_name = "Dispendukcapil Kabupaten Sidoarjo"\n', encoding="utf-8")
    manifest = root / "kantor.toml"
    manifest.write_text("""
[[office]]
id = "35.17"
records = "jombang/kartu_selesai_demo.csv"
network = "jombang/jaringan_jalan_demo.osm"
gazetteer = "jombang/gazetteer_demo.csv"

[[office]]
id = "35.71"
records = "rusak/kartu.csv"
network = "jombang/jaringan_jalan_demo.osm"

[[office]]
id = "35.15"
records = "kediri/kartu_selesai_demo.csv"
network = "kediri/jaringan_jalan_demo.osm"
gazetteer = "kediri/gazetteer_demo.csv"
config = "sidoarjo.toml"
""", encoding="utf-8")
    return manifest


def _routes(plan_json: Path) -> list:
    data = json.loads(plan_json.read_text(encoding="utf-8"))
    return ([(r["courier_id"], [(v["stop_id"], v["cards"], v["arrival_s"]) for v in r["visits"]])
             for r in data["routes"]], [(u["row"], u["reason"]) for u in data["unassigned"]])


@pytest.mark.slow
def test_batch_three_offices_two_plans_and_one_clear_error(tmp_path):
    manifest = _three_offices(tmp_path)
    out = tmp_path / "out"
    done = run_cli("batch", manifest, "--out", out, "--workers", 2, "--deterministic", "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "3/3 offices done" in done.stderr
    report = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    by_id = {o["id"]: o for o in report["offices"]}
    assert [o["id"] for o in report["offices"]] == ["35.17", "35.71", "35.15"] and report["workers"] == 2
    broken = by_id["35.71"]
    assert broken["exit_code"] == 2 and "rusak/kartu.csv" in broken["error"] and "binary" in broken["error"]
    assert f"35.71        error (exit 2): {broken['error']}" in done.stdout
    for office_id, cards in (("35.17", 40), ("35.15", 50)):
        o = by_id[office_id]
        assert o["error"] == "" and o["cards_in"] == cards and o["solver_workers"] == 1
        assert o["cards_planned"] + o["cards_unassigned"] + o["cards_rejected"] == cards
        assert o["cards_planned"] > 0 and o["couriers"] >= 1
        assert (out / office_id / "sheets" / "all.pdf").is_file() and (out / office_id / "plan.json").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["35.15", "35.17", "batch.json"]
    # Each office's own name heads its sheets.
    assert "Dispendukcapil Kabupaten Sidoarjo" in (out / "35.15" / "sheets" / "K01.html").read_text(encoding="utf-8")
    assert DEFAULT_OFFICE_NAME in (out / "35.17" / "sheets" / "K01.html").read_text(encoding="utf-8")
    assert oct((out / "batch.json").stat().st_mode & 0o777) == "0o600"


def _start(args: list[str], log: Path, **extra_env: str) -> subprocess.Popen:
    env = cli_env(env=extra_env)
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_worker_killed_mid_run_still_gives_every_office_its_deterministic_plan(tmp_path):
    from distributed import Client

    manifest = _three_offices(tmp_path)
    out = tmp_path / "out"
    dask = str(Path(sys.executable).with_name("dask")) if Path(sys.executable).with_name("dask").exists() else "dask"
    scheduler_file = tmp_path / "scheduler.json"
    procs = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], tmp_path / "scheduler.log",
                    DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0")]  # as the README starts it
    try:
        for _ in range(600):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for k in range(2):  # two workers of one thread each, as the README says, each with its nanny
            procs.append(_start([dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1"],
                                tmp_path / f"worker{k}.log"))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                batch = pool.submit(run_cli, "batch", manifest, "--out", out, "--scheduler", address,
                                    "--deterministic", "--date", MONDAY.isoformat(), cwd=tmp_path)
                # Kill the first worker found planning an office, a moment after it began.
                victim = None
                for _ in range(1200):
                    busy = {w: keys for w, keys in client.processing().items() if keys}
                    if busy:
                        victim, keys = next(iter(busy.items()))
                        break
                    time.sleep(0.1)
                assert victim is not None, "no task ever ran"
                time.sleep(2.0)
                victim_pid = client.run(os.getpid, workers=[victim])[victim]
                os.kill(victim_pid, signal.SIGKILL)
                done = batch.result(timeout=900)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "WORKER_SATURATION" not in done.stderr, "a scheduler started as the README says needs no advice"
    report = {o["id"]: o for o in json.loads((out / "batch.json").read_text(encoding="utf-8"))["offices"]}
    assert report["35.71"]["exit_code"] == 2
    killed = [o for o in report.values() if o["id"] in str(keys)]
    assert killed and all(o["error"] == "" and o["worker"] != victim for o in killed), (keys, report)
    # Nothing half: only the finished office folders and batch.json, no temporary left over.
    assert sorted(p.name for p in out.iterdir()) == ["35.15", "35.17", "batch.json"]
    # Each valid office's plan is the one `plan --deterministic` makes alone, with the same solver workers.
    for office_id, folder, config in (("35.17", "jombang", []), ("35.15", "kediri", ["--config", "sidoarjo.toml"])):
        alone = tmp_path / f"alone-{office_id}"
        run = run_cli("plan", f"{folder}/kartu_selesai_demo.csv", "--network", f"{folder}/jaringan_jalan_demo.osm", "--gazetteer", f"{folder}/gazetteer_demo.csv", "--out", alone, "--date", MONDAY.isoformat(), "--deterministic", "--solver-workers", 1, "-q", *config, cwd=tmp_path)
        assert run.returncode == 4, run.stderr
        assert _routes(out / office_id / "plan.json") == _routes(alone / "plan.json"), office_id
        assert report[office_id]["cards_planned"] == read_plan(alone / "plan.json").cards_planned


# -- the command line -----------------------------------------------------------------------------

def test_batch_command_refuses_a_bad_manifest_before_starting_a_cluster(tmp_path):
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(_office(id='"../../etc"'), encoding="utf-8")
    done = run_cli("batch", manifest, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "office 1, key 'id', value '../../etc'" in lines[0], done.stderr
    assert not (tmp_path / "out").exists()
    both = run_cli("batch", manifest, "--out", tmp_path / "out", "--workers", 2, "--scheduler", "tcp://h:8786", cwd=tmp_path)
    assert both.returncode == 2 and "not both" in both.stderr


@pytest.mark.parametrize("office_id", ["batch.json", "con", "NUL"])
def test_batch_command_refuses_an_id_that_is_no_folder_before_planning_anything(tmp_path, office_id):
    # Before, each of these was planned with every other office, and the run then ended in exit 2.
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(_office() + _office(id=f'"{office_id}"'), encoding="utf-8")
    done = run_cli("batch", manifest, "--out", tmp_path / "out", "--workers", 1, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ektp-route: error: {manifest}, office 2, key 'id', "
                                                   f"value {office_id!r}: "), done.stderr
    assert not (tmp_path / "out").exists()


class _Sunday(dt.date):
    """A ``datetime.date`` whose today is Sunday 2026-11-29."""

    @classmethod
    def today(cls):
        return cls(2026, 11, 29)


def test_plan_and_batch_default_to_the_next_working_day_from_one_place(tmp_path, monkeypatch):
    import contextlib
    import types

    from click.testing import CliRunner

    import routing.batch
    import routing.cli.options
    import routing.cluster
    import routing.day
    from routing.cli import main

    # Today is a Sunday: both commands plan for Monday, and both say so.
    monkeypatch.setattr(routing.cli.options, "dt", types.SimpleNamespace(date=_Sunday))
    days = {}

    def run_day(inputs, write, progress, publish=None, prepare=None):
        days["plan"] = inputs.day
        raise InputError("stopped by the test")

    def run_batch(offices, out, client, options, write, progress):
        days["batch"] = options.day
        return BatchResult((), 0.0, "local", 1)

    monkeypatch.setattr(routing.day, "run_day", run_day)
    monkeypatch.setattr(routing.batch, "run_batch", run_batch)
    monkeypatch.setattr(routing.cluster, "connect", lambda *a, **k: contextlib.nullcontext(None))
    monkeypatch.setattr(routing.cluster, "dashboard_link", lambda client: None)
    monkeypatch.setattr(routing.cluster, "worker_count", lambda client: 1)
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(_office(), encoding="utf-8")
    runner = CliRunner()
    plan = runner.invoke(main, ["plan", "kartu.csv", "--network", "jalan.osm", "--out", str(tmp_path / "p")])
    batch = runner.invoke(main, ["batch", str(manifest), "--out", str(tmp_path / "b")])
    assert plan.exit_code == 2 and batch.exit_code == 0, (plan.output, batch.output)
    assert days == {"plan": MONDAY, "batch": MONDAY}
    warning = ("ektp-route: warning: 2026-11-29 (Minggu) is not a working day (Minggu); the next working day is "
               "2026-11-30 (Senin); planning for 2026-11-30")
    assert warning in plan.stderr and warning in batch.stderr


@pytest.mark.slow
def test_batch_command_without_its_scheduler_exits_3(tmp_path):
    manifest = tmp_path / "kantor.toml"
    manifest.write_text(_office(), encoding="utf-8")
    done = run_cli("batch", manifest, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:1", cwd=tmp_path)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "Dask scheduler tcp://127.0.0.1:1: cannot connect" in done.stderr
