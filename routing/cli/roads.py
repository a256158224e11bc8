"""Map data commands: ``network import/fetch/info`` and ``gazetteer build``."""

from __future__ import annotations

from pathlib import Path

import click

from routing.cli.main import main
from routing.cli.options import BBoxType, config_opt
from routing.config import load_settings
from routing.errors import InputError

_FILE = click.Path(dir_okay=False, path_type=Path)


@main.group()
def gazetteer() -> None:
    """Gazetteers of desa and dusun points, for cards without coordinates."""


@gazetteer.command("build")
@click.option("--osm", "extract", type=_FILE, default=None,
              help="OpenStreetMap XML extract (.osm, .osm.bz2) to read place points and boundaries from.")
@click.option("--place", default=None, help="Download from OpenStreetMap instead (online), e.g. 'Kabupaten Jombang'.")
@click.option("--boundaries", type=_FILE, default=None,
              help="Desa polygons (GeoJSON, Kemendagri or BIG/RBI layer): one point per desa where its roads "
                   "are densest. Needs --network.")
@click.option("--network", "network_file", type=_FILE, default=None,
              help="Road network (GraphML or OSM extract) the --boundaries points are placed on.")
@click.option("--out", "out", required=True, type=_FILE, help="Gazetteer CSV to write.")
@config_opt
def gazetteer_build(extract: Path | None, place: str | None, boundaries: Path | None, network_file: Path | None,
                    out: Path, config: Path | None) -> None:
    """Build a gazetteer CSV (kecamatan, desa, dusun, lat, lon).

    From OpenStreetMap: place=village/hamlet/neighbourhood points and desa (admin_level=7)
    boundaries. From a desa polygon layer and a road network: each desa's point is put on a road
    where the desa's roads are densest (village roads count more than main roads), which is where
    its houses are, not at the polygon's centre (often rice fields). The office may also keep its
    own gazetteer CSV with the same columns.

    \b
    Examples:
      ektp-route gazetteer build --boundaries desa_kemendagri_3517.geojson --network jombang.graphml --out gazetteer.csv
      ektp-route gazetteer build --osm jombang.osm.bz2 --out gazetteer.csv
      ektp-route gazetteer build --place "Kabupaten Jombang, Jawa Timur, Indonesia" --out gazetteer.csv
    """
    from routing.gazetteer import build_from_boundaries, build_from_extract, build_from_place, write_gazetteer

    if sum(x is not None for x in (extract, place, boundaries)) != 1:
        raise InputError("give exactly one of --osm EXTRACT, --place NAME or --boundaries DESA.geojson")
    if (boundaries is None) != (network_file is None):
        raise InputError("--boundaries and --network go together: the desa points are placed on the network's roads")
    roadless: list[str] = []
    if boundaries is not None and network_file is not None:
        from routing.files import default_cache_dir
        from routing.roads.network import load_network

        speeds = load_settings(config).speeds_kph
        entries, roadless = build_from_boundaries(boundaries, load_network(network_file, speeds, default_cache_dir()),
                                                  speeds)
    elif extract is not None:
        entries = build_from_extract(extract)
    else:
        assert place is not None
        entries = build_from_place(place)
    entries.sort(key=lambda e: (e.kecamatan, e.desa, e.dusun))
    write_gazetteer(out, entries)
    # Desa are counted per kecamatan: two kecamatan may each have a desa of the same name.
    click.echo(f"{out}: {len({(e.kecamatan, e.desa) for e in entries})} desa, "
               f"{sum(1 for e in entries if e.dusun)} dusun")
    if roadless:
        shown = ", ".join(roadless[:10]) + (", ..." if len(roadless) > 10 else "")
        click.echo(f"  {len(roadless)} desa without a road of the network inside: placed at the polygon's "
                   f"representative point ({shown})")


@main.group()
def network() -> None:
    """Road networks for motorbikes: import an extract, fetch online, inspect."""


def _print_counts(out: Path, info: dict[str, object]) -> None:
    click.echo(f"{out}: {info['nodes']} nodes, {info['edges']} edges")


@network.command("import")
@click.argument("extract", type=_FILE)
@click.option("--out", "out", required=True, type=_FILE, help="GraphML file to write.")
@click.option("--bbox", type=BBoxType(), default=None, help="Keep only roads inside SOUTH,WEST,NORTH,EAST.")
@click.option("--polygon", type=_FILE, default=None,
              help="Keep only roads inside this GeoJSON polygon (e.g. the regency boundary).")
@config_opt
def network_import(extract: Path, out: Path, bbox: tuple[float, float, float, float] | None,
                   polygon: Path | None, config: Path | None) -> None:
    """Build a motorbike network from an OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf), offline.

    \b
    Examples:
      ektp-route network import java-latest.osm.pbf --polygon kabupaten_jombang.geojson --out jombang.graphml
      ektp-route network import jombang.osm.bz2 --bbox -7.80,112.04,-7.32,112.48 --out jombang.graphml
    """
    from routing.roads.network import clip, describe, load_graph, save_graphml

    settings = load_settings(config)
    G = load_graph(extract, settings.speeds_kph)
    if bbox is not None or polygon is not None:
        G = clip(G, bbox, polygon)
    save_graphml(G, out)
    _print_counts(out, describe(G))


@network.command("fetch")
@click.argument("place")
@click.option("--out", "out", required=True, type=_FILE, help="GraphML file to write.")
@config_opt
def network_fetch(place: str, out: Path, config: Path | None) -> None:
    """Download a motorbike network with osmnx (online; cached by osmnx).

    \b
    Example:
      ektp-route network fetch "Kabupaten Jombang, Jawa Timur, Indonesia" --out jombang.graphml
    """
    from routing.roads.network import describe, fetch_graph, save_graphml

    settings = load_settings(config)
    G = fetch_graph(place, settings.speeds_kph)
    save_graphml(G, out)
    _print_counts(out, describe(G))


@network.command("info")
@click.argument("file", type=_FILE)
def network_info(file: Path) -> None:
    """Print nodes, edges, km of road by class, strongly connected components and bounding box.

    \b
    Example:
      ektp-route network info jombang.graphml
    """
    from routing.config import DEFAULT_SPEEDS_KPH
    from routing.roads.network import describe, load_graph

    info = describe(load_graph(file, DEFAULT_SPEEDS_KPH))
    click.echo(f"{file}")
    click.echo(f"  nodes: {info['nodes']}, edges: {info['edges']}")
    click.echo(f"  strongly connected components: {info['strong_components']} "
               f"(largest {info['largest_component_nodes']} nodes)")
    s, w, n, e = info["bbox"]
    click.echo(f"  bounding box: S {s:.5f} W {w:.5f} N {n:.5f} E {e:.5f}")
    click.echo("  km of road by class:")
    for cls, km in info["km_by_class"].items():
        click.echo(f"    {cls:<16} {km:8.2f}")
