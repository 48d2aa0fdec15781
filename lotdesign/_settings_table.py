"""The machinery behind :mod:`lotdesign.settings` and :mod:`lotdesign.datasets.settings`.

A settings module declares each setting once, through a :class:`Section`::

    _tier1 = _TABLE.section("Tier 1 lot rules", audience="domain")
    LOT_MIN_HOURS: float = _tier1("LOT_MIN_HOURS", 700.0, "seed 003: '700 - 1300 ...'")

The call records the name, section, source and audience and hands the value straight back,
so the module attribute stays the plain value (``settings.LOT_MIN_HOURS`` is a float that a
user may reassign at run time). :meth:`SettingsTable.describe` reads values from the module
when it is called, so reassignments show.
"""

from __future__ import annotations

import copy
import difflib
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from lotdesign.errors import ValidationError

T = TypeVar("T")

#: Columns of :meth:`SettingsTable.describe`.
DESCRIBE_COLUMNS: tuple[str, ...] = ("name", "value", "section", "source", "audience")


@dataclass(frozen=True)
class Setting:
    """What is declared about one setting (its value lives on the module)."""

    name: str
    #: The declared value (a deep copy, so mutating the live value does not change it).
    default: Any
    section: str
    #: Short citation: a seed document and quote, a publication, or "project default: why".
    source: str
    audience: str


class SettingsTable:
    """Every setting of one module, in declaration order."""

    def __init__(self, module: str, audiences: Mapping[str, str]) -> None:
        self.module = module
        #: ``{audience: what it covers}``.
        self.audiences = dict(audiences)
        self._settings: dict[str, Setting] = {}
        self._declared: dict[str, Any] = {}  # the very objects declared, for seal()

    def section(self, title: str, *, audience: str) -> Section:
        """A section whose settings default to ``audience``."""
        self._check_audience(audience)
        return Section(self, title, audience)

    def add(self, name: str, value: T, *, section: str, source: str, audience: str) -> T:
        """Record a setting and return its value unchanged."""
        if not (name.isidentifier() and name.isupper()):
            raise ValueError(f"Setting names are upper-case identifiers, got {name!r}.")
        if name in self._settings:
            raise ValueError(f"Setting {name} is declared twice in {self.module}.")
        if not source.strip():
            raise ValueError(f"Setting {name} needs a source.")
        self._check_audience(audience)
        self._settings[name] = Setting(name, copy.deepcopy(value), section, source, audience)
        self._declared[name] = value
        return value

    def seal(self, namespace: MutableMapping[str, Any], *, others: Iterable[str] = ()) -> None:
        """Check the module's upper-case names and the declarations agree one to one.

        Call at the end of the module with ``globals()``: catches a setting assigned without a
        declaration, or declared under another name than the one it is assigned to. ``others``
        are upper-case names of the module that are not settings.
        """
        for name in self._settings:
            if name not in namespace:
                raise ValueError(f"Setting {name} is declared but not assigned in {self.module}.")
            if namespace[name] is not self._declared[name]:
                raise ValueError(f"{self.module}.{name} is not the value declared for {name}.")
        loose = [k for k in namespace if k.isupper() and not k.startswith("_")]
        undeclared = [k for k in loose if k not in self._settings and k not in set(others)]
        if undeclared:
            raise ValueError(f"{self.module}: {undeclared} are not declared as settings.")

    # --- Reading -------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Setting names in declaration order."""
        return list(self._settings)

    def sections(self) -> list[str]:
        """Section titles in declaration order."""
        return list(dict.fromkeys(s.section for s in self._settings.values()))

    def setting(self, name: str) -> Setting:
        """The declaration of ``name``; a :class:`~lotdesign.ValidationError` if unknown."""
        try:
            return self._settings[name]
        except (KeyError, TypeError):
            hint = difflib.get_close_matches(str(name).upper(), self._settings, n=3)
            did_you_mean = f" Did you mean {', '.join(hint)}?" if hint else ""
            raise ValidationError(
                f"{name!r} is not a setting of {self.module}.{did_you_mean} "
                f"{self.module}.describe() lists them all."
            ) from None

    def get(self, name: str) -> Any:
        """The current value of ``name`` (as set on the module now)."""
        self.setting(name)
        return getattr(sys.modules[self.module], name)

    def default(self, name: str) -> Any:
        """The value ``name`` is declared with, whatever it is set to now."""
        return copy.deepcopy(self.setting(name).default)

    def source(self, name: str) -> str:
        """The short citation for ``name``."""
        return self.setting(name).source

    def describe(self, *, audience: str | None = None, section: str | None = None) -> pd.DataFrame:
        """Settings as a table: name, value (current), section, source and audience.

        ``audience`` and ``section`` filter the rows (``section`` ignores case).
        """
        rows = list(self._settings.values())
        if audience is not None:
            self._check_audience(audience)
            rows = [s for s in rows if s.audience == audience]
        if section is not None:
            titles = {t.casefold(): t for t in self.sections()}
            if section.casefold() not in titles:
                hint = difflib.get_close_matches(section, self.sections(), n=3, cutoff=0.4)
                did_you_mean = f" Did you mean {' / '.join(map(repr, hint))}?" if hint else ""
                raise ValidationError(
                    f"No settings section {section!r} in {self.module}.{did_you_mean} "
                    f"Sections: {', '.join(map(repr, self.sections()))}."
                )
            wanted = titles[section.casefold()]
            rows = [s for s in rows if s.section == wanted]
        module = sys.modules[self.module]
        values = pd.Series([getattr(module, s.name) for s in rows], dtype=object)
        return pd.DataFrame(
            {
                "name": pd.Series([s.name for s in rows], dtype=object),
                "value": values,
                "section": pd.Series([s.section for s in rows], dtype=object),
                "source": pd.Series([s.source for s in rows], dtype=object),
                "audience": pd.Series([s.audience for s in rows], dtype=object),
            },
            columns=list(DESCRIBE_COLUMNS),
        )

    def _check_audience(self, audience: str) -> None:
        if audience not in self.audiences:
            known = ", ".join(f"{k!r} ({v})" for k, v in self.audiences.items())
            raise ValidationError(f"Unknown audience {audience!r}; {self.module} has {known}.")


class Section:
    """Declares the settings of one section: ``NAME: T = section("NAME", value, source)``."""

    def __init__(self, table: SettingsTable, title: str, audience: str) -> None:
        self.table = table
        self.title = title
        self.audience = audience

    def __call__(self, name: str, value: T, source: str, *, audience: str | None = None) -> T:
        """Declare ``name`` in this section (``audience`` overrides the section's)."""
        return self.table.add(
            name, value, section=self.title, source=source, audience=audience or self.audience
        )


def missing_attribute(
    module: str, name: str, table: SettingsTable, moved: Mapping[str, str]
) -> AttributeError:
    """The error for ``module.name`` that does not exist: where it went, or what was meant."""
    if name in moved:
        return AttributeError(f"{module}.{name} has moved: use {moved[name]}.{name}.")
    hint = difflib.get_close_matches(name, table.names(), n=3) if name.isupper() else []
    did_you_mean = f" Did you mean {', '.join(hint)}?" if hint else ""
    return AttributeError(f"module {module!r} has no attribute {name!r}.{did_you_mean}")
