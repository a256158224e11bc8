"""Are two drawings of one plan the same? ``python bench/same_outputs.py OLD NEW`` (two output folders).

For checking that a change to the drawing code changed nothing a person reads, e.g. the outputs of
``ektp-route render`` by an older revision (OLD) and by this checkout (NEW) of the same plan.json:

- HTML sheets, courier pages, review page, CSV files, GPX: byte for byte.
- folium maps: byte for byte once the elements' random 32-hex ids are replaced by one word.
- PDF sheets: the same pages, each page's text (pypdf ``extract_text``) and link annotations the
  same; each page's drawing operations compared with the text strings blanked (the glyph ids in
  them depend on the order the font subset was filled in).
- QR codes on the PDF pages, read by an independent decoder (zxing-cpp, of the test extras): on
  NEW the codes a page shows are exactly the links on that page, and OLD's links are among its
  codes (fpdf2's ``table()`` listed every image of a table in the resources of the page it began
  on). The mask of a code may differ; its content may not.

Prints one line per kind; exits 1 when anything differs.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pypdf
import zxingcpp
from PIL import Image

#: folium's element ids: random on every drawing.
ELEMENT_ID = re.compile(rb"[0-9a-f]{32}")
#: A PDF literal string.
PDF_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)")


def same_files(old: Path, new: Path, pattern: str) -> list[Path]:
    """The files matching ``pattern`` in both folders (they must be the same files)."""
    a = sorted(p.relative_to(old) for p in old.glob(pattern))
    b = sorted(p.relative_to(new) for p in new.glob(pattern))
    if a != b:
        sys.exit(f"{pattern}: different files: {[str(p) for p in a]} against {[str(p) for p in b]}")
    return a


def qr_texts(page: pypdf.PageObject) -> list[str | None]:
    """What each image of ``page`` decodes to as a QR code (``None``: not a code)."""
    out: list[str | None] = []
    for im in page.images:
        img = im.image if im.image is not None else Image.open(io.BytesIO(im.data))
        found = zxingcpp.read_barcodes(img)
        out.append(found[0].text if found else None)
    return out


def links(page: pypdf.PageObject) -> list[str]:
    return [a.get_object().get("/A", {}).get("/URI") for a in page.get("/Annots", [])]


def main(old: Path, new: Path) -> int:
    differences = 0

    def report(kind: str, n: int, diffs: list[str], extra: str = "") -> None:
        nonlocal differences
        differences += len(diffs)
        print(f"{kind}: {n} files, {len(diffs)} different" + (f": {diffs[:5]}" if diffs else "") + extra)

    for kind, pattern in (("HTML sheets (bytes)", "sheets/*.html"), ("courier pages (bytes)", "kurir/*.html"),
                          ("review page (bytes)", "review.html"), ("CSV (bytes)", "*.csv"),
                          ("GPX (bytes)", "gpx/*.gpx")):
        names = same_files(old, new, pattern)
        report(kind, len(names), [str(p) for p in names if (old / p).read_bytes() != (new / p).read_bytes()])

    names = same_files(old, new, "maps/*.html")
    report("folium maps (32-hex ids normalised)", len(names),
           [str(p) for p in names
            if ELEMENT_ID.sub(b"ID", (old / p).read_bytes()) != ELEMENT_ID.sub(b"ID", (new / p).read_bytes())])

    pdfs = same_files(old, new, "sheets/*.pdf")
    text, operations, link_diff, qr_diff = [], [], [], []
    pages = codes = unread = 0
    for p in pdfs:
        ra, rb = pypdf.PdfReader(old / p), pypdf.PdfReader(new / p)
        if len(ra.pages) != len(rb.pages):
            text.append(f"{p}: {len(ra.pages)} against {len(rb.pages)} pages")
            continue
        for k, (pa, pb) in enumerate(zip(ra.pages, rb.pages), start=1):
            pages += 1
            if pa.extract_text() != pb.extract_text():
                text.append(f"{p} page {k}")
            blank_a = PDF_STRING.sub(b"()", pa.get_contents().get_data())
            if blank_a != PDF_STRING.sub(b"()", pb.get_contents().get_data()):
                operations.append(f"{p} page {k}")
            la, lb = links(pa), links(pb)
            if la != lb:
                link_diff.append(f"{p} page {k}")
            if p.name == "all.pdf" or len(pdfs) <= 2:  # every page once
                qa, qb = qr_texts(pa), qr_texts(pb)
                codes += len(set(lb))
                unread += sum(t is None for t in qa + qb)
                if set(qb) != set(lb) or not set(la) <= set(qa):
                    qr_diff.append(f"{p} page {k}")
    report("PDF pages' text (pypdf extract_text)", len(pdfs), text, f" ({pages} pages)")
    report("PDF pages' drawing operations, text strings blanked", len(pdfs), operations)
    report("PDF pages' link annotations", len(pdfs), link_diff)
    print(f"QR codes (zxing-cpp): {codes} codes on the pages of all.pdf, {len(qr_diff)} pages whose codes are not "
          f"their links, {unread} images that are not a readable code")
    differences += len(qr_diff) + unread
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.splitlines()[0])
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
