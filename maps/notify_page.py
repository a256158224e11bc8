"""The residents' notices: ``pemberitahuan.csv`` and the officer's page ``pemberitahuan.html``.

One row per household on a route (see :mod:`routing.notify`): households whose phone reads as a
mobile number first, with the message in Bahasa Indonesia (always: it is for the resident, whatever
the officer's language), then the ones listed apart with the reason their phone cannot be used.
The page lists the same rows; each one to send has a WhatsApp click-to-chat link
(``https://wa.me/62...?text=...``) and an ``sms:`` link carrying the message, and a "sent" mark the
officer sets, kept in the browser's storage by plan date (under a hash of the number and the message,
so the storage holds no name, and a changed window asks to be sent again). Nothing is fetched: the
links are only followed when the officer taps them. No NIK is in either file or in any link.

The page's markup, style and script are ``maps/static/notify_page.html``, ``.css`` and ``.js``.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from maps.assets import asset
from maps.offline import offline_page
from maps.sheets import long_date
from routing.clock import format_clock
from routing.notify import Notice, notices
from routing.plan import SYNTHETIC_NOTE, Plan

#: ``pemberitahuan.csv``'s columns: ``reason`` is empty for a household to send to; ``typed`` is the
#: phone as the records hold it (a landline's can still be called).
NOTICE_COLUMNS = ("phone", "nama", "desa", "date", "window_from", "window_until", "urgent", "message",
                  "reason", "typed")

PAGE_LABELS = {
    "id": {
        "title": "Pemberitahuan warga", "help": "Ketuk WhatsApp atau SMS untuk mengirim pesan, lalu centang "
                                               "Dikirim. Tanda tersimpan di perangkat ini.",
        "send": "Dikirim", "apart": "Tidak bisa dikirim ({n}): hubungi lewat telepon atau kunjungan",
        "sent_n": "{sent} dari {n} terkirim", "urgent": "MENDESAK", "cards_n": "{n} kartu",
        "empty": "Tidak ada rumah dengan nomor HP.",
        "storage_refused": "Browser ini tidak mengizinkan halaman menyimpan data: tanda Dikirim hilang "
                           "saat halaman ditutup.",
        "reason_empty": "tidak ada nomor", "reason_not_a_number": "bukan satu nomor telepon",
        "reason_not_indonesian": "bukan nomor Indonesia", "reason_too_short": "terlalu pendek",
        "reason_too_long": "terlalu panjang", "reason_not_mobile": "bukan nomor HP (telepon rumah)",
    },
    "en": {
        "title": "Residents' notices", "help": "Tap WhatsApp or SMS to send the message, then tick Sent. "
                                              "Marks are kept on this device.",
        "send": "Sent", "apart": "Cannot be sent ({n}): call or visit",
        "sent_n": "{sent} of {n} sent", "urgent": "URGENT", "cards_n": "{n} cards",
        "empty": "No household with a mobile number.",
        "storage_refused": "This browser does not let the page keep data: the Sent marks are lost when "
                           "the page is closed.",
        "reason_empty": "no number", "reason_not_a_number": "not one phone number",
        "reason_not_indonesian": "not an Indonesian number", "reason_too_short": "too short",
        "reason_too_long": "too long", "reason_not_mobile": "not a mobile number (landline)",
    },
}


def window_text(n: Notice) -> str:
    """``08:05-09:10``."""
    return f"{format_clock(n.from_s)}-{format_clock(n.until_s)}"


def message(plan: Plan, n: Notice) -> str:
    """The resident's message in Bahasa Indonesia: name, desa, day and window; never a NIK (a synthetic
    plan's says so first)."""
    more = f" (dan {n.cards - 1} kartu lain di rumah ini)" if n.cards > 1 else ""
    # The demo's phones are made up but may be someone's: a message sent by mistake says it is no real one.
    note = f"[{SYNTHETIC_NOTE}] " if plan.synthetic else ""
    return (f"{note}Yth. Bapak/Ibu {n.nama}, kartu e-KTP{more} akan diantar kurir {plan.office_name} ke rumah "
            f"Anda di Desa {n.desa} pada {long_date(plan.date, 'id')}, antara pukul {format_clock(n.from_s)} "
            f"dan {format_clock(n.until_s)}. Mohon ada di rumah, atau minta anggota keluarga menerimanya. "
            f"Petugas tidak pernah meminta uang atau NIK lewat pesan.")


def plan_notices(plan: Plan) -> tuple[Notice, ...]:
    """The plan's notices, drawn with the window the plan was made with; the ones to send first."""
    found = notices(plan, plan.arrival_error_p80_s)
    return tuple(n for n in found if n.phone.usable) + tuple(n for n in found if not n.phone.usable)


def notice_rows(plan: Plan, found: tuple[Notice, ...]) -> list[tuple[str, ...]]:
    """``pemberitahuan.csv``'s rows (:data:`NOTICE_COLUMNS`) for ``found``."""
    return [(n.phone.number if n.phone.usable else "", n.nama, n.desa, plan.date.isoformat(),
             format_clock(n.from_s), format_clock(n.until_s), "ya" if n.urgent else "",
             message(plan, n) if n.phone.usable else "", n.phone.reason, n.phone.typed) for n in found]


def _item(plan: Plan, n: Notice, labels: dict[str, str]) -> dict[str, Any]:
    common = {"nama": n.nama, "desa": n.desa, "window": window_text(n), "urgent": n.urgent, "cards": n.cards,
              "courier": f"{n.courier_id} #{n.seq}"}
    if not n.phone.usable:
        return common | {"typed": n.phone.typed, "reason": labels[f"reason_{n.phone.reason}"],
                         "tel": f"tel:{n.phone.number}" if n.phone.number else ""}
    text = message(plan, n)
    digits = n.phone.number.removeprefix("+")
    return common | {
        "phone": n.phone.number, "message": text,
        "wa": f"https://wa.me/{digits}?text={quote(text, safe='')}",
        "sms": f"sms:{n.phone.number}?body={quote(text, safe='')}",
        # Storage keeps no name or number: a hash of both, so a new window or name is a new notice.
        "key": hashlib.sha256(f"{n.phone.number}\n{text}".encode()).hexdigest()[:20],
    }


def notify_page(plan: Plan, lang: str = "id", found: tuple[Notice, ...] | None = None) -> str:
    """The officer's notices page as a self-contained HTML document (see module docstring)."""
    if lang not in PAGE_LABELS:
        raise ValueError(f"language {lang!r} not available; choose from {sorted(PAGE_LABELS)}")
    labels = PAGE_LABELS[lang]
    found = plan_notices(plan) if found is None else found
    data = {
        "date": plan.date.isoformat(), "date_long": long_date(plan.date, lang),
        "synthetic": SYNTHETIC_NOTE if plan.synthetic else "", "labels": labels,
        "storage_key": f"ektp-route/pemberitahuan/{plan.date.isoformat()}",
        "send": [_item(plan, n, labels) for n in found if n.phone.usable],
        "apart": [_item(plan, n, labels) for n in found if not n.phone.usable],
    }
    title = f"{labels['title']} {plan.date.isoformat()}"
    return offline_page(title, lang, asset("static/notify_page.css"), asset("static/notify_page.html"), data,
                        asset("static/notify_page.js"))
