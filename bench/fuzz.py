"""Fuzzing the real command line with hostile and broken input files.

Structure-aware: every case starts from a valid small file (records CSV and XLSX, config TOML,
couriers CSV, gazetteer CSV, outcomes CSV, plan.json for ``render``) and breaks one field with a
value from a catalogue of hostile text (markup, template syntax, quotes, control characters, path
tricks, formula prefixes, huge cells, bad encodings, numbers out of range), or replaces the whole file
with random bytes. Each case runs the real CLI (``routing.cli.main``, in this process for speed; a
share of the cases also as a real ``ektp-route`` subprocess, to see stderr as the officer would) and is
judged by what the officer would be hurt by:

- exit 1 (an internal error) or a traceback;
- a file written outside ``--out`` (and outside the case's own input folder);
- a card lost from the accounting (``plan.json``'s cards in != planned + unassigned + rejected, or
  != the data rows of the records file);
- an output that is not valid: a GPX that is not XML, an HTML or CSV file with control characters or
  bytes that are not UTF-8.

Usage::

    python bench/fuzz.py --cases 10000 [--seed 1] [--subprocess-share 0.02] [--json]

Prints the counts per target and per fault, and the first example of each fault. Target: 0 of each.
The test suite runs a sample (``tests/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing.cli import main  # noqa: E402
from routing.demo import generate  # noqa: E402

#: Hostile values: each would hurt somewhere if a writer or reader let it through.
CATALOGUE: tuple[str, ...] = (
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", "${alert(1)}", "`", "`${x}`",
    "\"'><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "{% raw %}", "'; DROP TABLE cards; --",
    "../../../../tmp/owned", "/etc/passwd", "..\\..\\x", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(A1)",
    "\x00", "a\x00b", "\x08\x1b[31m", "\x1b]0;x\x07", "\u2028\u2029", "\ufeff", "\ud800", "\r", "\n\n", "\t",
    "", " ", "0", "-0", "1e309", "nan", "inf", "-7,5,6", "999999999999999999999999", "-1e-400",
    "A" * 70_000, "Ñoño Çelik Ülker", "🙂" * 100, "\u202e", "NULL", "None", "true", "[]", "{}",
    "3517094507900003", "35170945079000031", "0,0", "90.0000001", "-180.5",
)

TARGETS = ("records_csv", "records_xlsx", "config", "couriers", "gazetteer", "outcomes", "plan_json", "random_bytes")
FAULTS = ("exit_1", "traceback", "outside_out", "card_lost", "invalid_output", "timeout")

RECORD_HEADER = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
                 "prioritas", "keterangan", "telepon", "jam"]


@dataclass
class Result:
    """Counts per target and fault, and the first example of each fault."""

    cases: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, target: str, faults: list[str], what: str, code: int | None = None, detail: str = "") -> None:
        self.cases[target] += 1
        self.codes[(target, code)] += 1
        for f in faults:
            self.faults[f] += 1
            self.examples.setdefault(f, f"{target}: {what} -> {detail[-300:]}")

    def as_dict(self) -> dict[str, object]:
        return {"cases": dict(self.cases), "total": sum(self.cases.values()),
                "exit_codes": {f"{t} {c}": n for (t, c), n in sorted(self.codes.items(), key=str)},
                "faults": {f: self.faults.get(f, 0) for f in FAULTS}, "examples": self.examples}


class Fixture:
    """The valid starting files, generated once by the project's own demo code."""

    def __init__(self, folder: Path) -> None:
        files = generate(folder / "demo", 40)
        self.network = files.network
        self.gazetteer_text = files.gazetteer.read_text(encoding="utf-8-sig")
        with open(files.records, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        # Four cards with coordinates near the office: quick to plan, every code path drawn.
        self.rows = [r for r in rows if r["lat"]][:4]
        self.cache = folder / "cache"
        # A plan to break for `render`: planned once here, from the valid rows.
        base = folder / "base"
        base.mkdir()
        rec = self.write_records(base / "in.csv", self.rows)
        out = base / "out"
        result = CliRunner().invoke(main, ["plan", str(rec), "--network", str(self.network), "--out", str(out),
                                           "--date", "2026-11-30", "--deterministic", "-qq"],
                                    env={"EKTP_CACHE_DIR": str(self.cache)})
        assert result.exit_code == 0, result.output
        self.plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        # A ledger whose cards are out for delivery, for the outcomes cases (each case gets a copy).
        self.ledger = base / "ledger.sqlite"
        for args in (["import", str(rec), "--db", str(self.ledger), "--date", "2026-11-30"],
                     ["plan", "--db", str(self.ledger), "--network", str(self.network), "--out", str(base / "db-out"),
                      "--date", "2026-11-30", "--deterministic", "-qq"]):
            result = CliRunner().invoke(main, args, env={"EKTP_CACHE_DIR": str(self.cache)})
            assert result.exit_code == 0, result.output

    @staticmethod
    def write_records(path: Path, rows: list[dict[str, str]]) -> Path:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=RECORD_HEADER, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in RECORD_HEADER})
        return path


def _hostile(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return "".join(chr(rng.choice([rng.randint(0, 0x1f), rng.randint(0x20, 0x7e), rng.randint(0x80, 0x2fff)]))
                       for _ in range(rng.randint(1, 40)))
    value = rng.choice(CATALOGUE)
    return value if rng.random() < 0.7 else f"Jl. {value} No. 5"


def _case(target: str, fx: Fixture, case_dir: Path, rng: random.Random) -> tuple[list[str], int, str]:
    """Write the case's inputs; return the CLI arguments, the data rows of its records file, and what broke."""
    out = case_dir / "out"
    inputs = case_dir / "in"
    inputs.mkdir()
    records = Fixture.write_records(inputs / "kartu.csv", fx.rows)
    n_rows = len(fx.rows)
    base = ["plan", str(records), "--network", str(fx.network), "--out", str(out), "--date", "2026-11-30",
            "--deterministic", "-qq"]
    value = _hostile(rng)
    if target == "records_csv":
        rows = [dict(r) for r in fx.rows]
        column = rng.choice(RECORD_HEADER)
        rows[rng.randrange(len(rows))][column] = value
        if rng.random() < 0.2:  # a broken header instead
            text = records.read_text(encoding="utf-8").replace(column, value, 1)
            records.write_bytes(text.encode("utf-8", "surrogatepass"))
            return base, -1, f"header {column!r} -> {value[:40]!r}"
        try:
            Fixture.write_records(records, rows)
        except UnicodeEncodeError:
            text = io.StringIO()
            w = csv.DictWriter(text, fieldnames=RECORD_HEADER, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
            records.write_bytes(text.getvalue().encode("utf-8", "surrogatepass"))
        return base, n_rows, f"{column} = {value[:40]!r}"
    if target == "records_xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(RECORD_HEADER)
        column = rng.choice(RECORD_HEADER)
        broken = rng.randrange(len(fx.rows))
        for k, r in enumerate(fx.rows):
            cells: list[object] = [r.get(c, "") for c in RECORD_HEADER]
            if k == broken:
                cells[RECORD_HEADER.index(column)] = rng.choice([value, rng.uniform(-1e6, 1e6), rng.randint(-9, 10**17)])
            try:
                sheet.append(cells)
            except Exception:  # openpyxl refuses some control characters itself: the office's Excel would too
                cells[RECORD_HEADER.index(column)] = "x"
                sheet.append(cells)
        path = inputs / "kartu.xlsx"
        book.save(path)
        base[1] = str(path)
        return base, n_rows, f"xlsx {column} = {str(value)[:40]!r}"
    if target == "config":
        keys = ["couriers", "service_base_s", "time_limit_s", "deterministic", "group_by", "snap_max_m", "depot",
                "urgent_deadline", "drop_penalty_s", "max_attempts"]
        key = rng.choice(keys)
        literal = rng.choice([json.dumps(value), str(rng.randint(-10**20, 10**20)), "true", "[1, 2]", "{}",
                              "1.5", '"12:00"', "[-7.55, 112.23]", "[]", str(rng.randint(0, 600)),
                              str(rng.randint(1, 5)), '"desa"', "false"])
        table = rng.choice(["", "[shift.mon_thu]\n", "[speeds_kph]\n", "[columns]\n"])
        text = f"{table}{key} = {literal}\n" if rng.random() < 0.9 else value
        (inputs / "c.toml").write_bytes(text.encode("utf-8", "surrogatepass"))
        return base + ["--config", str(inputs / "c.toml")], n_rows, f"config {text[:60]!r}"
    if target == "couriers":
        header = ["id", "nama", "mulai", "selesai", "rumah", "jam_mulai", "jam_selesai", "max_stop"]
        row = ["K01", "Budi", "kantor", "kantor", "", "07:30", "16:00", ""]
        row[rng.randrange(len(row))] = value
        text = io.StringIO()
        csv.writer(text).writerows([header, row, ["K02", "Sari", "kantor", "kantor", "", "", "", ""]])
        (inputs / "kurir.csv").write_bytes(text.getvalue().encode("utf-8", "surrogatepass"))
        return base + ["--couriers-file", str(inputs / "kurir.csv")], n_rows, f"couriers {row}"[:80]
    if target == "gazetteer":
        lines = fx.gazetteer_text.splitlines()
        k = rng.randrange(1, len(lines))
        cells = lines[k].split(",")
        cells[rng.randrange(len(cells))] = value.replace(",", ";").replace("\n", " ")
        lines[k] = ",".join(cells)
        (inputs / "gaz.csv").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        rows = [dict(r, lat="", lon="") for r in fx.rows]
        Fixture.write_records(records, rows)
        return base + ["--gazetteer", str(inputs / "gaz.csv")], n_rows, f"gazetteer line {k}: {lines[k][:60]!r}"
    if target == "outcomes":
        header = ["nik", "outcome", "recipient", "time", "lat", "lon", "accuracy_m", "courier", "note"]
        row = [fx.rows[0]["nik"], "DT", "Siti", "10:00", "-7.55", "112.23", "10", "K01", ""]
        row[rng.randrange(len(row))] = value
        text = io.StringIO()
        csv.writer(text).writerows([header, row])
        (inputs / "hasil.csv").write_bytes(text.getvalue().encode("utf-8", "surrogatepass"))
        db = inputs / "ledger.sqlite"
        shutil.copyfile(fx.ledger, db)
        return ["outcomes", str(inputs / "hasil.csv"), "--db", str(db), "--date", "2026-11-30"], -1, f"outcomes {row}"[:80]
    if target == "plan_json":
        plan = json.loads(json.dumps(fx.plan))
        where = rng.choice(["courier_id", "nama", "address", "desa", "note", "date", "lat", "arrival_s", "cards_in"])
        route = plan["routes"][0]
        visit = route["visits"][0]
        if where == "courier_id":
            route["courier_id"] = value
        elif where in ("nama", "address", "desa"):
            visit["recipients"][0][where] = value
        elif where == "note":
            visit["note"] = value
        elif where == "date":
            plan["date"] = value
        elif where == "lat":
            visit["lat"] = rng.choice([value, 1e309 if rng.random() < 0.5 else -999, None])
        elif where == "arrival_s":
            visit["arrival_s"] = rng.choice([value, -1, 10**20, None])
        else:
            plan["summary"]["cards_in"] = rng.choice([value, -1, 0, 10**9])
        out.mkdir(mode=0o700)
        (out / "plan.json").write_bytes(json.dumps(plan, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        return ["render", str(out)], -1, f"plan.json {where} = {str(value)[:40]!r}"
    # random bytes in place of one of the files
    kind = rng.choice(["records", "config", "couriers", "gazetteer", "plan"])
    blob = bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
    if kind == "records":
        records.write_bytes(blob)
        return base, -1, "random records bytes"
    if kind == "plan":
        out.mkdir(mode=0o700)
        (out / "plan.json").write_bytes(blob)
        return ["render", str(out)], -1, "random plan.json bytes"
    name = {"config": ("c.toml", "--config"), "couriers": ("kurir.csv", "--couriers-file"),
            "gazetteer": ("gaz.csv", "--gazetteer")}[kind]
    (inputs / name[0]).write_bytes(blob)
    return base + [name[1], str(inputs / name[0])], -1, f"random {kind} bytes"


def _invalid_outputs(out: Path, given: Path | None) -> list[str]:
    bad = []
    for path in out.rglob("*"):
        if not path.is_file() or path == given:
            continue
        raw = path.read_bytes()
        if path.suffix == ".gpx":
            try:
                ET.fromstring(raw)
            except ET.ParseError as exc:
                bad.append(f"{path.name}: {exc}")
        elif path.suffix in (".html", ".csv", ".json"):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad.append(f"{path.name}: {exc}")
                continue
            if any(ch in text for ch in map(chr, [*range(0, 9), 11, *range(14, 32)])):
                bad.append(f"{path.name}: control character")
    return bad


def _judge(case_dir: Path, out: Path, code: int, output: str, exception: BaseException | None, data_rows: int,
           before: set[Path], args_render: bool) -> list[str]:
    """The faults of one finished case (``args_render``: ``render`` was given its own plan.json to draw)."""
    faults = []
    if code == 1:
        faults.append("exit_1")
    if "Traceback" in output or (exception is not None and not isinstance(exception, SystemExit)):
        faults.append("traceback")
    after = {p for p in case_dir.parent.parent.rglob("*")}
    # The network cache (EKTP_CACHE_DIR) is the one place outside --out a run may write to.
    stray = [p for p in after - before if not p.is_relative_to(case_dir) and "cache" not in p.parts]
    if stray:
        faults.append("outside_out")
    plan_json = out / "plan.json"
    if code in (0, 4) and plan_json.exists():
        try:
            s = json.loads(plan_json.read_text(encoding="utf-8"))["summary"]
            if s["cards_in"] != s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]:
                faults.append("card_lost")
            elif data_rows >= 0 and s["cards_in"] != data_rows:
                faults.append("card_lost")
        except (ValueError, KeyError):
            faults.append("invalid_output")
    given = out / "plan.json" if args_render else None
    if out.exists() and _invalid_outputs(out, given):
        faults.append("invalid_output")
    return faults


def run(cases: int, seed: int = 1, subprocess_share: float = 0.02, workdir: Path | None = None,
        progress: bool = False) -> Result:
    """Run ``cases`` fuzz cases; see the module docstring."""
    rng = random.Random(seed)
    result = Result()
    root = Path(tempfile.mkdtemp(prefix="ektp-fuzz-", dir=workdir))
    try:
        fx = Fixture(root / "fixture")
        env = {"EKTP_CACHE_DIR": str(fx.cache), "EKTP_LEDGER_TIMEOUT": "5"}
        runner = CliRunner()
        t0 = time.monotonic()
        for k in range(cases):
            target = TARGETS[k % len(TARGETS)]
            case_dir = root / "cases" / f"{k:06d}"
            case_dir.mkdir(parents=True)
            args, data_rows, what = _case(target, fx, case_dir, rng)
            out = case_dir / "out"
            before = {p for p in root.rglob("*")} - {p for p in case_dir.rglob("*")}
            if rng.random() < subprocess_share:
                try:
                    proc = subprocess.run(["ektp-route", *args], capture_output=True, text=True, timeout=300,
                                          env={**os.environ, **env}, cwd=case_dir)
                    code, output, exc = proc.returncode, proc.stdout + proc.stderr, None
                except subprocess.TimeoutExpired:
                    result.add(target, ["timeout"], what)
                    continue
            else:
                r = runner.invoke(main, args, env=env, catch_exceptions=True)
                code, output, exc = r.exit_code, r.output, r.exception
            faults = _judge(case_dir, out, code, output, exc, data_rows, before, args[0] == "render")
            result.add(target, faults, what, code, output.strip().splitlines()[-1] if output.strip() else "")
            if faults and progress:
                print(f"case {k}: {faults} {target}: {what!r} -> {output.strip()[-300:]!r}", file=sys.stderr)
            shutil.rmtree(case_dir, ignore_errors=True)
            if progress and (k + 1) % 100 == 0:
                rate = (k + 1) / (time.monotonic() - t0)
                print(f"{k + 1}/{cases} cases, {rate:.1f}/s, faults {dict(result.faults)}", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--subprocess-share", type=float, default=0.02)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    # The portfolio's process pool would spawn two interpreters per plan; one core per case is enough here.
    import routing.solver.solve

    routing.solver.solve.os.cpu_count = lambda: 1  # type: ignore[attr-defined]
    t0 = time.monotonic()
    result = run(args.cases, args.seed, args.subprocess_share, progress=not args.json)
    data = result.as_dict()
    if args.json:
        print(json.dumps(data))
        return
    print(f"{data['total']} cases in {time.monotonic() - t0:.0f} s (seed {args.seed})")
    print("cases per target: " + ", ".join(f"{t} {result.cases[t]}" for t in TARGETS))
    for t in TARGETS:
        codes = sorted((c, n) for (tt, c), n in result.codes.items() if tt == t and c is not None)
        print(f"  exit codes, {t}: " + ", ".join(f"{c}: {n}" for c, n in codes))
    for fault in FAULTS:
        print(f"  {fault:<15} {result.faults.get(fault, 0)}" + (f"   e.g. {result.examples[fault]!r}"[:160]
                                                                 if fault in result.examples else ""))


if __name__ == "__main__":
    main_cli()
