"""Self-contained HTML: inline the vendored scripts and stylesheets, refuse external ones.

folium's own ``Map.save`` loads Leaflet and jQuery from CDNs and opens blank offline.
:func:`save_offline` inlines every script and stylesheet from the copies vendored in
``lotdesign/assets`` (checked against the sha256 sums in its ``manifest.json``), with their
licence notices, and raises on any external resource it has no copy of;
:func:`find_external_resources` lists what a page would still fetch.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import warnings
from collections.abc import Mapping
from functools import cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["find_external_resources", "save_offline"]


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
