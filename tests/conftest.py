"""Shared fixtures: the generated demo day, small OSM extracts written by the tests, helpers.

Tests that read the project's shared data folder (real networks and desa lists, never copied into
the repo) carry ``@pytest.mark.shared``; where the folder is absent they are deselected with one
line saying so, so a fresh clone's test run passes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from maps.render import render_all
from routing.config import DEFAULT_SPEEDS_KPH, MON_THU, Settings
from routing.demo import VILLAGES, generate
from routing.gazetteer import Gazetteer, GazetteerEntry
from routing.geo import LatLon
from routing.pipeline import plan_day
from routing.plan import Card, Plan, Route, Visit
from routing.records import Record, read_records
from routing.roads.network import load_network

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
#: The shared data folder: ``$EKTP_SHARED``, else ``../shared`` beside the repository.
SHARED = Path(os.environ.get("EKTP_SHARED") or Path(__file__).resolve().parents[2] / "shared")
MONDAY = dt.date(2026, 11, 30)
FRIDAY = dt.date(2026, 12, 4)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the ``shared`` tests when the shared data folder is not there."""
    if SHARED.is_dir():
        return
    gone = [item for item in items if item.get_closest_marker("shared")]
    if gone:
        items[:] = [item for item in items if not item.get_closest_marker("shared")]
        config.hook.pytest_deselected(items=gone)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The one line that says why tests were deselected (also under xdist, whose workers collect)."""
    if SHARED.is_dir() or hasattr(config, "workerinput"):
        return
    terminalreporter.write_line(f"tests marked 'shared' deselected: the shared data folder {SHARED} is not there "
                                f"(set EKTP_SHARED to where it is)")


class _SharedWatch:
    """Notices a test without the ``shared`` marker reading the shared data folder.

    An audit hook (PEP 578) sees every file opened, folder listed and subprocess started in this
    process; while an unmarked test (or its fixtures) runs, any of them naming a path under
    :data:`SHARED` is remembered and the test fails naming it. So a test that needs the folder
    cannot pass here and then fail on a fresh clone that has none.
    """

    EVENTS = frozenset({"open", "os.listdir", "os.scandir", "pathlib.Path.glob", "pathlib.Path.rglob",
                        "subprocess.Popen", "os.exec", "os.posix_spawn"})

    def __init__(self, root: Path) -> None:
        self.roots = tuple({str(root.absolute()), str(root.resolve())})
        self.active = False
        self.seen: list[str] = []

    def _names(self, value: object) -> bool:
        if isinstance(value, (list, tuple)):
            return any(self._names(v) for v in value)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str):
            return False
        if any(root in value for root in self.roots):
            return True
        return not os.path.isabs(value) and os.path.abspath(value).startswith(self.roots)

    def __call__(self, event: str, args: tuple[object, ...]) -> None:
        if self.active and event in self.EVENTS and self._names(args[:2]):
            self.active = False  # no recursion through what the check itself calls
            self.seen.append(f"{event} {args[:2]!r}"[:300])
            self.active = True


_WATCH = _SharedWatch(SHARED)
sys.addaudithook(_WATCH)


def _watched(item: pytest.Item) -> Iterator[None]:
    _WATCH.active, _WATCH.seen = item.get_closest_marker("shared") is None, []
    try:
        yield
    finally:
        _WATCH.active = False
    if _WATCH.seen:
        pytest.fail(f"{item.nodeid} reads the shared data folder without @pytest.mark.shared "
                    f"(a fresh clone has no {SHARED}): {_WATCH.seen[0]}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fixtures of an unmarked test may not read the shared folder either."""
    return (yield from _watched(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """An unmarked test that reads the shared folder fails, naming what it read."""
    return (yield from _watched(item))


def write_osm(path: Path, nodes: Mapping[int, tuple[float, float]],
              ways: Iterable[tuple[list[int], Mapping[str, str]]]) -> Path:
    """Write a tiny OpenStreetMap XML extract: ``nodes`` id -> (lat, lon), ``ways`` (refs, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="ektp-route tests">']
    lines += [f'<node id="{i}" lat="{lat}" lon="{lon}" version="1"/>' for i, (lat, lon) in nodes.items()]
    for k, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'<way id="{k}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{a}" v="{b}"/>' for a, b in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def grid_osm(path: Path, n: int = 6, step_deg: float = 0.002, origin: LatLon = LatLon(-7.56, 112.22),
             extra_ways: Iterable[tuple[list[int], Mapping[str, str]]] = (),
             extra_nodes: Mapping[int, tuple[float, float]] | None = None) -> Path:
    """An ``n x n`` residential street grid (two-way), node ids ``1 + i*n + j``."""
    nodes = {1 + i * n + j: (origin.lat + i * step_deg, origin.lon + j * step_deg) for i in range(n) for j in range(n)}
    nodes.update(extra_nodes or {})
    ways = [([1 + i * n + j for j in range(n)], {"highway": "residential"}) for i in range(n)]
    ways += [([1 + i * n + j for i in range(n)], {"highway": "residential"}) for j in range(n)]
    return write_osm(path, nodes, ways + list(extra_ways))


@pytest.fixture(scope="session", autouse=True)
def _cache_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What runs in the tests' own process keeps its cache (the holiday calendar) in a folder of the
    tests, not in the user's ``~/.cache``; processes the tests start get one from :func:`cli_env`."""
    before = os.environ.get("EKTP_CACHE_DIR")
    os.environ["EKTP_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("EKTP_CACHE_DIR", None)
    else:
        os.environ["EKTP_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory):
    """The demo's generated inputs (network, gazetteer, records)."""
    return generate(tmp_path_factory.mktemp("demo") / "input")


@pytest.fixture(scope="session")
def demo_network(demo_files):
    """The demo network loaded through osmnx."""
    return load_network(demo_files.network, DEFAULT_SPEEDS_KPH, None)


@pytest.fixture
def settings() -> Settings:
    """Default settings with a short solver budget for tests."""
    return Settings(time_limit_s=2)


def records_csv(path: Path, rows: Iterable[Mapping[str, object]], extra: Sequence[str] = ()) -> Path:
    """Write a records CSV with the standard columns, and the ``extra`` ones (e.g. ``telepon``)."""
    import csv

    header = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
              "prioritas", "keterangan", *extra]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def outcomes_csv(path: Path, items: Iterable[Sequence[str]]) -> Path:
    """The officer's typed outcomes CSV (the ``outcomes`` command's input): nik, outcome, recipient, time."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "outcome", "recipient", "time"])
        w.writerows(items)
    return path


def page_results_csv(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    """A results file as the courier's page writes it (BOM, the page's columns, missing cells empty)."""
    from maps.courier_page import RESULT_COLUMNS

    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("\ufeff")
        w = csv.DictWriter(f, fieldnames=RESULT_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in RESULT_COLUMNS})
    return path


def nik_for(serial: int, female: bool = False) -> str:
    """A valid synthetic NIK for Kecamatan Jombang."""
    day = 15 + (40 if female else 0)
    return f"351709{day:02d}0690{serial:04d}"


def village_rows(n, start=1, desa="Jabon", urgent=()):
    """``n`` cards with coordinates on a small grid around a demo desa centre; ``urgent`` serials marked."""
    centre = VILLAGES[desa][0]
    return [dict(nik=nik_for(start + k), nama=f"Warga {start + k}", alamat=f"Jl. Melati No. {start + k}", rt="001",
                 rw="002", dusun=VILLAGES[desa][1][0], desa=desa, kecamatan="Jombang",
                 lat=f"{centre.lat + 0.0004 * (k % 5):.6f}", lon=f"{centre.lon + 0.0004 * (k // 5):.6f}",
                 prioritas="1" if start + k in urgent else "") for k in range(n)]


def accounted(plan):
    """The plan's summary, after checking that every card in is planned, unassigned or rejected."""
    s = plan.summary()
    assert s["cards_in"] == s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]
    return s


def sengon_rows(n):
    """``n`` cards with coordinates along one street of Desa Sengon."""
    c = VILLAGES["Sengon"][0]
    return [dict(nik=nik_for(k + 1), nama=f"Warga {k}", alamat=f"Jl. Mawar {k}", rt="1", rw="1", dusun="Sengon",
                 desa="Sengon", kecamatan="Jombang", lat=f"{c.lat + 0.0005 * k:.6f}", lon=f"{c.lon:.6f}")
            for k in range(n)]


def rec(row, serial, **kw):
    """A record in Dusun Caruk Kulon, Desa Jabon, with fields overridden by ``kw``."""
    base = dict(row=row, nik=nik_for(serial), nama=f"Warga {serial}", alamat="Jl. Melati No. 5", rt="002",
                rw="005", dusun="Caruk Kulon", desa="Jabon", kecamatan="Jombang")
    base.update(kw)
    return Record(**base)


#: A three-entry gazetteer: Desa Jabon with Dusun Caruk Kulon, and Desa Sengon.
GAZ = Gazetteer((GazetteerEntry("Jabon", "", LatLon(-7.565, 112.212)),
                 GazetteerEntry("Jabon", "Caruk Kulon", LatLon(-7.566, 112.209)),
                 GazetteerEntry("Sengon", "", LatLon(-7.535, 112.226))))


@pytest.fixture(scope="session")
def long_day(tmp_path_factory, demo_network):
    """One courier with 60 stops, names with apostrophes and non-ASCII letters."""
    tmp = tmp_path_factory.mktemp("long")
    rows = village_rows(60)
    rows[0]["nama"] = "Nu'man Syafi’i"
    rows[1]["nama"] = "Ñoño Çelik Ülker"
    settings = Settings(time_limit_s=2, couriers=1, service_base_s=60, service_per_card_s=30)
    plan = plan_day(read_records(records_csv(tmp / "in.csv", rows)), demo_network, settings, MONDAY)
    assert plan.cards_planned == 60 and len(plan.routes) == 1
    return plan, render_all(plan, tmp / "out")




@pytest.fixture(scope="session")
def ledger_day(tmp_path_factory: pytest.TempPathFactory):
    """The demo's inputs (60 cards), imported into a ledger and planned from it by the CLI on MONDAY.

    Yields ``(files, ledger, out)``: the generated inputs, the ledger file and the plan's folder.
    """
    tmp = tmp_path_factory.mktemp("ledger_day")
    files = generate(tmp / "input", 60)
    db = tmp / "ledger.sqlite"
    done = run_cli("import", files.records, "--db", db, "--date", MONDAY.isoformat(), cwd=tmp)
    # Exit 4: the demo's duplicate NIK is rejected on purpose.
    assert done.returncode == 4 and "Traceback" not in done.stderr, done.stderr
    done = run_cli(*plan_args(None, files.network, tmp / "out", "--gazetteer", files.gazetteer, db=db,
                              day=MONDAY.isoformat(), limit="--deterministic"), cwd=tmp)
    # Exit 4: the demo's unknown desa and unreachable hamlet stay unassigned on purpose.
    assert done.returncode == 4 and "Traceback" not in done.stderr, done.stderr
    return files, db, tmp / "out"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by playwright."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                "--disable-background-networking"])
        yield b
        b.close()


#: Text that would run script if any renderer let it through.
HOSTILE = ("</script><script>alert(1)</script><img src=x onerror=alert(2)> ${alert(3)} `alert(4)` "
           "\"';alert(5);// <!-- \u2028 ]]> ../../x")


def open_offline_page(context, path, accept_dialogs=()):
    """Open ``path`` in a new tab; every request that is not a file is aborted and remembered.

    Dialogs are remembered and dismissed, or accepted while ``accept_dialogs`` (a list the test
    may change) is not empty.
    """
    page = context.new_page()
    errors, dialogs, requests = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def dialog(d):
        dialogs.append(d.message)
        d.accept() if accept_dialogs else d.dismiss()

    page.on("dialog", dialog)

    def block(route):
        requests.append(route.request.url)
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", block)
    page.goto(path.as_uri())
    page.wait_for_timeout(300)
    return page, errors, dialogs, requests


def only_tiles(requests):
    """Every request that left the page was for a background tile."""
    return all(u.startswith(("file:", "https://tile.openstreetmap.org/")) for u in requests)


def read_download(download):
    """A downloaded CSV (UTF-8 with BOM) as rows."""
    text = download.path().read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # Excel shows names right
    return list(csv.reader(io.StringIO(text[1:], newline="")))


XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def outputs(tmp_path_factory, demo_network):
    """A small rendered day with hostile and formula-like names and addresses."""
    tmp = tmp_path_factory.mktemp("outputs")
    rows = village_rows(8)
    rows[0]["nama"] = XSS
    rows[1]["alamat"] = f"Jl. {XSS} No. 1"
    rows[2]["nama"] = "=HYPERLINK(\"http://evil\",\"klik\")"
    rows[3]["nama"] = "Nu'man Syafi'i Ñoño"
    from routing.config import Settings

    plan = plan_day(read_records(records_csv(tmp / "in.csv", rows)), demo_network, Settings(time_limit_s=1), MONDAY)
    return plan, render_all(plan, tmp / "out")


def cli_env(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a real ``ektp-route`` process: this checkout's code first on the path, no
    ``EKTP_DEBUG`` (the officer's view, no traceback), and the network cache in ``cwd/cache``."""
    full = {**os.environ, **(env or {})}
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), full.get("PYTHONPATH", "")) if p)
    if "EKTP_DEBUG" not in (env or {}):
        full.pop("EKTP_DEBUG", None)
    if cwd is not None and "EKTP_CACHE_DIR" not in (env or {}):
        full["EKTP_CACHE_DIR"] = str(Path(cwd) / "cache")
    return full


def run_cli(*args: object, cwd: Path | None = None, env: Mapping[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real ``ektp-route`` console script: the one way tests start the command.

    A subprocess shows what the officer sees: the exit code, stderr, and any traceback. Tests
    that need a running process (two planners at once, a kill mid-run) start it with
    ``subprocess.Popen(["ektp-route", ...], env=cli_env(...))``.
    """
    return subprocess.run(["ektp-route", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=cli_env(cwd, env), timeout=timeout, check=False)


def plan_args(records: object | None, network: object, out: object, *extra: object, db: object | None = None,
              day: str = "2026-11-30", limit: str = "--time-limit=1") -> list[str]:
    """``plan`` arguments for a test day: ``RECORDS`` (or ``None`` with ``db``), the network, the
    folder, the date and a one-second budget (or ``limit="--deterministic"``), quiet, then ``extra``."""
    return ["plan", *([str(records)] if records is not None else []), *(["--db", str(db)] if db else []),
            "--network", str(network), "--out", str(out), "--date", day, limit, "-q", *map(str, extra)]


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """Assert exit 2 with exactly one ``ektp-route: error:`` line on stderr and no traceback; return it."""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(lines) == 1 and lines[0].startswith("ektp-route: error: "), result.stderr[-2000:]
    return lines[0]


def card(row: int, **fields: object) -> Card:
    """A card for :func:`hand_plan`: row ``row``, NIK ``nik_for(row)``, other fields overridable."""
    values: dict = dict(row=row, nik=nik_for(row), nama=f"Warga {row}", address=f"Jl. Melati No. {row}",
                        desa="Jabon", kecamatan="Jombang")
    values.update(fields)
    return Card(**values)


def hand_plan(routes: Mapping[str, Sequence[Sequence[Card]]], **plan_fields: object) -> Plan:
    """A plan built directly, without solving, for drawing tests.

    ``routes`` maps each courier id to its stops in visit order, each stop a list of cards. Stops
    lie 300 m apart north-east of the office, with a road line through them; routes start at a
    point of their own (a courier's home) so start markers are drawn too. Unassigned, rejected
    and review entries may be passed in ``plan_fields``; ``cards_in`` is counted. Stops are 10 minutes
    apart, so a route holds up to 47 of them.
    """
    depot = LatLon(-7.5530, 112.2330)
    built = []
    for k, (courier_id, stops) in enumerate(routes.items()):
        visits = tuple(Visit(seq=s + 1, stop_id=f"S{k}-{s}", cards=tuple(cards),
                             point=LatLon(depot.lat + 0.0027 * (s + 1), depot.lon + 0.0027 * (k + 1)),
                             arrival_s=8 * 3600 + 600 * s, service_s=300, travel_s=120, distance_m=300,
                             precision="coordinates", snap_m=10) for s, cards in enumerate(stops))
        home = LatLon(depot.lat, depot.lon + 0.0027 * (k + 1))
        built.append(unchecked_id(Route("K01", MON_THU, 8 * 3600 - 300, 8 * 3600 + 600 * len(stops), 300 * len(stops),
                           visits, geometry=(home, *(v.point for v in visits), depot), start=home), courier_id))
    cards_in = sum(len(v.cards) for r in built for v in r.visits)
    cards_in += sum(len(plan_fields.get(k, ())) for k in ("unassigned", "rejected"))  # type: ignore[arg-type]
    return Plan(date=MONDAY, depot=depot, cards_in=cards_in, routes=tuple(built),
                unassigned=plan_fields.pop("unassigned", ()), rejected=plan_fields.pop("rejected", ()),
                **plan_fields)


def unchecked_id(route: Route, courier_id: str) -> Route:
    """``route`` with any courier id, past the check that readers and ``Route`` itself apply.

    Renderers must encode whatever id they are given (an id that escaped validation, an old
    plan.json): tests put hostile ids in front of them this way.
    """
    object.__setattr__(route, "courier_id", courier_id)
    return route


def check_timeline(p, sol):
    """Recompute every route in exact integers: travel and service fit between consecutive starts."""
    for v, route in enumerate(sol.routes):
        shift = p.vehicles[v].shift
        if not route:
            continue
        assert shift.start_s <= sol.starts_s[v]
        prev, t = 0, sol.starts_s[v]
        for stop in route:
            assert stop.arrival_s >= t + int(p.travel_s[prev, stop.location])
            t, prev = stop.arrival_s + p.service_s[stop.location], stop.location
            if shift.break_start_s is not None:  # no delivery during the break
                assert t <= shift.break_start_s or stop.arrival_s >= shift.break_end_s
        back = t + int(p.travel_s[prev, 0])
        if shift.break_start_s is not None and t <= shift.break_start_s < back:
            back += shift.break_s
        assert back <= sol.ends_s[v] <= shift.end_s
