"""Regenerate the README screenshots from a demo run: python scripts/screenshots.py DEMO_DIR.

Uses Debian's Chromium through Playwright for the map, and pdftoppm (poppler-utils) for the
first page of courier K01's PDF sheet.
"""

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

demo = Path(sys.argv[1])
img = Path(__file__).resolve().parents[1] / "docs" / "img"
img.mkdir(parents=True, exist_ok=True)
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1100, "height": 750})
    page.goto((demo / "maps" / "overview.html").resolve().as_uri())
    page.wait_for_timeout(1500)
    page.screenshot(path=str(img / "map-overview.png"))
    browser.close()
subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                str(demo / "sheets" / "K01.pdf"), str(img / "sheet-K01")], check=True)
print("written:", *sorted(img.glob("*.png")))
