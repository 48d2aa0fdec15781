"""Road drive times from an OpenStreetMap extract, offline.

An analyst downloads their county's ``.osm.pbf`` (Geofabrik's county extracts); this module
reads its driving network with `pyrosm`, gives every road segment a free-flow time from the
speed of its road class (:data:`lotdesign.settings.ROAD_SPEED_KPH`, OSRM's car profile,
capped by a lower tagged ``maxspeed``), and routes with Dijkstra
(:func:`scipy.sparse.csgraph.dijkstra`) from each origin up to a time cut-off. Points are
snapped to the nearest node of the network's largest strongly connected part; the leg from a
point to its node is driven at the residential speed over the straight line x
:data:`lotdesign.settings.ROAD_CIRCUITY`.

The result is the travel-matrix format every part of lotdesign reads (``origin``,
``destination``, ``minutes``; :func:`lotdesign.travel.validate_matrix`), with pairs beyond
the cut-off left out and recorded as such in ``matrix.attrs`` (``cutoff_minutes``,
``points``: the ids routed), so :class:`lotdesign.travel.TravelModel` treats a missing pair
between routed points as farther than the cut-off, never as a straight line. Written with a
JSON sidecar (source extract, its SHA-256, speeds, cut-off, attribution). The parsed network
is cached per extract and speeds, so a second build skips the parse.

Everything derived from OpenStreetMap carries :data:`lotdesign.settings.OSM_ATTRIBUTION`
("© OpenStreetMap contributors", ODbL 1.0).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = [
    "RoadNetwork",
    "build_matrix",
    "matrix_points",
    "read_matrix",
    "read_network",
    "road_matrix",
    "write_matrix",
]

_KPH_PER_MPH = 1.609344
#: Sources routed per Dijkstra call: bounds the dense rows scipy returns to ~160 MB.
_ROW_BUDGET = 20_000_000


@dataclass
class RoadNetwork:
    """A directed driving network: node points (BNG metres) and edge times (seconds).

    Attributes
    ----------
    x, y
        Node coordinates, British National Grid metres.
    graph
        CSR matrix, ``graph[u, v]`` = seconds to drive from node u to node v.
    main
        Mask of nodes in the largest strongly connected part (points snap only to these).
    source
        What the network came from (file name, size, SHA-256, speeds).
    """

    x: np.ndarray
    y: np.ndarray
    graph: csr_matrix
    main: np.ndarray
    source: dict[str, Any] = field(default_factory=dict)
    _tree: cKDTree | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def n_edges(self) -> int:
        return int(self.graph.nnz)

    def snap(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of the main part to each point, and the straight-line metres to it."""
        keep = np.flatnonzero(self.main)
        if self._tree is None:
            self._tree = cKDTree(np.column_stack([self.x[keep], self.y[keep]]))
        dist, pos = self._tree.query(np.column_stack([x, y]))
        return keep[pos], np.asarray(dist, dtype=float)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _maxspeed_kph(values: pd.Series) -> np.ndarray:
    """Parse OSM ``maxspeed`` tags (``"30 mph"``, ``"50"`` km/h, ``"GB:nsl_single"``)."""
    out = np.full(len(values), np.nan)
    national = {"gb:nsl_single": 60 * _KPH_PER_MPH, "gb:nsl_dual": 70 * _KPH_PER_MPH}
    for i, raw in enumerate(values.tolist()):
        if not isinstance(raw, str):
            continue
        text = raw.strip().lower()
        if text in national:
            out[i] = national[text]
            continue
        m = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?$", text)
        if m:
            out[i] = float(m.group(1)) * (_KPH_PER_MPH if m.group(2) == "mph" else 1.0)
    return out


def _directions(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward) masks: which way each segment may be driven."""
    oneway = edges.get("oneway", pd.Series(None, index=edges.index)).astype(str).str.lower()
    junction = edges.get("junction", pd.Series(None, index=edges.index)).astype(str).str.lower()
    highway = edges["highway"].astype(str)
    reverse = oneway.isin(["-1", "reverse"]).to_numpy()
    one = oneway.isin(["yes", "true", "1"]).to_numpy()
    # OSM convention: roundabouts and motorways are one way unless tagged otherwise.
    implied = (
        junction.isin(["roundabout", "circular"]) | highway.isin(["motorway", "motorway_link"])
    ).to_numpy() & ~oneway.isin(["no", "false", "0"]).to_numpy()
    forward = ~reverse
    backward = ~(one | implied) | reverse
    return forward, backward


def read_network(
    pbf: str | Path,
    *,
    speeds: Mapping[str, float] | None = None,
    cache_dir: str | Path | None = None,
) -> RoadNetwork:
    """Read the driving network of an ``.osm.pbf`` extract (pyrosm) with free-flow times.

    Parameters
    ----------
    pbf
        An OpenStreetMap extract, e.g. a Geofabrik county ``.osm.pbf``.
    speeds
        km/h by ``highway`` class; default :data:`lotdesign.settings.ROAD_SPEED_KPH`. A
        segment with a lower tagged ``maxspeed`` is driven at that; classes missing here are
        left out.
    cache_dir
        Folder for a cache of the parsed network (``.npz``), keyed by the extract's SHA-256
        and the speeds; None: no cache.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    ValidationError
        If the file is missing or holds no drivable road.
    """
    pbf = Path(pbf)
    if not pbf.is_file():
        raise ValidationError(
            f"OpenStreetMap extract {pbf} does not exist; download your county's .osm.pbf "
            "(e.g. from Geofabrik's county extracts) and give its path."
        )
    speeds = dict(settings.ROAD_SPEED_KPH if speeds is None else speeds)
    bad = {k: v for k, v in speeds.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValidationError(f"road speeds must be positive km/h; got {bad}")
    sha = _sha256(pbf)
    key = hashlib.sha256((sha + json.dumps(sorted(speeds.items()))).encode("utf-8")).hexdigest()[
        :16
    ]
    source = {
        "file": pbf.name,
        "bytes": pbf.stat().st_size,
        "sha256": sha,
        "speeds_kph": speeds,
        "attribution": settings.OSM_ATTRIBUTION,
        "licence": "Open Database Licence (ODbL) 1.0",
    }
    cached = Path(cache_dir) / f"{pbf.name.split('.')[0]}-{key}.npz" if cache_dir else None
    if cached is not None and cached.exists():
        z = np.load(cached)
        graph = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return RoadNetwork(z["x"], z["y"], graph, z["main"], {**source, "cached": True})

    import pyrosm
    from pyproj import Transformer

    osm = pyrosm.OSM(str(pbf))
    got = osm.get_network(network_type="driving", nodes=True)
    if got is None or got[1] is None or not len(got[1]):
        raise ValidationError(f"{pbf.name} holds no drivable road; is it an OpenStreetMap extract?")
    nodes, edges = got
    edges = edges[edges["highway"].isin(list(speeds))].reset_index(drop=True)
    if not len(edges):
        raise ValidationError(f"{pbf.name} has no road of the classes {sorted(speeds)}")
    ids = nodes["id"].to_numpy(dtype=np.int64)
    position = pd.Series(np.arange(len(ids)), index=ids)
    u = position.reindex(edges["u"].to_numpy(dtype=np.int64)).to_numpy()
    v = position.reindex(edges["v"].to_numpy(dtype=np.int64)).to_numpy()
    ok = ~(np.isnan(u) | np.isnan(v))
    edges, u, v = edges[ok], u[ok].astype(np.int64), v[ok].astype(np.int64)
    kph = edges["highway"].map(speeds).to_numpy(dtype=float)
    if "maxspeed" in edges:
        tagged = _maxspeed_kph(edges["maxspeed"])
        kph = np.where(np.isfinite(tagged) & (tagged < kph) & (tagged > 0), tagged, kph)
    seconds = edges["length"].to_numpy(dtype=float) / (kph / 3.6)
    forward, backward = _directions(edges)
    rows = np.concatenate([u[forward], v[backward]])
    cols = np.concatenate([v[forward], u[backward]])
    secs = np.concatenate([seconds[forward], seconds[backward]])
    # Parallel segments keep the fastest: sort by time and keep the first of each pair.
    order = np.lexsort((secs, cols, rows))
    rows, cols, secs = rows[order], cols[order], secs[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    n = len(ids)
    # A zero-length segment would vanish from a sparse graph: give it a millisecond.
    graph = csr_matrix((np.maximum(secs[first], 1e-3), (rows[first], cols[first])), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    main = labels == np.bincount(labels).argmax()
    to_bng = Transformer.from_crs(settings.CRS_WGS84, settings.CRS_BNG, always_xy=True)
    x, y = to_bng.transform(nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(float))
    net = RoadNetwork(np.asarray(x), np.asarray(y), graph, main, source)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            cached, x=net.x, y=net.y, main=main, data=graph.data, indices=graph.indices,
            indptr=graph.indptr, shape=np.asarray(graph.shape),
        )  # fmt: skip
    return net


def _access_seconds(snap_m: np.ndarray) -> np.ndarray:
    """Seconds from a point to its snapped node: straight line x circuity, residential speed."""
    kph = settings.ROAD_SPEED_KPH.get("residential", 25.0)
    return snap_m * settings.ROAD_CIRCUITY / (kph / 3.6)


def _points(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    need = {"id", "x", "y"}
    if not need <= set(frame.columns):
        raise ValidationError(f"{what} need columns id, x, y (British National Grid metres)")
    out = frame[["id", "x", "y"]].copy()
    out["id"] = out["id"].astype(str)
    out = out.drop_duplicates("id").reset_index(drop=True)
    if not np.isfinite(out[["x", "y"]].to_numpy(dtype=float)).all():
        raise ValidationError(f"{what} need finite x and y")
    return out


def build_matrix(
    network: RoadNetwork,
    origins: pd.DataFrame,
    destinations: pd.DataFrame | None = None,
    *,
    cutoff_minutes: float | None = None,
    traffic_factor: float | None = None,
) -> pd.DataFrame:
    """Drive times from every origin to every destination within the cut-off.

    Parameters
    ----------
    network
        From :func:`read_network`.
    origins, destinations
        Points with ``id``, ``x``, ``y`` (BNG metres). Destinations default to the origins.
    cutoff_minutes
        Routing stops here (default :data:`lotdesign.settings.ROAD_CUTOFF_MINUTES`); pairs
        farther apart are left out and count as beyond it.
    traffic_factor
        Multiplier on free-flow times (default :data:`lotdesign.settings.ROAD_TRAFFIC_FACTOR`).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``minutes``; ``attrs`` hold ``cutoff_minutes``,
        ``points`` (every id routed), ``attribution``, ``source`` (the extract) and
        ``snap_m`` (median and largest distance from a point to its road node).
    """
    cutoff = settings.ROAD_CUTOFF_MINUTES if cutoff_minutes is None else float(cutoff_minutes)
    factor = settings.ROAD_TRAFFIC_FACTOR if traffic_factor is None else float(traffic_factor)
    if not (cutoff > 0 and factor > 0):
        raise ValidationError("cutoff_minutes and traffic_factor must be positive")
    o = _points(origins, "origins")
    d = o if destinations is None else _points(destinations, "destinations")
    o_node, o_snap = network.snap(o["x"].to_numpy(float), o["y"].to_numpy(float))
    d_node, d_snap = network.snap(d["x"].to_numpy(float), d["y"].to_numpy(float))
    o_acc, d_acc = _access_seconds(o_snap), _access_seconds(d_snap)
    limit_s = cutoff * 60.0 / factor
    # Destinations by node, so one row of distances serves every point on that node.
    d_order = np.argsort(d_node, kind="stable")
    src_nodes, src_of = np.unique(o_node, return_inverse=True)
    # Origins by source node: several points (a sector and its postcodes) share a node.
    by_src = np.argsort(src_of, kind="stable")
    src_start = np.searchsorted(src_of[by_src], np.arange(len(src_nodes) + 1))
    chunk = max(1, _ROW_BUDGET // max(network.n_nodes, 1))
    parts_o, parts_d, parts_t = [], [], []
    for start in range(0, len(src_nodes), chunk):
        block = src_nodes[start : start + chunk]
        dist = dijkstra(network.graph, directed=True, indices=block, limit=limit_s)
        at = dist[:, d_node[d_order]]  # (block, destinations in d_order)
        for bi in range(len(block)):
            for oi in by_src[src_start[start + bi] : src_start[start + bi + 1]].tolist():
                total = o_acc[oi] + at[bi] + d_acc[d_order]
                hit = np.flatnonzero(np.isfinite(total) & (total <= limit_s))
                parts_o.append(np.full(len(hit), oi))
                parts_d.append(d_order[hit])
                parts_t.append(total[hit] * factor / 60.0)
    oi = np.concatenate(parts_o) if parts_o else np.empty(0, np.int64)
    di = np.concatenate(parts_d) if parts_d else np.empty(0, np.int64)
    mins = np.concatenate(parts_t) if parts_t else np.empty(0)
    out = pd.DataFrame(
        {
            "origin": o["id"].to_numpy()[oi],
            "destination": d["id"].to_numpy()[di],
            "minutes": np.round(mins, 3),
        }
    )
    # A point to itself is no drive at all (the access legs are there and back).
    out.loc[out["origin"] == out["destination"], "minutes"] = 0.0
    snaps = np.concatenate([o_snap, d_snap])
    out.attrs.update(
        {
            "cutoff_minutes": cutoff,
            "traffic_factor": factor,
            "points": sorted(set(o["id"]) | set(d["id"])),
            "origins": len(o),
            "destinations": len(d),
            "attribution": settings.OSM_ATTRIBUTION,
            "source": dict(network.source),
            "snap_m": {
                "median": float(np.median(snaps)) if len(snaps) else 0.0,
                "max": float(snaps.max()) if len(snaps) else 0.0,
            },
        }
    )
    return out


def matrix_points(
    units: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    centres: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Origins (unit points, the candidate centres) and destinations (units and postcodes).

    Parameters
    ----------
    units
        Demand units (``unit_id``, ``x``, ``y``).
    customers
        Customers with ``postcode``, ``easting``, ``northing``: each distinct postcode is a
        destination, so the reach to every customer can be checked.
    centres
        Fixed centres that are not units (e.g. GP practices, as given to
        :func:`lotdesign.lots.design`): ``x``, ``y`` (BNG metres) or point geometry, and
        ``name``; routed as origins under the ids the engine gives them (``name``, else
        ``C01``, ``C02`` … in row order), so they are on the roads too, not on the straight
        line.
    """
    units_origins = pd.DataFrame(
        {"id": units["unit_id"].astype(str), "x": units["x"], "y": units["y"]}
    ).reset_index(drop=True)
    origins = units_origins
    if centres is not None:
        fixed = _centre_origins(centres)
        clash = sorted(set(fixed["id"]) & set(units_origins["id"]))
        if clash:
            raise ValidationError(
                f"fixed centre names {clash[:3]} are also unit ids; give the centres other names"
            )
        origins = pd.concat([units_origins, fixed], ignore_index=True)
    dests = [units_origins]
    if customers is not None and len(customers):
        pts = customers.dropna(subset=["postcode", "easting", "northing"])
        dests.append(
            pd.DataFrame(
                {"id": pts["postcode"].astype(str), "x": pts["easting"], "y": pts["northing"]}
            ).drop_duplicates("id")
        )
    return origins, pd.concat(dests, ignore_index=True).drop_duplicates("id")


def _centre_origins(centres: pd.DataFrame) -> pd.DataFrame:
    """Fixed centres as ``id``, ``x``, ``y`` rows, named as the engine names them."""
    if not isinstance(centres, pd.DataFrame) or not len(centres):
        raise ValidationError("centres must be a non-empty (Geo)DataFrame of points")
    if {"x", "y"} <= set(centres.columns):
        x = pd.to_numeric(centres["x"], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(centres["y"], errors="coerce").to_numpy(dtype=float)
    elif isinstance(centres, gpd.GeoDataFrame):
        pts = centres.to_crs(settings.CRS_BNG) if centres.crs is not None else centres
        x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    else:
        raise ValidationError("centres need x and y columns (BNG metres) or point geometry")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValidationError("every fixed centre needs a location (x, y)")
    names = (
        centres["name"].astype(str).to_numpy()
        if "name" in centres.columns
        else np.array([f"C{i + 1:02d}" for i in range(len(centres))])
    )
    return pd.DataFrame({"id": names, "x": x, "y": y})


def write_matrix(matrix: pd.DataFrame, path: str | Path) -> Path:
    """Write a matrix as CSV (``origin,destination,minutes``) and its JSON sidecar."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    matrix[["origin", "destination", "minutes"]].to_csv(path, index=False)
    meta = {k: v for k, v in matrix.attrs.items()}
    text = json.dumps(meta, indent=1, default=str, ensure_ascii=False)
    path.with_suffix(".json").write_text(text, "utf-8")
    return path


def read_matrix(path: str | Path) -> pd.DataFrame:
    """Read a matrix CSV; its sidecar (if any) becomes ``attrs`` (cut-off, points routed)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype={"origin": str, "destination": str})
    side = path.with_suffix(".json")
    if side.exists():
        frame.attrs.update(json.loads(side.read_text("utf-8")))
    return frame


def road_matrix(
    pbf: str | Path,
    units: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    out: str | Path | None = None,
    cutoff_minutes: float | None = None,
    cache_dir: str | Path | None = None,
    centres: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Road drive times for a run: unit to unit and unit to every customer's postcode.

    Cached: when ``out`` already holds a matrix built from the same extract, speeds, traffic
    factor, cut-off and points, it is read back instead of routed again.

    Parameters
    ----------
    pbf
        The OpenStreetMap extract.
    units, customers
        As for :func:`matrix_points`.
    out
        Where the matrix CSV (and its ``.json`` sidecar) goes; None: not written.
    cutoff_minutes
        As for :func:`build_matrix`.
    cache_dir
        Cache of the parsed network (default: ``out``'s folder).
    centres
        Fixed centres that are not units (see :func:`matrix_points`): routed from too, so a
        lot round a GP practice is measured on the roads.
    """
    origins, dests = matrix_points(units, customers, centres=centres)
    cutoff = settings.ROAD_CUTOFF_MINUTES if cutoff_minutes is None else float(cutoff_minutes)
    pbf = Path(pbf)
    digest = hashlib.sha256()
    for frame in (origins, dests):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    key = {
        "pbf_sha256": _sha256(pbf),
        "speeds_kph": dict(settings.ROAD_SPEED_KPH),
        "traffic_factor": settings.ROAD_TRAFFIC_FACTOR,
        "cutoff_minutes": cutoff,
        "points_sha256": digest.hexdigest(),
    }
    if out is not None:
        out = Path(out)
        side = out.with_suffix(".json")
        if out.exists() and side.exists():
            meta = json.loads(side.read_text("utf-8"))
            if meta.get("key") == key:
                return read_matrix(out)
    t0 = time.perf_counter()
    if cache_dir is None and out is not None:
        cache_dir = out.parent / "road_cache"
    network = read_network(pbf, cache_dir=cache_dir)
    matrix = build_matrix(network, origins, dests, cutoff_minutes=cutoff)
    matrix.attrs["key"] = key
    matrix.attrs["seconds"] = round(time.perf_counter() - t0, 2)
    matrix.attrs["network"] = {"nodes": network.n_nodes, "edges": network.n_edges}
    if out is not None:
        write_matrix(matrix, out)
    return matrix
