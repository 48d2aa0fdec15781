"""Maps of a lot design: self-contained offline HTML (folium) and static figures (matplotlib).

The HTML maps go by email to elected members and providers, so they must open with no network
and must never reveal a person:

- :func:`save_offline` inlines every script and stylesheet from the copies vendored in
  ``lotdesign/assets`` (see its ``manifest.json``) and raises on any external resource it has
  no copy of — folium's own ``Map.save`` loads Leaflet and jQuery from CDNs and opens blank
  offline;
- :func:`lots_map` passes folium only allow-listed columns (folium's ``GeoJson`` embeds every
  column of a frame in the page), as display text under the run's disclosure control
  (:mod:`lotdesign.disclosure`: the NHS Digital rule and secondary suppression), and draws
  areas and organisations only, never a customer;
- the polygons a shared map is given must be public geography
  (:func:`lotdesign.units.public_unit_polygons`): an area drawn around customers' own points
  gives those points back from its edges;
- without tiles the county outline is drawn so that the map reads on its own.

The code lives in submodules, and everything public is imported here, so
``from lotdesign import maps; maps.lots_map(...)`` works as before:

- :mod:`lotdesign.maps.shared` -- the tier colours and labels, the allow-listed fields
  (:data:`LOT_FIELDS`, :data:`UNIT_FIELDS`), input checks and the formatting of shared
  figures; the colouring of touching lots (:func:`lot_colours`), Tier 3 and district areas
  from public unit polygons, and the place names shipped with the package (GeoNames,
  CC BY 4.0: :func:`read_places`, :func:`places_to_label`);
- :mod:`lotdesign.maps.offline` -- the vendored assets, :func:`save_offline` and
  :func:`find_external_resources`;
- :mod:`lotdesign.maps.interactive` -- the interactive map, :func:`lots_map`;
- :mod:`lotdesign.maps.static` -- the static figure, :func:`static_map`.
"""

from __future__ import annotations

from lotdesign.maps.interactive import lots_map
from lotdesign.maps.offline import find_external_resources, save_offline
from lotdesign.maps.shared import (
    LOT_FIELDS,
    LOT_PALETTES,
    PLACES_ATTRIBUTION,
    TIER_COLOURS,
    TIER_LABELS,
    UNIT_FIELDS,
    district_polygons,
    lot_colours,
    places_to_label,
    read_places,
    tier3_polygons,
)
from lotdesign.maps.static import static_map

__all__ = [
    "LOT_FIELDS",
    "LOT_PALETTES",
    "PLACES_ATTRIBUTION",
    "TIER_COLOURS",
    "TIER_LABELS",
    "UNIT_FIELDS",
    "district_polygons",
    "find_external_resources",
    "lot_colours",
    "places_to_label",
    "read_places",
    "tier3_polygons",
    "lots_map",
    "save_offline",
    "static_map",
]
