"""Readers for the files a council and the national open-data publishers hand over."""

from lotdesign.io.lookups import geocode, read_postcode_lookup

__all__ = ["geocode", "read_postcode_lookup"]
