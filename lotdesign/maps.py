"""Maps of a lot design: self-contained offline HTML (folium) and static figures (matplotlib).

The HTML maps go by email to elected members and providers, so they must open with no network
and must never reveal a person:

- :func:`save_offline` inlines every script and stylesheet from the copies vendored in
  ``lotdesign/assets`` (see its ``manifest.json``) and raises on any external resource it has
  no copy of — folium's own ``Map.save`` loads Leaflet and jQuery from CDNs and opens blank
  offline;
- :func:`lots_map` passes folium only allow-listed columns (folium's ``GeoJson`` embeds every
  column of a frame in the page), with small counts suppressed by :mod:`lotdesign.disclosure`,
  and draws areas and organisations only, never a customer;
- without tiles the county outline is drawn so that the map reads on its own.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotdesign import settings
from lotdesign.disclosure import looks_personal, safe_frame, suppressed_label
from lotdesign.errors import ValidationError

__all__ = [
    "LOT_FIELDS",
    "TIER_COLOURS",
    "TIER_LABELS",
    "UNIT_FIELDS",
    "find_external_resources",
    "lots_map",
    "save_offline",
    "static_map",
]

#: Tier colours: the Okabe-Ito palette, distinguishable with the common colour-vision
#: deficiencies and in greyscale print.
TIER_COLOURS: dict[int, str] = {1: "#0072B2", 2: "#E69F00", 3: "#009E73", 4: "#CC79A7"}
TIER_LABELS: dict[int, str] = {
    1: "Tier 1 \u2013 lead-provider lots",
    2: "Tier 2 \u2013 rural zones",
    3: "Tier 3 \u2013 case-by-case purchase",
    4: "Tier 4 \u2013 reserve (DPS)",
}
#: The only lot columns a map may show, with their labels. Anything else in the frame is
#: dropped before folium sees it.
LOT_FIELDS: dict[str, str] = {
    "lot_id": "Lot",
    "lot_name": "Name",
    "tier": "Tier",
    "hours": "Weekly hours",
    "customers": "Customers",
    "care_workers": "Care workers needed",
    "radius_miles": "Radius (miles)",
    "cost_per_customer_week_now": "Cost per customer-week, now",
    "cost_per_customer_week_proposed": "Cost per customer-week, proposed",
    "passes": "Meets every rule",
    "pass_fail": "Rules",
    "rag": "RAG",
}
#: The only unit columns a map may show.
UNIT_FIELDS: dict[str, str] = {
    "unit_id": "Unit",
    "unit_name": "Name",
    "lot_id": "Lot",
    "tier": "Tier",
    "hours": "Weekly hours",
    "customers": "Customers",
}
# Organisation-name columns looked for, in order, on practice and office frames.
_ORG_NAME_COLUMNS = ("name", "practice_name", "office_name", "provider_name", "organisation")
# Columns whose money values are rates per customer: blanked with a suppressed denominator.
_RATES = {
    "cost_per_customer_week_now": "customers",
    "cost_per_customer_week_proposed": "customers",
}
_MISSING = "\u2013"


# --- Vendored assets -----------------------------------------------------------------------

# Assets folium's Map lists by default that a Leaflet map of polygons and circle markers never
# uses: Bootstrap (styles folium's own controls don't need) and Awesome Markers with its icon
# fonts (only for folium.Icon markers). They are dropped rather than vendored; a page that
# does use Awesome Markers raises in save_offline.
_UNUSED_FOLIUM_ASSETS = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


@cache
def _assets() -> dict[str, dict[str, Any]]:
    """The vendored assets by URL, their text read and checked against the manifest."""
    root = files("lotdesign") / "assets"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    by_url: dict[str, dict[str, Any]] = {}
    for asset in manifest["assets"]:
        data = (root / asset["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != asset["sha256"]:
            raise ValidationError(
                f"Vendored asset {asset['file']} does not match its sha256 in "
                "lotdesign/assets/manifest.json; restore it from the package named there."
            )
        text = data.decode("utf-8")
        # The licences ask for their notice to travel with every copy, so each inlined file
        # carries its licence text in a comment.
        licence = (root / asset["licence_file"]).read_text(encoding="utf-8").strip()
        if "*/" in licence:
            raise ValidationError(f"{asset['licence_file']} cannot go in a comment.")
        notice = (
            f"/*! {asset['package']} {asset['version']} ({asset['licence']}), "
            f"vendored by lotdesign:\n{licence}\n*/"
        )
        images = {}
        for ref, image in asset.get("images", {}).items():
            raw = (root / image["file"]).read_bytes()
            if hashlib.sha256(raw).hexdigest() != image["sha256"]:
                raise ValidationError(f"Vendored image {image['file']} does not match its sha256.")
            images[ref] = "data:image/png;base64," + base64.b64encode(raw).decode("ascii")
        entry = {**asset, "text": text, "notice": notice, "data_uris": images}
        for url in asset["urls"]:
            by_url[url] = entry
    return by_url


_SOURCE_MAP = re.compile(r"^[ \t]*//# sourceMappingURL=.*$|/\*# sourceMappingURL=.*?\*/", re.M)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _inline_css(asset: Mapping[str, Any]) -> str:
    def data_uri(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if ref not in asset["data_uris"]:
            raise ValidationError(
                f"Stylesheet {asset['file']} refers to {ref!r}, which is not vendored; add it "
                "to the asset's 'images' in lotdesign/assets/manifest.json."
            )
        return f'url("{asset["data_uris"][ref]}")'

    css = _CSS_URL.sub(data_uri, _SOURCE_MAP.sub("", asset["text"]))
    if "@import" in css:
        raise ValidationError(f"Stylesheet {asset['file']} imports another; vendor it too.")
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)


def _leaflet_icon_shim(css_asset: Mapping[str, Any]) -> str:
    """Point Leaflet's default marker icon at the inlined images: Leaflet finds its image
    folder from the stylesheet's URL, which no longer exists once the CSS is inlined."""
    uris = css_asset["data_uris"]
    options = {
        "iconUrl": uris["images/marker-icon.png"],
        "iconRetinaUrl": uris["images/marker-icon-2x.png"],
        "shadowUrl": uris["images/marker-shadow.png"],
    }
    return (
        f"L.Icon.Default.mergeOptions({json.dumps(options)});\n"
        "L.Icon.Default.prototype._getIconUrl = L.Icon.prototype._getIconUrl;"
    )


_SCRIPT_SRC = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(['"])(?P<url>[^'"]+)\1[^>]*>\s*</script\s*>""", re.I
)
_LINK_HREF = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*(['"])(?P<url>[^'"]+)\1[^>]*>""", re.I)


class _ResourceFinder(HTMLParser):
    """Collect every URL a page would fetch or link to: src/href attributes and CSS url()."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value and name in ("src", "href", "xlink:href", "data", "poster", "srcset"):
                self.urls.append(value.strip())
            elif value and name == "style":
                self.urls.extend(m.group(2) for m in _CSS_URL.finditer(value))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls.extend(m.group(2) for m in _CSS_URL.finditer(data))
            self.urls.extend(re.findall(r"@import\s+['\"]?([^'\";\s]+)", data))


def find_external_resources(page: str) -> list[str]:
    """List the URLs in an HTML page that point outside it.

    Every ``src``/``href`` attribute (of any element, including plain links) and every CSS
    ``url()``/``@import`` counts unless it is a ``data:`` URI, a ``#fragment`` or a
    ``javascript:`` call. Script bodies are not parsed: strings inside them that build URLs at
    run time (Leaflet's attribution link, a tile layer's template) are not resources of the
    page.

    Parameters
    ----------
    page
        The HTML text.

    Returns
    -------
    list of str
        The offending URLs, in document order, without repeats.
    """
    finder = _ResourceFinder()
    finder.feed(page)
    finder.close()
    external = [
        url
        for url in finder.urls
        if url and not url.lower().startswith(("data:", "#", "javascript:", "about:blank"))
    ]
    return list(dict.fromkeys(external))


def _strip_unused_assets(fmap: Any) -> dict[str, Any]:
    """Drop folium's unused default assets from a map (undone by the caller)."""
    saved = {k: fmap.__dict__[k] for k in ("default_js", "default_css") if k in fmap.__dict__}
    fmap.default_js = [a for a in fmap.default_js if a[0] not in _UNUSED_FOLIUM_ASSETS]
    fmap.default_css = [a for a in fmap.default_css if a[0] not in _UNUSED_FOLIUM_ASSETS]
    # A map rendered before (e.g. shown in a notebook) already holds the links in its header.
    header = fmap.get_root().header
    for name in _UNUSED_FOLIUM_ASSETS:
        header._children.pop(name, None)
    return saved


def _inline_assets(page: str) -> str:
    assets = _assets()
    css_asset = next(a for a in assets.values() if a["name"] == "leaflet_css")
    unknown: list[str] = []

    def script(match: re.Match[str]) -> str:
        url = match.group("url")
        if url not in assets:
            unknown.append(url)
            return match.group(0)
        asset = assets[url]
        code = re.sub(r"</(script)", r"<\\/\1", _SOURCE_MAP.sub("", asset["text"]), flags=re.I)
        tag = f'<script data-vendored="{asset["file"]}">\n{asset["notice"]}\n{code}\n</script>'
        if asset["name"] == "leaflet":
            tag += f"\n<script>\n{_leaflet_icon_shim(css_asset)}\n</script>"
        return tag

    def stylesheet(match: re.Match[str]) -> str:
        url = match.group("url")
        if url not in assets:
            unknown.append(url)
            return match.group(0)
        asset = assets[url]
        css = _inline_css(asset)
        return f'<style data-vendored="{asset["file"]}">\n{asset["notice"]}\n{css}\n</style>'

    page = _SCRIPT_SRC.sub(script, page)
    page = _LINK_HREF.sub(stylesheet, page)
    if unknown:
        raise ValidationError(
            f"The map loads {unknown}, which lotdesign has no offline copy of, so it would "
            "open broken without a network. Vendor the file in lotdesign/assets (with its "
            "licence, listed in manifest.json) or leave out the map element that needs it."
        )
    return page


_ELEMENT_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9A-Za-z])")


def _stable_names(page: str) -> str:
    """Replace folium's random element IDs with counters, so that the same map gives the
    same file (reviewable diffs, reproducible runs)."""
    numbers: dict[str, str] = {}
    return _ELEMENT_ID.sub(lambda m: numbers.setdefault(m.group(0), f"{len(numbers):04d}"), page)


def save_offline(fmap: Any, path: str | Path) -> Path:
    """Save a folium map as one self-contained HTML file that opens with no network.

    Every script and stylesheet is inlined from ``lotdesign/assets`` (checked against the
    sha256 sums in its manifest); folium's default Bootstrap and Awesome Markers files, which
    a map without icon markers never uses, are left out.

    Parameters
    ----------
    fmap
        A ``folium.Map`` (from :func:`lots_map` or elsewhere).
    path
        Where to write the ``.html`` file; its folder is created.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValidationError
        If the page needs an external script or stylesheet with no vendored copy (the message
        names it), uses folium.Icon (Awesome Markers) icons, or still refers to an external
        resource after inlining.
    """
    import folium

    if not isinstance(fmap, folium.Map):
        raise ValidationError(f"save_offline needs a folium.Map, got {type(fmap).__name__}.")
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise ValidationError(f"Save the map as .html, not {target.name!r}.")
    saved = _strip_unused_assets(fmap)
    try:
        page = fmap.get_root().render()
    finally:
        for key in ("default_js", "default_css"):
            if key in saved:
                setattr(fmap, key, saved[key])
            else:
                fmap.__dict__.pop(key, None)
    if "L.AwesomeMarkers" in page:
        raise ValidationError(
            "The map uses folium.Icon markers, which need Awesome Markers and icon fonts that "
            "lotdesign does not vendor; use folium.CircleMarker or folium.DivIcon instead."
        )
    page = _inline_assets(_stable_names(page))
    leftover = find_external_resources(page)
    if leftover:
        raise ValidationError(
            f"The map still refers to external resources {leftover[:5]} after inlining; it "
            "would not open offline. Remove the elements that load them."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    size = target.stat().st_size
    if size > settings.MAP_MAX_BYTES:
        warnings.warn(
            f"{target.name} is {size / 1e6:.1f} MB, over settings.MAP_MAX_BYTES "
            f"({settings.MAP_MAX_BYTES / 1e6:.1f} MB): too big to email comfortably. Use "
            "coarser units or a larger simplify_tolerance.",
            UserWarning,
            stacklevel=2,
        )
    return target


# --- Input checks --------------------------------------------------------------------------


def _to_bng(frame: Any, what: str, *, geom_types: Sequence[str]) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}.")
    if frame.crs is None:
        raise ValidationError(
            f"{what} has no CRS; set it (e.g. frame.set_crs('{settings.CRS_BNG}')) first."
        )
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bad = sorted(set(frame.geom_type) - set(geom_types))
    if bad:
        raise ValidationError(f"{what} must hold {' or '.join(geom_types)} geometries, not {bad}.")
    return frame.to_crs(settings.CRS_BNG)


def _check_tiers(frame: pd.DataFrame, what: str) -> pd.Series:
    tiers = pd.to_numeric(frame["tier"], errors="coerce")
    bad = ~tiers.isin(list(TIER_COLOURS))
    if bad.any():
        examples = frame.loc[bad, "tier"].head(3).tolist()
        raise ValidationError(f"{what} tier must be 1, 2, 3 or 4; found {examples}.")
    return tiers.astype(int)


def _refuse_people(frame: pd.DataFrame, what: str) -> None:
    """Practices and offices are organisations: a frame with person identifiers is a mistake."""
    people = [c for c in frame.columns if looks_personal(str(c)) == "a person identifier"]
    if people:
        raise ValidationError(
            f"{what} has person identifier columns {people}: maps show organisations and "
            "areas, never customers. Pass GP practices or provider offices only."
        )


def _simplify_coverage(geoms: gpd.GeoSeries, tolerance: float, what: str) -> np.ndarray:
    """Simplify polygons that tile an area without opening gaps between neighbours.

    ``shapely.coverage_simplify`` simplifies each shared edge once, so neighbours stay edge to
    edge; it needs a valid coverage (shared edges with identical vertices). Boundary files
    usually are one; lots dissolved from units may be off by floating-point noise, which
    ``shapely.coverage_clean`` (shapely >= 2.2) repairs.
    """
    values = geoms.to_numpy()
    if tolerance <= 0 or len(values) == 0:
        return values
    if not shapely.coverage_is_valid(values):
        if hasattr(shapely, "coverage_clean"):
            values = shapely.coverage_clean(values)
        if not shapely.coverage_is_valid(values):
            warnings.warn(
                f"{what} polygons overlap or their shared edges do not match, so small gaps "
                "may show between them on the map.",
                UserWarning,
                stacklevel=3,
            )
    return shapely.coverage_simplify(values, tolerance)


def _with_geometry(frame: gpd.GeoDataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
    """A copy of a frame, index reset, with new geometries in place of its own."""
    frame = frame.reset_index(drop=True)
    return gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name), geometry=gpd.GeoSeries(geoms, crs=frame.crs)
    )


def _county(
    lots: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, outline: gpd.GeoDataFrame | None
) -> Any:
    """The county as one shape: the outline given, else the outer edge of lots and units."""
    if outline is not None:
        outline = _to_bng(outline, "outline", geom_types=("Polygon", "MultiPolygon"))
        if outline.empty:
            raise ValidationError("outline has no polygon.")
        return shapely.union_all(outline.geometry.to_numpy())
    parts = [lots.geometry.to_numpy()]
    if units is not None:
        parts.append(units.geometry.to_numpy())
    return shapely.union_all(np.concatenate(parts))


def _web_geoms(geoms: np.ndarray, crs: Any) -> gpd.GeoSeries:
    web = gpd.GeoSeries(geoms, crs=crs).to_crs(settings.CRS_WGS84)
    grid = settings.MAP_COORDINATE_PRECISION_DEG
    return gpd.GeoSeries(shapely.set_precision(web.to_numpy(), grid, mode="pointwise"), crs=web.crs)


# --- Formatting of shared figures ------------------------------------------------------------


def _fmt_number(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return _MISSING
    if isinstance(value, str):
        return value
    return pattern.format(value)


def _display(frame: pd.DataFrame, max_count: int) -> pd.DataFrame:
    """Shared values as display text: the page never holds a raw figure to be re-derived."""
    label = suppressed_label(max_count)
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in ("customers", "hours"):
            out[column] = [_fmt_number(v, "{:,.0f}") for v in values]
        elif column in ("care_workers", "radius_miles"):
            out[column] = [_fmt_number(v, "{:,.1f}") for v in values]
        elif column in _RATES:
            denominator = frame.get(_RATES[column])
            suppressed = (
                np.asarray([d == label for d in denominator])
                if denominator is not None
                else np.zeros(len(frame), bool)
            )
            out[column] = [
                f"suppressed ({label} customers)" if s else _fmt_number(v, "\u00a3{:,.2f}")
                for v, s in zip(values, suppressed, strict=True)
            ]
        elif column == "passes":
            out[column] = [_MISSING if pd.isna(v) else ("Yes" if bool(v) else "No") for v in values]
        else:
            out[column] = [_MISSING if v is None or v is pd.NA else str(v) for v in values]
    return out


def _shared_properties(
    frame: gpd.GeoDataFrame, fields: Mapping[str, str], max_count: int
) -> pd.DataFrame:
    renamed = frame
    if "name" in frame.columns:
        # The contract's "name" on lots and units is the area's name, not a person's.
        target = "lot_name" if "lot_name" in fields else "unit_name"
        if target not in frame.columns:
            renamed = frame.rename(columns={"name": target})
    present = [c for c in fields if c in renamed.columns]
    rates = {r: d for r, d in _RATES.items() if r in present and d in renamed.columns}
    missing_denominator = [r for r in _RATES if r in present and r not in rates]
    if missing_denominator:
        raise ValidationError(
            f"Columns {missing_denominator} are rates per customer, but the frame has no "
            "'customers' column to tell whether they rest on a small count; add it."
        )
    shared = safe_frame(
        pd.DataFrame(renamed.drop(columns=renamed.geometry.name)),
        present,
        rates=rates,
        max_count=max_count,
    )
    return _display(shared, max_count)


# --- The interactive map ---------------------------------------------------------------------


def _feature_collection(props: pd.DataFrame, geoms: gpd.GeoSeries) -> dict[str, Any]:
    frame = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=geoms.reset_index(drop=True))
    return frame.to_geo_dict(drop_id=True)


def _legend_html(
    tiers: Mapping[int, int], *, title: str, synthetic: bool, max_count: int, has_units: bool
) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'vertical-align:middle;background:{TIER_COLOURS[t]};opacity:.8;border:1px solid #333">'
        f"</span>{html.escape(TIER_LABELS[t])} ({n})</div>"
        for t, n in sorted(tiers.items())
    )
    note = (
        f"Counts of 1 to {max_count} people are shown as "
        f"\u201c{html.escape(suppressed_label(max_count))}\u201d."
    )
    units_note = (
        "<div>Thin lines: demand units (turn on in the layer list).</div>" if has_units else ""
    )
    synthetic_banner = (
        '<div class="lotdesign-synthetic" style="position:fixed;top:58px;left:50%;'
        "transform:translateX(-50%);z-index:1001;background:#b00020;color:#fff;"
        "font:bold 20px/1.2 Arial,sans-serif;padding:6px 18px;border-radius:4px;"
        'letter-spacing:2px;box-shadow:0 1px 4px rgba(0,0,0,.4)">SYNTHETIC DATA \u2013 '
        "not real people</div>"
        if synthetic
        else ""
    )
    return (
        '<div class="lotdesign-title" style="position:fixed;top:10px;left:50%;'
        "transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);"
        "font:bold 18px/1.3 Arial,sans-serif;padding:6px 14px;border-radius:4px;"
        f'box-shadow:0 1px 4px rgba(0,0,0,.3)">{html.escape(title)}</div>'
        f"{synthetic_banner}"
        '<div class="lotdesign-legend" style="position:fixed;bottom:24px;right:10px;'
        "z-index:1000;background:rgba(255,255,255,.94);font:13px/1.6 Arial,sans-serif;"
        'padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:320px">'
        f'<div style="font-weight:bold">Lots by tier</div>{rows}{units_note}'
        f'<div style="margin-top:4px;color:#444;font-size:12px">{note}</div></div>'
    )


def _points_layer(
    frame: gpd.GeoDataFrame | None, *, what: str, label: str, colour: str, fmap: Any
) -> None:
    import folium

    if frame is None:
        return
    _refuse_people(frame, what)
    points = _to_bng(frame, what, geom_types=("Point",))
    if points.empty:
        return
    name_column = next((c for c in _ORG_NAME_COLUMNS if c in points.columns), None)
    field = "organisation"
    names = (
        points[name_column].astype("string").fillna(_MISSING)
        if name_column
        else pd.Series(label, index=points.index)
    )
    props = pd.DataFrame({field: names.to_numpy()})
    web = _web_geoms(points.geometry.to_numpy(), points.crs)
    folium.GeoJson(
        _feature_collection(props, web),
        name=f"{label}s ({len(points)})",
        marker=folium.CircleMarker(
            radius=4, color="#222", weight=1, fill=True, fill_color=colour, fill_opacity=0.95
        ),
        tooltip=folium.GeoJsonTooltip(fields=[field], aliases=[label], localize=False),
        show=True,
    ).add_to(fmap)


def lots_map(
    lots: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    outline: gpd.GeoDataFrame | None = None,
    practices: gpd.GeoDataFrame | None = None,
    offices: gpd.GeoDataFrame | None = None,
    title: str = "Proposed home-care lots",
    synthetic: bool = False,
    path: str | Path | None = None,
    tiles: bool = False,
    simplify_tolerance: float = settings.MAP_SIMPLIFY_TOLERANCE_M,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
) -> Any:
    """Draw a lot design as an interactive map that is safe to email and opens offline.

    Lots are coloured by tier, with a legend and a layer control (one layer per tier, lot
    labels, demand units, GP practices, provider offices, county outline). Hovering over a lot
    shows its figures; clicking pins them. Only the columns in :data:`LOT_FIELDS` and
    :data:`UNIT_FIELDS` reach the page, as text, with counts of 1 to ``max_count`` customers
    suppressed and costs per customer-week blanked where the customer count is suppressed.
    No customer is ever drawn.

    Parameters
    ----------
    lots
        One row per lot (Polygon or MultiPolygon, any projected or geographic CRS; worked in
        British National Grid) with ``lot_id`` and ``tier`` (1-4), plus any of the figure
        columns of :data:`LOT_FIELDS` (``hours``, ``customers``, ``care_workers``,
        ``radius_miles``, ``cost_per_customer_week_now``, ``cost_per_customer_week_proposed``,
        ``passes``/``pass_fail``/``rag``, ``lot_name`` or ``name``). Other columns are ignored.
    units
        Demand units with ``unit_id``, ``lot_id``, ``tier`` and polygons (rows without a
        polygon are skipped); off by default in the layer control.
    outline
        County outline polygon(s). Default: the outer edge of the lots and units.
    practices, offices
        GP practices and provider offices (Points); only their name (column ``name``,
        ``practice_name``, ``office_name``, ``provider_name`` or ``organisation``) is shown.
    title
        Shown at the top of the map and as the page title.
    synthetic
        Show a "SYNTHETIC DATA" banner (use for demo data).
    path
        If given, also save with :func:`save_offline`.
    tiles
        Add an OpenStreetMap base layer. It needs a network, so it is off by default.
    simplify_tolerance
        Tolerance (metres) for ``shapely.coverage_simplify`` on the lot and unit coverages.
    max_count
        Largest count of people suppressed.

    Returns
    -------
    folium.Map

    Raises
    ------
    ValidationError
        On missing columns, bad tiers, duplicate lot IDs, non-polygon lots, frames without a
        CRS, or practice/office frames that hold person identifiers.
    """
    import folium

    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title must be a non-empty string.")
    if simplify_tolerance < 0:
        raise ValidationError(f"simplify_tolerance must be 0 or more, got {simplify_tolerance}.")
    lots = _to_bng(lots, "lots", geom_types=("Polygon", "MultiPolygon"))
    missing = [c for c in ("lot_id", "tier") if c not in lots.columns]
    if missing:
        raise ValidationError(f"lots needs columns {missing}; it has {list(lots.columns)}.")
    if lots.empty:
        raise ValidationError("lots has no lot with a polygon to draw.")
    if lots["lot_id"].duplicated().any():
        dupes = lots.loc[lots["lot_id"].duplicated(), "lot_id"].head(3).tolist()
        raise ValidationError(f"lot_id must be unique; repeated: {dupes}.")
    lots = lots.assign(tier=_check_tiers(lots, "lots")).reset_index(drop=True)

    if units is not None:
        units = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
        missing = [c for c in ("unit_id", "lot_id", "tier") if c not in units.columns]
        if missing:
            raise ValidationError(f"units needs columns {missing}; it has {list(units.columns)}.")
        units = units.assign(tier=_check_tiers(units, "units")).reset_index(drop=True)

    county = _county(lots, units, outline)
    county = shapely.simplify(county, simplify_tolerance, preserve_topology=True)

    lot_geoms = _web_geoms(_simplify_coverage(lots.geometry, simplify_tolerance, "Lot"), lots.crs)
    lot_props = _shared_properties(lots, LOT_FIELDS, max_count)
    aliases = [LOT_FIELDS[c] for c in lot_props.columns]

    county_web = _web_geoms(np.array([county]), lots.crs)
    west, south, east, north = county_web.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        attribution_control=tiles,
        # Fractional zoom lets a county fill the window rather than the next power of two.
        zoom_snap=0.25,
    )
    fmap.get_root().title = title
    fmap.get_root().header.add_child(
        folium.Element(
            "<style>.leaflet-container{background:#dfe6ec;font-family:Arial,sans-serif}"
            ".leaflet-tooltip,.leaflet-popup-content{font-size:13px}</style>"
        ),
        name="lotdesign_style",
    )
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap (needs internet)", overlay=False
        ).add_to(fmap)

    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": county_web.iloc[0].__geo_interface__},
        name="County outline",
        style_function=lambda _f: {
            "color": "#333333",
            "weight": 2,
            "fillColor": "#ffffff",
            "fillOpacity": 0.0 if tiles else 1.0,
        },
        interactive=False,
        control=True,
    ).add_to(fmap)

    tier_counts = lots["tier"].value_counts().to_dict()
    for tier in sorted(tier_counts):
        members = (lots["tier"] == tier).to_numpy()
        colour = TIER_COLOURS[tier]
        swatch = (
            f'<span style="display:inline-block;width:10px;height:10px;background:{colour};'
            'margin-right:4px"></span>'
        )
        folium.GeoJson(
            _feature_collection(lot_props[members], lot_geoms[members]),
            name=f"{swatch}{html.escape(TIER_LABELS[tier])} ({tier_counts[tier]})",
            style_function=lambda _f, c=colour: {
                "color": "#ffffff",
                "weight": 1.5,
                "fillColor": c,
                "fillOpacity": 0.6,
            },
            highlight_function=lambda _f: {"weight": 3, "color": "#000000", "fillOpacity": 0.75},
            tooltip=folium.GeoJsonTooltip(
                fields=list(lot_props.columns), aliases=aliases, localize=False, sticky=True
            ),
            popup=folium.GeoJsonPopup(
                fields=list(lot_props.columns), aliases=aliases, localize=False
            ),
        ).add_to(fmap)

    labels = folium.FeatureGroup(name="Lot labels", show=len(lots) <= 60)
    points = _web_geoms(shapely.point_on_surface(lots.geometry.to_numpy()), lots.crs)
    for lot_id, point in zip(lot_props["lot_id"], points, strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=(
                    '<div style="font:bold 11px Arial,sans-serif;color:#111;white-space:nowrap;'
                    "text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%);"
                    f'display:inline-block">{html.escape(lot_id)}</div>'
                ),
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(labels)
    labels.add_to(fmap)

    if units is not None and not units.empty:
        unit_geoms = _web_geoms(
            _simplify_coverage(units.geometry, simplify_tolerance, "Unit"), units.crs
        )
        unit_props = _shared_properties(units, UNIT_FIELDS, max_count)
        folium.GeoJson(
            _feature_collection(unit_props, unit_geoms),
            name=f"Demand units ({len(units)})",
            style_function=lambda f: {
                "color": "#555555",
                "weight": 0.8,
                "fillColor": TIER_COLOURS.get(int(f["properties"].get("tier", 3)), "#999"),
                "fillOpacity": 0.25,
            },
            highlight_function=lambda _f: {"weight": 2, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(
                fields=list(unit_props.columns),
                aliases=[UNIT_FIELDS[c] for c in unit_props.columns],
                localize=False,
                sticky=True,
            ),
            show=False,
        ).add_to(fmap)

    _points_layer(practices, what="practices", label="GP practice", colour="#ffffff", fmap=fmap)
    _points_layer(offices, what="offices", label="Provider office", colour="#f0e442", fmap=fmap)

    fmap.get_root().html.add_child(
        folium.Element(
            _legend_html(
                tier_counts,
                title=title,
                synthetic=synthetic,
                max_count=max_count,
                has_units=units is not None and not units.empty,
            )
        )
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    # Keep the county clear of the title above it.
    fmap.fit_bounds([[south, west], [north, east]], padding_top_left=(10, 70))
    if path is not None:
        save_offline(fmap, path)
    return fmap


# --- The static map --------------------------------------------------------------------------


def static_map(
    lots: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    path: str | Path,
    outline: gpd.GeoDataFrame | None = None,
    practices: gpd.GeoDataFrame | None = None,
    offices: gpd.GeoDataFrame | None = None,
    title: str = "Proposed home-care lots",
    synthetic: bool = False,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
    label_lots: bool | None = None,
    simplify_tolerance: float = settings.MAP_SIMPLIFY_TOLERANCE_M,
) -> list[Path]:
    """Draw a lot design as a static figure for a report (matplotlib; PNG and SVG).

    Lots are filled by tier (the colours of :func:`lots_map`), labelled with their IDs, inside
    the county outline, with a legend, a 10 km scale bar and, for demo data, a "SYNTHETIC
    DATA" label. No figures and no people are drawn, so nothing needs suppressing.

    Parameters
    ----------
    lots, units, outline, practices, offices, title, synthetic
        As in :func:`lots_map`.
    path
        Output path; each format is written with its own suffix (``lots.png``, ``lots.svg``).
    formats
        Any of ``"png"``, ``"svg"``, ``"pdf"``.
    dpi
        Resolution of raster output.
    label_lots
        Write lot IDs on the lots; default: when there are at most 60 lots.
    simplify_tolerance
        As in :func:`lots_map`; keeps the SVG small.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    formats = [f.lower().lstrip(".") for f in formats]
    unknown = sorted(set(formats) - {"png", "svg", "pdf"})
    if unknown or not formats:
        raise ValidationError(f"formats must be some of png, svg, pdf; got {list(formats)}.")
    lots = _to_bng(lots, "lots", geom_types=("Polygon", "MultiPolygon"))
    for column in ("lot_id", "tier"):
        if column not in lots.columns:
            raise ValidationError(f"lots needs a {column!r} column.")
    if lots.empty:
        raise ValidationError("lots has no lot with a polygon to draw.")
    lots = lots.assign(tier=_check_tiers(lots, "lots"))
    county = gpd.GeoSeries([_county(lots, None, outline)], crs=settings.CRS_BNG)

    lots = _with_geometry(lots, _simplify_coverage(lots.geometry, simplify_tolerance, "Lot"))
    unit_lines = None
    if units is not None:
        unit_frame = _to_bng(units, "units", geom_types=("Polygon", "MultiPolygon"))
        unit_lines = gpd.GeoSeries(
            _simplify_coverage(unit_frame.geometry, simplify_tolerance, "Unit"),
            crs=settings.CRS_BNG,
        ).boundary
    point_layers = []
    for frame, what, marker, colour in (
        (practices, "GP practices", "o", "#ffffff"),
        (offices, "Provider offices", "s", "#f0e442"),
    ):
        if frame is not None:
            _refuse_people(frame, what)
            pts = _to_bng(frame, what, geom_types=("Point",))
            if not pts.empty:
                point_layers.append((pts, what, marker, colour))

    west, south, east, north = county.total_bounds
    pad = 0.03 * max(east - west, north - south)
    west, south, east, north = west - pad, south - pad, east + pad, north + pad
    # Size the figure to the county's shape so the map, not white space, fills the page.
    map_height = float(np.clip(8.0 * (north - south) / (east - west), 4.0, 11.0))
    with matplotlib.rc_context({"svg.hashsalt": "lotdesign", "svg.fonttype": "none"}):
        fig = Figure(figsize=(8.0, map_height + 1.0 + 0.4 * synthetic), layout="constrained")
        ax = fig.add_subplot()
        county.plot(ax=ax, color="#ffffff", edgecolor="#333333", linewidth=1.2, zorder=1)
        lots.plot(
            ax=ax,
            color=lots["tier"].map(TIER_COLOURS),
            alpha=0.75,
            edgecolor="#ffffff",
            linewidth=0.9,
            zorder=2,
        )
        if unit_lines is not None:
            unit_lines.plot(ax=ax, color="#555555", linewidth=0.25, zorder=3)
        handles: list[Any] = [
            Patch(facecolor=TIER_COLOURS[t], alpha=0.75, edgecolor="#333", label=TIER_LABELS[t])
            for t in sorted(lots["tier"].unique())
        ]
        for pts, what, marker, colour in point_layers:
            style = {"marker": marker, "markerfacecolor": colour, "markeredgecolor": "#222"}
            ax.plot(pts.geometry.x, pts.geometry.y, linestyle="", markersize=4, zorder=5, **style)
            handles.append(Line2D([], [], linestyle="", label=what, **style))
        if label_lots is None:
            label_lots = len(lots) <= 60
        if label_lots:
            anchors = shapely.point_on_surface(lots.geometry.to_numpy())
            for lot_id, anchor in zip(lots["lot_id"], anchors, strict=True):
                ax.annotate(
                    str(lot_id),
                    (anchor.x, anchor.y),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    zorder=6,
                    color="#111111",
                    # A box, not a path effect, keeps the label a <text> element in SVG.
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "fc": "#ffffff",
                        "ec": "none",
                        "alpha": 0.7,
                    },
                )
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect("equal")
        ax.set_autoscale_on(False)
        _scale_bar(ax)
        ax.set_axis_off()
        fig.suptitle(title, fontsize=13, fontweight="bold")
        if synthetic:
            ax.set_title(
                "SYNTHETIC DATA \u2013 not real people",
                fontsize=12,
                fontweight="bold",
                color="#ffffff",
                backgroundcolor="#b00020",
            )
        fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
        base = Path(path)
        base.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            target = base.with_suffix(f".{fmt}")
            # No creation date, so the same design gives the same file.
            metadata = {"Date": None} if fmt in ("svg", "pdf") else {}
            metadata["Title"] = title
            fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata, facecolor="#ffffff")
            written.append(target)
    return written


def _scale_bar(ax: Any, length_m: float = 10_000.0) -> None:
    """A plain scale bar in the lower right: BNG units are metres, so it is exact."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    length = length_m if width > 2.5 * length_m else max(round(width / 5, -3), 1000.0)
    right = x1 - 0.04 * width
    bottom = y0 + 0.04 * (y1 - y0)
    ax.plot([right - length, right], [bottom, bottom], color="#111", linewidth=3, zorder=7)
    ax.text(
        right - length / 2,
        bottom + 0.012 * (y1 - y0),
        f"{length / 1000:g} km",
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=7,
    )
