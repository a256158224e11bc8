"""Plan a generated day on the real Kota Kediri roads: python scripts/realroads_day.py OUT_DIR.

Reads the shared data folder (``$EKTP_SHARED`` or ``../shared``): the RBI 1:25,000 road network
of Kota Kediri and the Kemendagri desa centroids. Writes ``OUT_DIR/input/`` (records and a
gazetteer) and plans the day with the real ``ektp-route plan`` into ``OUT_DIR``: 120 households
15 m beside real roads with coordinates, and 40 located only by their desa (so several stops share
a desa's point). ``python scripts/screenshots.py OUT_DIR`` then draws the README's pictures.
"""

import csv
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from routing.config import DEFAULT_SPEEDS_KPH
from routing.roads.network import load_network

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EKTP_SHARED") or ROOT.parent / "shared") / "data" / "nearby"
NAMES = ["Siti", "Agus", "Dwi", "Sri", "Budi", "Eko", "Nur", "Wahyu", "Rina", "Joko", "Ani", "Yusuf"]


def main(out: Path) -> None:
    net = load_network(SHARED / "kota_kediri_rbi25k_roads.osm.bz2", DEFAULT_SPEEDS_KPH, None)
    rng = random.Random(2026)
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    main_nodes = np.nonzero(net.main)[0]
    centre = (float(np.median(net.node_lat[main_nodes])), float(np.median(net.node_lon[main_nodes])))
    office = main_nodes[np.argmin((net.node_lat[main_nodes] - centre[0]) ** 2
                                  + (net.node_lon[main_nodes] - centre[1]) ** 2)]
    edges = [e for e in range(net.n_edges) if net.main[tails[e]] and net.main[net.indices[e]]
             and abs(net.node_lat[tails[e]] - centre[0]) < 0.02 and abs(net.node_lon[tails[e]] - centre[1]) < 0.02]
    with open(SHARED / "desa_centroids_kemendagri_3571.csv", encoding="utf-8") as f:
        desa = [r for r in csv.DictReader(f)
                if abs(float(r["lat"]) - centre[0]) < 0.02 and abs(float(r["lng"]) - centre[1]) < 0.02][:4]
    (out / "input").mkdir(parents=True, exist_ok=True)
    with open(out / "input" / "gazetteer.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kecamatan", "desa", "dusun", "lat", "lon"])
        w.writerows([(d["nama_kec"], d["nama"], "", d["lat"], d["lng"]) for d in desa])
    rows = []
    for k in range(160):
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}"
        row = {"nik": f"35170915069{k + 1:05d}", "nama": name, "alamat": f"Jl. Contoh No. {k + 1}", "rt": "001",
               "rw": "002", "dusun": "", "kecamatan": "", "desa": "", "lat": "", "lon": "",
               "telepon": f"08{rng.randrange(10**9, 10**10)}"}
        if k < 120:
            e = rng.choice(edges)
            lo = net.geom_ptr[e]
            row["lat"] = f"{(net.geom_lat[lo] + net.geom_lat[lo + 1]) / 2 + 15 / 111_320:.6f}"
            row["lon"] = f"{(net.geom_lon[lo] + net.geom_lon[lo + 1]) / 2:.6f}"
        d = desa[k % len(desa)]
        row["desa"], row["kecamatan"] = d["nama"], d["nama_kec"]
        rows.append(row)
    with open(out / "input" / "kartu.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    # Kota Kediri's office: its region's area is the network's extent (not the default, Jombang's box).
    config = out / "input" / "kediri.toml"
    config.write_text('[region]\nname = "Kota Kediri"\nprovince = "Jawa Timur"\n', encoding="utf-8")
    subprocess.run(["ektp-route", "plan", str(out / "input" / "kartu.csv"), "--config", str(config),
                    "--network", str(SHARED / "kota_kediri_rbi25k_roads.osm.bz2"),
                    "--gazetteer", str(out / "input" / "gazetteer.csv"), "--out", str(out),
                    "--depot", f"{net.node_lat[office]:.6f},{net.node_lon[office]:.6f}",
                    "--date", "2026-11-30", "--time-limit", "10"], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
