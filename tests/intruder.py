"""A motivated intruder, for tests: what can be got back from the shared outputs alone.

Three attacks, as the ICO's anonymisation code asks of anything published:

- **Inverse Voronoi** (:func:`recover_sites`): every straight edge shared by two areas of a
  map layer is read as the perpendicular bisector of two unknown sites, the sites on either
  side of a bend or a three-way junction are tied together, and all sites are solved for at
  once by least squares. On Voronoi cells around customer-weighted centres this gives the
  centres back to about a metre, and for an area of one customer the centre is a home.
- **Postcode matching** (:func:`match_postcodes`): recovered points that sit on a postcode's
  grid reference are claimed as homes; a claim is a hit if a customer lives there. Cells of
  *every* postcode give back postcodes too, customers' or not, so hits are judged against
  what the same number of claims would hit by chance (the share of postcodes with a
  customer): :attr:`Matches.excess` is the intruder's real gain.
- **Subtraction** (:func:`recover_by_arithmetic`): every published total minus every other,
  and every linear relation between published areas (county = tiers = districts, tier =
  its lots, lot = its units), solved exactly; a suppressed figure that comes back is found.

The readers (:func:`map_layers`, :func:`svg_lines`, :func:`published_tables`) take only what
a recipient of the reports folder has.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix, identity
from scipy.sparse.linalg import spsolve
from scipy.spatial import cKDTree

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

# --- Readers: what a recipient has --------------------------------------------------------------


def map_layers(path: str | Path) -> dict[str, list[tuple[dict, shapely.Geometry]]]:
    """Every GeoJSON layer embedded in a folium map, in British National Grid metres.

    Returns ``{layer name: [(properties, geometry), ...]}``; the layer name is the variable
    folium gave it (``geo_json_...``) plus ``/Polygon`` or ``/Point``.
    """
    text = Path(path).read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    layers: dict[str, list[tuple[dict, shapely.Geometry]]] = {}
    for match in re.finditer(r"(geo_json_[0-9a-f]+)_add\(", text):
        data, _ = decoder.raw_decode(text, match.end())
        features = data.get("features", [data]) if isinstance(data, dict) else []
        for feature in features:
            geometry = feature.get("geometry")
            if not geometry:
                continue
            shape = shapely.geometry.shape(geometry)
            shape = shapely.transform(shape, _lonlat_to_bng, interleaved=False)
            kind = "Point" if shape.geom_type == "Point" else "Polygon"
            layers.setdefault(f"{match.group(1)}/{kind}", []).append(
                (feature.get("properties") or {}, shape)
            )
    return layers


def _lonlat_to_bng(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _TO_BNG.transform(x, y)


def polygon_layers(path: str | Path) -> dict[str, list[shapely.Geometry]]:
    """The polygon layers of a map (lots by tier, demand units), as lists of geometries."""
    return {
        name: [g for _, g in features]
        for name, features in map_layers(path).items()
        if name.endswith("/Polygon")
    }


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def svg_lines(path: str | Path, county_bounds: Sequence[float]) -> list[shapely.LineString]:
    """Every straight-line path of an SVG map, registered onto British National Grid.

    A recipient georeferences the picture from the county's known extent
    (``county_bounds``: west, south, east, north in metres): the largest closed path that is
    not the whole page is taken to be the county outline.
    """
    svg = "{http://www.w3.org/2000/svg}"
    root = ElementTree.parse(path).getroot()
    # matplotlib draws collections as paths in <defs> placed by <use x= y=>.
    defined = {e.get("id"): e.get("d") or "" for e in root.iter(f"{svg}path") if e.get("id")}
    placed: list[tuple[str, float, float]] = []
    for element in root.iter(f"{svg}use"):
        ref = (element.get("{http://www.w3.org/1999/xlink}href") or "").lstrip("#")
        if ref in defined:
            placed.append((defined[ref], float(element.get("x", 0)), float(element.get("y", 0))))
    placed += [(e.get("d") or "", 0.0, 0.0) for e in root.iter(f"{svg}path") if not e.get("id")]
    paths: list[list[list[tuple[float, float]]]] = []
    for d, dx, dy in placed:
        if re.search(r"[CcQqAaSsTtHhVv]", d):
            continue  # curves are markers and glyphs, not boundaries
        runs: list[list[tuple[float, float]]] = []
        for command, body in re.findall(r"([MLZmlz])([^MLZmlz]*)", d):
            numbers = [float(v) for v in _NUMBER.findall(body)]
            pairs = [(x + dx, y + dy) for x, y in zip(numbers[0::2], numbers[1::2], strict=False)]
            if command in "Mm":
                runs.append(list(pairs))
            elif command in "Ll" and runs:
                runs[-1].extend(pairs)
            elif command in "Zz" and runs and runs[-1]:
                runs[-1].append(runs[-1][0])
        paths.append([r for r in runs if len(r) >= 2])
    boxes = []
    for runs in paths:
        if runs:
            xy = np.array([p for r in runs for p in r])
            boxes.append((np.ptp(xy[:, 0]) * np.ptp(xy[:, 1]), xy.min(0), xy.max(0)))
    page = max(b[0] for b in boxes)
    outline = max((b for b in boxes if b[0] < page * 0.999), key=lambda b: b[0])
    (x0, y0), (x1, y1) = outline[1], outline[2]
    west, south, east, north = county_bounds
    sx, sy = (east - west) / (x1 - x0), (north - south) / (y1 - y0)
    lines = []
    for runs in paths:
        for run in runs:
            xy = np.array(run)
            if np.ptp(xy[:, 0]) * np.ptp(xy[:, 1]) >= page * 0.999:
                continue
            bng = np.column_stack([west + (xy[:, 0] - x0) * sx, north - (xy[:, 1] - y0) * sy])
            lines.append(shapely.LineString(bng))
    return lines


# --- Inverse Voronoi ----------------------------------------------------------------------------


@dataclass
class Sites:
    """Points recovered from a layer's edges, with how well the edges fit them (metres)."""

    points: np.ndarray
    residual: np.ndarray
    edges: int


def recover_sites(
    lines: Iterable[shapely.Geometry],
    *,
    outer: shapely.Geometry | None = None,
    min_length: float = 40.0,
    tolerance: float = 3.0,
) -> Sites:
    """Solve for the sites whose Voronoi diagram a set of boundaries could be.

    Parameters
    ----------
    lines
        Boundaries of a layer (polygon boundaries or line paths), in metres.
    outer
        The area's outline: edges along it are the clip, not bisectors, and are left out.
        Default: the outline of the polygons formed by ``lines``.
    min_length
        Edges shorter than this carry too little direction to use.
    tolerance
        Vertices closer than this are one junction (coordinates were rounded).

    Returns
    -------
    Sites
        Each recovered site, and the largest misfit (metres) of the edges it explains; a site
        of a true Voronoi diagram fits to about a metre.
    """
    noded = shapely.node(
        shapely.union_all(
            [shapely.boundary(g) if g.geom_type.endswith("Polygon") else g for g in lines]
        )
    )
    segments = []
    for part in shapely.get_parts(noded):
        coords = np.asarray(part.coords)
        segments += [(coords[i], coords[i + 1]) for i in range(len(coords) - 1)]
    if not segments:
        return Sites(np.empty((0, 2)), np.empty(0), 0)
    if outer is None:
        faces = shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded))))
        outer = shapely.union_all(faces) if len(faces) else None
    rim = None if outer is None else shapely.boundary(outer).buffer(tolerance * 5)
    ends = np.array([p for s in segments for p in s])
    _, vertex = np.unique(np.round(ends / tolerance), axis=0, return_inverse=True)
    vertex = vertex.ravel().reshape(-1, 2)
    a = ends[0::2]
    b = ends[1::2]
    on_rim = np.zeros(len(segments), bool)
    if rim is not None:
        on_rim = shapely.within(shapely.linestrings(np.stack([a, b], 1)), rim)
    interior = ~on_rim & (np.hypot(*(b - a).T) > 1e-6)
    # Incident interior edges per vertex, by angle.
    incident: dict[int, list[tuple[float, int, int]]] = {}
    touches_rim: set[int] = set()
    for k in range(len(segments)):
        for end in (0, 1):
            v = int(vertex[k, end])
            if not interior[k]:
                touches_rim.add(v)
                continue
            p, q = (a[k], b[k]) if end == 0 else (b[k], a[k])
            incident.setdefault(v, []).append((math.atan2(q[1] - p[1], q[0] - p[0]), k, end))
    # Side variables: (edge, 0) is left of a->b, (edge, 1) right; junctions tie them together.
    parent = list(range(2 * len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def tie(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    def side(k: int, end: int, ccw: bool) -> int:
        # The side of edge k that lies counter-clockwise (ccw) of it, seen from its end `end`.
        left = ccw if end == 0 else not ccw
        return 2 * k + (0 if left else 1)

    for v, edges in incident.items():
        if v in touches_rim or len(edges) < 2:
            continue
        edges.sort()
        n = len(edges)
        for i in range(n):
            angle, k, end = edges[i]
            angle2, k2, end2 = edges[(i + 1) % n]
            gap = (angle2 - angle) % (2 * math.pi)
            if n == 2 and gap > math.pi:
                continue  # the reflex side of a bend hides a dissolved edge
            # The sector between edge i and the next one counter-clockwise is one cell.
            tie(side(k, end, True), side(k2, end2, False))
    # One equation pair per usable edge: right site = reflection of left site.
    keep = np.flatnonzero(interior & (np.hypot(*(b - a).T) >= min_length))
    roots = sorted({find(2 * k + s) for k in keep for s in (0, 1)})
    index = {r: i for i, r in enumerate(roots)}
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    for k in keep:
        p, q = a[k], b[k]
        d = (q - p) / np.hypot(*(q - p))
        n_ = np.array([-d[1], d[0]])
        c = float(n_ @ p)
        reflect = np.eye(2) - 2 * np.outer(n_, n_)
        left, right = index[find(2 * k)], index[find(2 * k + 1)]
        if left == right:
            continue
        w = math.sqrt(np.hypot(*(q - p)))
        for row in range(2):
            rows += [r, r, r]
            cols += [2 * right + row, 2 * left, 2 * left + 1]
            vals += [w, -w * reflect[row, 0], -w * reflect[row, 1]]
            rhs.append(w * (2 * c * n_[row]))
            r += 1
    if not r:
        return Sites(np.empty((0, 2)), np.empty(0), 0)
    matrix = coo_matrix((vals, (rows, cols)), shape=(r, 2 * len(roots))).tocsr()
    # Least squares around the centre of the layer, with a whisper of ridge so that sites the
    # edges do not pin stay put rather than fly off: (A'A + eps I) u = A'(b - A c).
    centre = ends.mean(axis=0)
    shift = matrix @ np.tile(centre, len(roots))
    normal = (matrix.T @ matrix).tocsc()
    ridge = 1e-9 * max(float(normal.diagonal().max(initial=0.0)), 1.0)
    solution = spsolve(
        normal + ridge * identity(normal.shape[0], format="csc"),
        matrix.T @ (np.asarray(rhs) - shift),
    )
    points = np.asarray(solution).reshape(-1, 2) + centre
    misfit = np.abs(matrix @ (points.ravel()) - np.asarray(rhs))
    errors: list[list[float]] = [[] for _ in roots]
    row = 0
    for k in keep:
        left, right = index[find(2 * k)], index[find(2 * k + 1)]
        if left == right:
            continue
        w = math.sqrt(np.hypot(*(b[k] - a[k])))
        err = float(np.hypot(misfit[row], misfit[row + 1]) / w)
        errors[left].append(err)
        errors[right].append(err)
        row += 2
    # A site explained by two or more edges, judged by its typical edge (one edge may have been
    # bent by simplification).
    good = np.array([len(e) >= 2 for e in errors], bool)
    typical = np.array([float(np.median(e)) if e else np.inf for e in errors])
    return Sites(points[good], typical[good], int(len(keep)))


# --- Postcode matching --------------------------------------------------------------------------


@dataclass
class Matches:
    """Recovered points claimed as homes, and how many of the claims are right."""

    claims: int
    hits: int
    base_rate: float
    hit_postcodes: list[str]

    @property
    def expected(self) -> float:
        """Hits the same number of claims on random postcodes would make."""
        return self.claims * self.base_rate

    @property
    def excess(self) -> float:
        """Homes found beyond chance, with a three-sigma allowance for luck (never below 0)."""
        sigma = math.sqrt(max(self.expected * (1 - self.base_rate), 0.0))
        return max(0.0, self.hits - self.expected - 3 * sigma - 1)


def match_postcodes(
    points: np.ndarray,
    postcodes: pd.DataFrame,
    customer_postcodes: Iterable[str],
    *,
    within: float = 3.0,
    fit: np.ndarray | None = None,
    max_misfit: float = 3.0,
) -> Matches:
    """Claim every recovered point that fits its edges and sits on a postcode as a home.

    ``postcodes``: the public lookup (``postcode``, ``easting``, ``northing``) of the area;
    ``customer_postcodes``: where customers live (the truth the test knows).
    """
    if fit is not None:
        points = points[np.asarray(fit) <= max_misfit]
    ref = postcodes.dropna(subset=["easting", "northing"]).drop_duplicates("postcode")
    customers = set(customer_postcodes)
    if not len(points) or ref.empty:
        return Matches(0, 0, 0.0, [])
    tree = cKDTree(ref[["easting", "northing"]].to_numpy(float))
    found = tree.query_ball_point(points, r=within)
    names = ref["postcode"].to_numpy()
    claims = hits = 0
    hit_postcodes: list[str] = []
    seen: set[tuple] = set()
    for group in found:
        if not group:
            continue
        key = tuple(sorted(group))
        if key in seen:
            continue
        seen.add(key)
        claims += 1
        at = {names[i] for i in group}
        if at & customers:
            hits += 1
            hit_postcodes += sorted(at & customers)
    grid_points = ref.groupby(["easting", "northing"])["postcode"].agg(set)
    base = float(np.mean([bool(s & customers) for s in grid_points]))
    return Matches(claims, hits, base, hit_postcodes)


# --- Arithmetic -----------------------------------------------------------------------------------


@dataclass
class Recovered:
    """A suppressed figure an intruder got back, and how."""

    area: str
    column: str
    value: float
    how: str


def recover_by_arithmetic(
    published: pd.DataFrame,
    relations: Sequence[tuple[str, Sequence[str]]],
    *,
    columns: Sequence[str] = ("customers", "hours"),
    tolerance: float = 0.5,
) -> list[Recovered]:
    """Every suppressed figure that published figures give back exactly.

    Parameters
    ----------
    published
        One row per area (index: area key such as ``"lot:L03"``), one column per figure;
        a suppressed figure is NaN. Rounded counts are taken as exact (the intruder's best).
    relations
        ``(total, parts)``: the total's figure is the sum of its parts' (county and its tiers,
        a tier and its lots, a lot and its units, the county and its districts).
    columns
        Figures to attack.
    tolerance
        How close a difference must come to an integer count to be read as one.

    Returns
    -------
    list of Recovered
        Figures got back by one subtraction (``how="pair"``: a total minus all but one part),
        by any pair of published totals whose difference is a single suppressed area, or by
        solving every relation at once (``how="linear"``).
    """
    out: list[Recovered] = []
    # An area named in a relation but shown nowhere is hidden, not zero.
    named = {a for total, parts in relations for a in (total, *parts)}
    published = published.reindex(list(published.index) + sorted(named - set(published.index)))
    areas = list(published.index)
    position = {a: i for i, a in enumerate(areas)}
    for column in columns:
        if column not in published:
            continue
        values = pd.to_numeric(published[column], errors="coerce")
        hidden = values.isna()
        # Pairs: total minus the sum of its published parts, when exactly one part is hidden.
        for total, parts in relations:
            if total not in position or hidden[total]:
                continue
            missing = [p for p in parts if p in position and hidden[p]]
            if len(missing) == 1:
                rest = sum(values[p] for p in parts if p in position and not hidden[p])
                out.append(Recovered(missing[0], column, float(values[total] - rest), "pair"))
            elif not missing:
                continue
        # Every linear relation at once: a hidden area is determined when its unit vector lies
        # in the row space of the relations restricted to the hidden areas.
        hidden_areas = [a for a in areas if hidden[a]]
        if not hidden_areas:
            continue
        h_index = {a: i for i, a in enumerate(hidden_areas)}
        rows, rhs = [], []
        for total, parts in relations:
            members = [total, *parts]
            if any(m not in position for m in members):
                continue
            row = np.zeros(len(hidden_areas))
            known = 0.0
            for m, sign in [(total, 1.0)] + [(p, -1.0) for p in parts]:
                if hidden[m]:
                    row[h_index[m]] += sign
                else:
                    known += sign * values[m]
            if row.any():
                rows.append(row)
                rhs.append(-known)
        if not rows:
            continue
        a_matrix = np.array(rows)
        b_vector = np.array(rhs)
        solution, *_ = np.linalg.lstsq(a_matrix, b_vector, rcond=None)
        rank = np.linalg.matrix_rank(a_matrix)
        for area, i in h_index.items():
            unit = np.zeros(len(hidden_areas))
            unit[i] = 1.0
            if np.linalg.matrix_rank(np.vstack([a_matrix, unit])) == rank:
                out.append(Recovered(area, column, float(solution[i]), "linear"))
    return out


# --- What a recipient reads -----------------------------------------------------------------


def published_tables(reports: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a reports folder as a recipient has them: the CSVs, every sheet of
    ``tables.xlsx`` and the lot layer of the map (its tooltips' figures)."""
    reports = Path(reports)
    tables: dict[str, pd.DataFrame] = {}
    for csv in sorted(reports.glob("*.csv")):
        tables[csv.stem] = pd.read_csv(csv, dtype=object)
    workbook = reports / "tables.xlsx"
    if workbook.exists():
        # Headings (with units) read back to column names through the workbook's own
        # Dictionary sheet, as a recipient can.
        from lotdesign.report import read_tables

        for name, frame in read_tables(workbook).items():
            tables[f"xlsx:{name}"] = frame
    page = reports / "lots_map.html"
    if page.exists():
        rows = [
            props
            for name, features in map_layers(page).items()
            if name.endswith("/Polygon")
            for props, _ in features
            if "lot_id" in props and "unit_id" not in props
        ]
        if rows:
            tables["map:lots"] = pd.DataFrame(rows, dtype=object)
    return tables


_FIGURES = ("customers", "hours", "weekly_spend_current", "rows")


def _number(value) -> float:
    if value is None:
        return math.nan
    text = str(value).strip().replace(",", "").replace("£", "")
    try:
        return float(text)
    except ValueError:
        return math.nan


def published_figures(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per area (``county``, ``tier:3``, ``lot:L02``, ``district:E07...``,
    ``outside``, ``in_lots``, ``read``, ...) and one column per additive figure; NaN where no
    table shows it. A figure shown in two places with two values keeps the more precise."""
    found: dict[tuple[str, str], float] = {}

    def put(key: str | None, column: str, value) -> None:
        number = _number(value)
        if key is None or math.isnan(number):
            return
        old = found.get((key, column))
        # Prefer a value that is not a multiple of 5 (an exact figure over a rounded one).
        if old is None or (old % 5 == 0 and number % 5 != 0):
            found[(key, column)] = number

    for frame in tables.values():
        cols = set(frame.columns)
        for _, row in frame.iterrows():
            if {"level", "area"} <= cols:
                key = _stacked_key(row["level"], row["area"])
            elif {"item", "value"} <= cols:
                item = str(row["item"])
                target = {
                    "customers_total": ("county", "customers"),
                    "hours_total": ("county", "hours"),
                    "hours_outside_lots": ("outside", "hours"),
                    "customers_outside_lots": ("outside", "customers"),
                    "hours_in_passing_tier1": ("passing_tier1", "hours"),
                }.get(item)
                if target:
                    put(target[0], target[1], row["value"])
                continue
            elif "stage" in cols:
                stage = str(row["stage"]).strip().lower()
                key = {"used": "county"}.get(stage, stage)
                for column in ("rows", "hours"):
                    if column in cols:
                        put(key, column, row[column])
                if "customers" in cols:
                    put("read_customers" if stage == "read" else key, "customers", row["customers"])
                continue
            elif "lot_id" in cols:
                text = str(row["lot_id"]).strip()
                key = "in_lots" if text.lower() in ("all", "all lots", "total") else f"lot:{text}"
            elif "tier" in cols:
                text = str(row["tier"]).strip().lower()
                key = "county" if text == "total" else f"tier:{int(float(text))}"
            else:
                continue
            for column in _FIGURES:
                if column in cols:
                    put(key, column, row[column])
    frame = pd.Series(found).unstack() if found else pd.DataFrame()
    return frame


def _stacked_key(level, area) -> str | None:
    level, area = str(level).strip().lower(), str(area).strip()
    if level == "county":
        return "county"
    if level == "tier":
        return f"tier:{int(float(area))}"
    if level == "lot":
        return "outside" if area in ("(spot)", "spot") else f"lot:{area}"
    if level == "district":
        return f"district:{area}"
    return None


def known_relations(tables: dict[str, pd.DataFrame]) -> list[tuple[str, list[str]]]:
    """The sums a recipient can read off the tables' structure: the county is its tiers and
    its districts (and its lots with the units outside them), a tier its lots (Tier 3 also
    the units outside lots), every line of the extract the used, excluded and rejected ones."""
    tiers: dict[str, set[str]] = {}
    lots: set[str] = set()
    districts: set[str] = set()
    tier_keys: set[str] = set()
    for frame in tables.values():
        cols = set(frame.columns)
        if "lot_id" in cols and "tier" in cols:
            for lot, tier in zip(frame["lot_id"], frame["tier"], strict=True):
                text = str(lot).strip()
                if text.lower() in ("all", "all lots", "total", "nan"):
                    continue
                try:
                    t = f"tier:{int(float(tier))}"
                except (TypeError, ValueError):
                    continue
                tiers.setdefault(t, set()).add(f"lot:{text}")
                lots.add(f"lot:{text}")
        if {"level", "area"} <= cols:
            for level, area in zip(frame["level"], frame["area"], strict=True):
                key = _stacked_key(level, area)
                if key and key.startswith("district:"):
                    districts.add(key)
                if key and key.startswith("tier:"):
                    tier_keys.add(key)
        elif "tier" in cols and "lot_id" not in cols:
            for t in frame["tier"]:
                text = str(t).strip().lower()
                if text not in ("total", "nan"):
                    tier_keys.add(f"tier:{int(float(text))}")
    relations: list[tuple[str, list[str]]] = []
    if tier_keys:
        relations.append(("county", sorted(tier_keys)))
    if districts:
        relations.append(("county", sorted(districts)))
    for tier, members in tiers.items():
        parts = sorted(members) + (["outside"] if tier == "tier:3" else [])
        relations.append((tier, parts))
    relations.append(("tier:3", ["outside"]))
    if lots:
        relations.append(("in_lots", sorted(lots)))
        relations.append(("county", sorted(lots) + ["outside"]))
    relations.append(("read", ["county", "excluded", "rejected"]))
    return relations


def hidden_truth(run, keys) -> pd.DataFrame:
    """The true figures of areas (what the intruder tries to get back), from a saved run."""
    customers = run.customers.copy()
    assignment = run.tiers.assignment[["unit_id", "lot_id", "tier"]]
    customers = customers.merge(assignment, on="unit_id", how="left")
    out = {}
    for key in keys:
        if key == "county":
            part = customers
        elif key.startswith("tier:"):
            part = customers[customers["tier"] == int(key.split(":")[1])]
        elif key.startswith("lot:"):
            part = customers[customers["lot_id"].astype(str) == key.split(":", 1)[1]]
        elif key.startswith("district:"):
            part = customers[customers["district"].astype(str) == key.split(":", 1)[1]]
        elif key == "outside":
            part = customers[customers["lot_id"].isna()]
        elif key == "in_lots":
            part = customers[customers["lot_id"].notna()]
        else:
            continue
        out[key] = {"customers": float(len(part)), "hours": float(part["weekly_hours"].sum())}
    return pd.DataFrame(out).T
