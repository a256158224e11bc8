"""The office's report: ``laporan.html`` and one CSV per table, from a :class:`~routing.report_data.Report`.

One offline file for the head of the office, in Bahasa Indonesia: the period, when it was made and
from which ledger, each table with its totals and its chart inlined as SVG (:mod:`maps.charts`).
The page runs no script and may fetch nothing (its Content-Security-Policy says so); every text
from the ledger (desa, courier ids) is escaped here, and inside the charts by matplotlib's SVG
writer. The frame is ``maps/static/report_page.html`` and its style ``report_page.css``. The CSV
files hold the same rows, guarded against formulas, readable by the owner only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from maps import charts
from maps.assets import asset
from maps.sheets import long_date
from routing.files import private_dir, write_csv, write_private
from routing.outcomes import BY_CODE
from routing.report_data import AGE_BANDS, OPEN_STATES, Report

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"

LABELS = {
    "title": "Laporan pengantaran e-KTP", "period": "Periode", "generated": "Dibuat", "ledger": "Buku besar",
    "target": "Target harian", "cards": "kartu", "events": "hasil kunjungan", "imported": "Diimpor",
    "planned": "Direncanakan", "delivered": "Diterima", "failed": "Gagal", "cancelled": "Batal (meninggal)",
    "no_outcome": "Tanpa hasil", "day": "Tanggal", "total": "Jumlah", "per_hour": "kartu diterima per jam kerja",
    "median": "median", "p90": "persentil 90", "error_min": "selisih waktu tiba (menit, + = terlambat)",
    "open_dots": "kartu belum diserahkan", "failure_rate": "tingkat gagal",
}
STATE_WORDS = {"received": "diterima kantor", "planned": "dijadwalkan", "failed": "gagal, dijadwal ulang",
               "pickup": "ambil di kantor"}
#: The CSV files, in the page's order.
CSV_FILES = ("laporan_harian.csv", "laporan_tunggakan.csv", "laporan_hasil.csv", "laporan_mendesak.csv",
             "laporan_kurir.csv", "laporan_desa.csv")


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report: its CSV header and rows, and the rows' total line (may be empty)."""

    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    total: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        for row in (*self.rows, *((self.total,) if self.total else ())):
            if len(row) != len(self.header):
                raise ValueError(f"row {row!r} has {len(row)} cells, header {self.header!r} {len(self.header)}")


def band_label(first: int, last: int | None) -> str:
    """``0-2 hari``, ``30+ hari``."""
    return f"{first}+ hari" if last is None else f"{first}-{last} hari"


def minutes(seconds: int | None) -> str:
    """Signed whole minutes, or ``-`` for none."""
    return "-" if seconds is None else f"{round(seconds / 60):+d}"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def tables(report: Report) -> dict[str, Table]:
    """The report's tables by CSV file name (:data:`CSV_FILES`), totals included."""
    days = report.days
    day_cols = ("imported", "planned", "delivered", "failed", "cancelled", "no_outcome")
    day_total = tuple(sum(getattr(d, c) for d in days) for c in day_cols)
    harian = Table(("tanggal", "diimpor", "direncanakan", "diterima", "gagal", "batal", "tanpa_hasil",
                    "target", "capaian"),
                   tuple((d.day.isoformat(), *(getattr(d, c) for c in day_cols), report.daily_target,
                          _share(d.delivered, report.daily_target)) for d in days),
                   ("jumlah", *day_total, report.daily_target * len(days),
                    _share(day_total[2], report.daily_target * len(days))))
    tunggakan = Table(("umur", *(STATE_WORDS[s].split(",")[0].replace(" ", "_") for s in OPEN_STATES), "jumlah"),
                      tuple((band_label(b.first_day, b.last_day), *b.by_state, b.total) for b in report.backlog),
                      ("jumlah", *(sum(b.by_state[k] for b in report.backlog) for k in range(len(OPEN_STATES))),
                       sum(b.total for b in report.backlog)))
    n_outcomes = sum(o.count for o in report.outcomes)
    hasil = Table(("kode", "hasil", "jumlah", "bagian"),
                  tuple((o.code, BY_CODE[o.code].words_id, o.count, _share(o.count, n_outcomes))
                        for o in report.outcomes), ("jumlah", "", n_outcomes, _share(n_outcomes, n_outcomes)))
    mendesak = Table(("nik", "desa", "keadaan", "percobaan", "hari_menunggu"),
                     tuple((u.nik_masked, u.desa, STATE_WORDS[u.state], u.attempts, u.waiting_days)
                           for u in report.urgent))
    kurir = Table(("kurir", "hari", "diterima", "gagal", "jam_kerja", "kartu_per_jam", "dicocokkan",
                   "selisih_median_menit", "selisih_p90_menit"),
                  tuple((c.courier_id, c.days, c.delivered, c.failed, f"{c.working_s / 3600:.1f}",
                         "-" if c.per_hour is None else f"{c.per_hour:.1f}", c.matched, minutes(c.error_median_s),
                         minutes(c.error_p90_s)) for c in report.couriers),
                  ("jumlah", "", sum(c.delivered for c in report.couriers), sum(c.failed for c in report.couriers),
                   f"{sum(c.working_s for c in report.couriers) / 3600:.1f}", "", "", "", ""))
    desa = Table(("desa", "diterima", "gagal", "tingkat_gagal", "belum_diserahkan"),
                 tuple((d.desa, d.delivered, d.failed, "-" if d.failure_rate is None else f"{d.failure_rate:.0%}",
                        d.open_cards) for d in report.desa),
                 ("jumlah", sum(d.delivered for d in report.desa), sum(d.failed for d in report.desa),
                  _share(sum(d.failed for d in report.desa), sum(d.delivered + d.failed for d in report.desa)),
                  sum(d.open_cards for d in report.desa)))
    return dict(zip(CSV_FILES, (harian, tunggakan, hasil, mendesak, kurir, desa), strict=True))


def _html_table(table: Table, caption: str = "") -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h.replace('_', ' '))}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>" for row in table.rows)
    foot = ("<tfoot><tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in table.total) + "</tr></tfoot>"
            if table.total else "")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"


def _figure(name: str, svg: str) -> str:
    return f'<figure class="chart" id="chart-{name}">{svg}</figure>'


def report_page(report: Report, areas: Sequence[tuple[str, Any]] | None = None) -> str:
    """``laporan.html`` as text: every table with its chart; the desa map when ``areas`` are given
    ((name, lon/lat polygon) pairs), else a note that it was left out."""
    esc = html.escape
    t = tables(report)
    period = report.period
    band_labels = [band_label(a, b) for a, b in AGE_BANDS]
    sections = [
        ("harian", "Kartu per hari", _figure("harian", charts.daily_chart(report.days, report.daily_target, LABELS))
         + _html_table(t["laporan_harian.csv"]),
         f"Capaian = diterima dibagi target harian ({report.daily_target} kartu). Direncanakan = diterima + gagal + "
         "batal + tanpa hasil. Diimpor: kartu yang pertama kali masuk buku besar hari itu."),
        ("tunggakan", "Kartu belum diserahkan menurut umur dan keadaan",
         _figure("tunggakan", charts.backlog_chart(report.backlog, band_labels,
                                                   [STATE_WORDS[s] for s in OPEN_STATES], LABELS))
         + _html_table(t["laporan_tunggakan.csv"]),
         f"Keadaan buku besar saat laporan dibuat; umur dihitung dari tanggal impor sampai {period.end.isoformat()}."),
        ("hasil", "Hasil kunjungan menurut kode",
         _figure("hasil", charts.outcomes_chart(report.outcomes, [BY_CODE[o.code].words_id for o in report.outcomes],
                                                LABELS)) + _html_table(t["laporan_hasil.csv"]),
         "Hasil yang dikoreksi dihitung sekali (hasil terakhir)."),
        ("mendesak", f"Kartu mendesak yang menunggu ({len(report.urgent)})",
         _html_table(t["laporan_mendesak.csv"]) if report.urgent else "<p>Tidak ada kartu mendesak yang menunggu.</p>",
         "NIK disamarkan. Hari menunggu dihitung dari tanggal impor."),
        ("kurir", "Per kurir",
         (_figure("kurir", charts.courier_chart(report.couriers, LABELS)) if report.couriers else "")
         + _html_table(t["laporan_kurir.csv"]),
         "Kartu per jam kerja = kartu diterima dibagi jam dari hasil pertama sampai hasil terakhir kurir itu pada "
         "setiap hari, dijumlahkan. Selisih waktu tiba = waktu hasil dicatat di HP dikurangi waktu tiba menurut "
         "rencana hari itu (WIB); dicocokkan = hasil yang punya waktu tiba rencana."),
    ]
    if areas:
        desa_body = _figure("desa", charts.desa_map(areas, report.desa, LABELS)) + _html_table(t["laporan_desa.csv"])
        drawn = {name.casefold() for name, _ in areas}
        missing = sum(1 for d in report.desa if d.desa.casefold() not in drawn)
        desa_note = ("Warna: tingkat gagal (gagal dibagi diterima + gagal); abu-abu: tidak ada hasil dalam periode; "
                     "titik: kartu belum diserahkan."
                     + (f" {missing} desa di buku besar tidak ada di batas desa dan tidak tergambar (lihat tabel)."
                        if missing else ""))
    else:
        desa_body = _html_table(t["laporan_desa.csv"])
        desa_note = "Peta desa tidak digambar: berikan batas desa dengan --boundaries desa.geojson."
    sections.append(("desa", "Per desa", desa_body, desa_note))
    body = "".join(f'<section id="{name}"><h2>{esc(title)}</h2>{content}<p class="note">{esc(note)}</p></section>'
                   for name, title, content, note in sections)
    period_text = f"{long_date(period.start)} s.d. {long_date(period.end)}"
    return Template(asset("static/report_page.html")).substitute(
        csp=_CSP, title=esc(f"{LABELS['title']} {period.start.isoformat()} s.d. {period.end.isoformat()}"),
        css=asset("static/report_page.css"), heading=esc(LABELS["title"]), period=esc(period_text),
        generated=esc(report.generated_at.strftime("%Y-%m-%d %H:%M %z")), ledger=esc(report.ledger),
        target=esc(f"{report.daily_target} kartu"), sections=body)


def write_report(report: Report, out: Path, areas: Sequence[tuple[str, Any]] | None = None) -> tuple[Path, ...]:
    """Write ``out/laporan.html`` and the CSV files (:data:`CSV_FILES`); return their paths, page first."""
    folder = private_dir(out)
    written = [write_private(folder / "laporan.html", report_page(report, areas))]
    for name, table in tables(report).items():
        rows = [*table.rows, *((table.total,) if table.total else ())]
        written.append(write_csv(folder / name, table.header, rows))
    return tuple(written)
