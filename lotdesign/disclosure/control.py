"""Secondary suppression: the cell suppression problem over every area a run shares.

Primary suppression hides a count of 1 to ``max_count`` people. It is not enough on its own:
a hidden Tier 3 comes back as the county minus the other tiers, a hidden unit as its lot minus
the lot's other units, and every figure over it (hours, spend) with it. This module decides
which *other* areas to hide so that nothing hidden can be worked out from what is published.

Every figure a run shares belongs to an **area**: the county, a tier, a lot or zone, the units
outside any lot, a district, a demand unit (on the map), the Tier 1 lots that pass every rule,
and the rows of the extract's reconciliation. An area is a set of **atoms** (a demand unit
within a district, and the extract's excluded and rejected lines), so the same set of people
published in two places (Tier 3 and "outside lots"; the county and the reconciliation's "used"
row) is one area, and every sum and difference of published areas is a linear relation between
atoms.

:func:`protect` solves the cell suppression problem (Fischetti and Salazar-González, 2001;
the method of tau-Argus' optimal solution) with HiGHS: a master MILP chooses the cheapest
set of areas to hide (cost: the people in them), and for each primary area an attacker LP
computes how far the published figures, with every linear relation between areas and the
knowledge that counts are at least 0 (a hidden "1–7" between 1 and 7, a hidden "[c]" above
it), let its count move up and down. Where it cannot move by the protection level, the LP's
dual gives a constraint that the master must meet, and the master is solved again. When every
primary area is protected, each hidden area is checked once more by exact linear algebra:
a hidden area whose figures the published ones determine anyway is published (hiding it would
protect nothing), so no hidden value can be recovered exactly from published ones.

The result, a :class:`Protection`, says for every area whether it is published, a primary
suppression (a count of 1 to ``max_count``) or a secondary one, and why; its audit goes to
the analyst's processed folder, never to the reports.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["PRIMARY", "PUBLISHED", "SECONDARY", "Area", "Protection", "plan_areas", "protect"]

#: Statuses of an area.
PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"

#: Atoms of the extract's reconciliation (lines, not units).
EXCLUDED_LINES, REJECTED_LINES, UNUSED_CUSTOMERS = (
    "lines:excluded",
    "lines:rejected",
    "people:unused",
)


@dataclass(frozen=True)
class Area:
    """A set of people some shared figure is computed over.

    Parameters
    ----------
    key
        How tables name it: ``"county"``, ``"tier:1"``, ``"lot:L03"``, ``"outside"``,
        ``"district:E07000223"``, ``"unit:RH12 4"``, ``"passing_tier1"``, ``"read"``,
        ``"excluded"``, ``"rejected"``, ``"read_customers"``.
    label
        Plain words for the audit (``"lot L03"``).
    atoms
        The atoms it is the sum of (a unit within a district, ``"unit|district"``).
    people
        The count of people (customers; for the reconciliation's lines, lines) in it.
    """

    key: str
    label: str
    atoms: frozenset[str]
    people: int


def _atom(unit: Any, district: Any) -> str:
    return f"{unit}|{district if isinstance(district, str) and district else '?'}"


def plan_areas(
    customers: pd.DataFrame,
    assignment: pd.DataFrame | None = None,
    *,
    checks_table: pd.DataFrame | None = None,
    reconciliation: pd.DataFrame | None = None,
    unused_customers: int | None = None,
    units: bool = True,
) -> list[Area]:
    """Every area a run's shared outputs give figures for.

    Parameters
    ----------
    customers
        The customers with their unit (``customer_id``, ``unit_id``, ``district``).
    assignment
        The plan: ``unit_id``, ``lot_id`` (None outside lots), ``tier``. None: county and
        districts (and units) only.
    checks_table
        :func:`lotdesign.checks.check_plan`'s table (``lot_id``, ``tier``, ``passes``): the
        plan summary publishes the Tier 1 lots that pass every rule as one area.
    reconciliation
        The extract's reconciliation (``stage``, ``rows``): ``read``, ``used``, ``excluded``,
        ``rejected`` lines.
    unused_customers
        People in the extract with no line in use (the reconciliation's read customers minus
        its used ones); default from ``reconciliation``'s ``customers`` column.
    units
        Include the demand units (a map's unit layer shows their figures).

    Returns
    -------
    list of Area
        Areas with no one in them are left out: their figures are all zero and say nothing.
    """
    need = {"customer_id", "unit_id"}
    if not need <= set(customers.columns):
        raise ValidationError(f"plan_areas needs customers with {sorted(need)}.")
    c = customers[["customer_id", "unit_id"]].copy()
    c["unit_id"] = c["unit_id"].astype(str)
    c["district"] = customers.get("district")
    c["atom"] = [_atom(u, d) for u, d in zip(c["unit_id"], c["district"], strict=True)]
    people = c.groupby("atom")["customer_id"].nunique()
    areas: list[Area] = []

    def add(key: str, label: str, atoms: Iterable[str]) -> None:
        atoms = frozenset(atoms)
        total = int(sum(int(people.get(a, 0)) for a in atoms))
        if total > 0:
            areas.append(Area(key, label, atoms, total))

    by_unit = c.groupby("unit_id")["atom"].agg(set)
    by_district = c.groupby(c["district"].fillna("?").astype(str))["atom"].agg(set)
    add("county", "the county", people.index)
    for district, atoms in by_district.items():
        add(f"district:{district}", f"district {district}", atoms)
    if units:
        for unit, atoms in by_unit.items():
            add(f"unit:{unit}", f"unit {unit}", atoms)
    if assignment is not None:
        a = assignment[["unit_id", "lot_id", "tier"]].copy()
        a["unit_id"] = a["unit_id"].astype(str)

        def atoms_of(unit_ids: Iterable[str]) -> set[str]:
            return set().union(*[by_unit.get(u, set()) for u in unit_ids])

        for tier, group in a.groupby(pd.to_numeric(a["tier"], errors="coerce")):
            add(f"tier:{int(tier)}", f"Tier {int(tier)}", atoms_of(group["unit_id"]))
        in_lot = a["lot_id"].notna() & a["lot_id"].astype(str).str.strip().ne("")
        for lot, group in a[in_lot].groupby(a.loc[in_lot, "lot_id"].astype(str)):
            add(f"lot:{lot}", f"lot {lot}", atoms_of(group["unit_id"]))
        add("outside", "units outside any lot", atoms_of(a.loc[~in_lot, "unit_id"]))
        add("in_lots", "every lot together", atoms_of(a.loc[in_lot, "unit_id"]))
        if checks_table is not None and {"lot_id", "tier", "passes"} <= set(checks_table):
            t = checks_table
            passing = t.loc[(pd.to_numeric(t["tier"]) == 1) & t["passes"].astype(bool), "lot_id"]
            members = a.loc[a["lot_id"].astype(str).isin(set(passing.astype(str))), "unit_id"]
            add("passing_tier1", "Tier 1 lots passing every rule", atoms_of(members))
    if reconciliation is not None and {"stage", "rows"} <= set(reconciliation):
        rec = reconciliation.set_index(reconciliation["stage"].astype(str))
        used = set(people.index)
        lines = {
            EXCLUDED_LINES: int(_number(rec["rows"].get("excluded"))),
            REJECTED_LINES: int(_number(rec["rows"].get("rejected"))),
        }
        if unused_customers is None and "customers" in rec:
            unused_customers = int(
                _number(rec["customers"].get("read")) - _number(rec["customers"].get("used"))
            )
        extra = {**lines, UNUSED_CUSTOMERS: max(int(unused_customers or 0), 0)}
        people = pd.concat([people, pd.Series(extra)])
        add("excluded", "excluded lines of the extract", [EXCLUDED_LINES])
        add("rejected", "rejected lines of the extract", [REJECTED_LINES])
        add("read", "every line of the extract", used | {EXCLUDED_LINES, REJECTED_LINES})
        add("read_customers", "everyone in the extract", used | {UNUSED_CUSTOMERS})
    return areas


def _number(value: Any) -> float:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return 0.0 if pd.isna(number) else float(number)


@dataclass
class Protection:
    """Which areas a run's shared outputs may give figures for, and why not the others.

    Attributes
    ----------
    max_count
        Counts of 1 to this many people were suppressed (primary suppression).
    rounding_base
        Other counts of people are rounded to a multiple of this.
    areas
        Every area by key (aliases of one set of people share an :class:`Area`).
    status
        ``{key: "published" | "primary" | "secondary"}``.
    reasons
        ``{key: why}`` for every suppressed area.
    stats
        How the cell suppression problem was solved (iterations, constraints, seconds).
    """

    max_count: int
    rounding_base: int
    areas: dict[str, Area]
    status: dict[str, str]
    reasons: dict[str, str] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    def status_of(self, key: str) -> str:
        """The status of area ``key``; raises for an area the problem did not include."""
        found = self.status.get(str(key))
        if found is None:
            if str(key) in self._empty:
                return PUBLISHED
            raise ValidationError(
                f"Area {key!r} was not in the cell suppression problem, so whether its "
                "figures can be shared is unknown. Include it in plan_areas."
            )
        return found

    @property
    def _empty(self) -> set[str]:
        return set(self.stats.get("empty_areas", ()))

    def suppressed(self, key: str) -> bool:
        return self.status_of(key) != PUBLISHED

    def people(self, key: str) -> int:
        area = self.areas.get(str(key))
        return 0 if area is None else area.people

    def audit(self) -> pd.DataFrame:
        """Every area: ``area``, ``label``, ``people`` (exact), ``status``, ``reason``.

        It holds exact small counts: keep it on the analyst's machine (processed folder).
        """
        rows = [
            (key, area.label, area.people, self.status[key], self.reasons.get(key, ""))
            for key, area in self.areas.items()
        ]
        frame = pd.DataFrame(rows, columns=["area", "label", "people", "status", "reason"])
        order = {PRIMARY: 0, SECONDARY: 1, PUBLISHED: 2}
        return frame.sort_values(
            ["status", "area"], key=lambda s: s.map(order) if s.name == "status" else s
        ).reset_index(drop=True)

    def write_audit(self, path: str | Path) -> Path:
        """Write :meth:`audit` (with how the problem was solved) as a CSV."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.audit()
        note = (
            f"# lotdesign disclosure audit: counts of 1-{self.max_count} suppressed (primary); "
            f"others rounded to {self.rounding_base}; secondary suppression by the cell "
            f"suppression problem (HiGHS): {self.stats.get('iterations', 0)} iterations, "
            f"{self.stats.get('cuts', 0)} constraints, {self.stats.get('seconds', 0):.1f} s. "
            "LOCAL FILE: exact small counts, never share it.\n"
        )
        path.write_text(note + frame.to_csv(index=False), encoding="utf-8")
        return path


def protect(
    areas: Sequence[Area],
    *,
    max_count: int | None = None,
    protection: int | None = None,
    rounding_base: int | None = None,
    time_limit: float = 120.0,
) -> Protection:
    """Solve the cell suppression problem for a run's areas.

    Parameters
    ----------
    areas
        From :func:`plan_areas`.
    max_count
        Counts of 1 to this many people are suppressed; default ``settings.SUPPRESS_MAX_COUNT``.
    protection
        How far (in people, within 1 to ``max_count``) the published figures must leave every
        primary count free to move up and down; default
        ``settings.SUPPRESS_PROTECTION_PEOPLE``.
    rounding_base
        Recorded for the tables (other counts are rounded to it); default
        ``settings.SUPPRESS_ROUNDING_BASE``.
    time_limit
        Seconds for the whole problem. If it runs out before every primary area is protected,
        every area not yet known to be safe to publish is suppressed (safe, not minimal).

    Returns
    -------
    Protection
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else int(max_count)
    protection = settings.SUPPRESS_PROTECTION_PEOPLE if protection is None else int(protection)
    rounding_base = settings.SUPPRESS_ROUNDING_BASE if rounding_base is None else rounding_base
    if max_count < 0 or protection < 0 or int(rounding_base) < 1:
        raise ValidationError(
            "max_count and protection must be 0 or more, and rounding_base 1 or more; got "
            f"{max_count}, {protection}, {rounding_base}."
        )
    start = time.perf_counter()
    # One cell per distinct set of atoms; keys naming the same set are aliases.
    cells: dict[frozenset[str], list[Area]] = {}
    for area in areas:
        cells.setdefault(area.atoms, []).append(area)
    sets = list(cells)
    atoms = sorted(set().union(*sets)) if sets else []
    atom_index = {a: i for i, a in enumerate(atoms)}
    atom_people = np.zeros(len(atoms))
    for s, group in cells.items():
        if len(s) == 1:
            atom_people[atom_index[next(iter(s))]] = group[0].people
    # Atoms not published alone get their people from the finest areas that hold them.
    _fill_atom_people(sets, cells, atom_index, atom_people)
    value = np.array([float(cells[s][0].people) for s in sets])
    primary = (value >= 1) & (value <= max_count)
    candidate = value > max_count
    families = [{a.key.split(":")[0] for a in cells[s]} for s in sets]
    # What hiding an area costs a reader: its people, more for the headline figures (the
    # county, the tiers, the districts and the extract's reconciliation) than for a lot.
    weight = np.array([max(_WEIGHT.get(f, 1.0) for f in fam) for fam in families])
    solver = _CellSuppression(
        sets, families, atom_index, atom_people, value, primary, candidate, max_count
    )
    solver.cost = weight * (value + 1.0)
    chosen, protects, stats = solver.solve(protection, time_limit)
    status: dict[str, str] = {}
    why: dict[str, str] = {}
    by_key: dict[str, Area] = {}

    def name(j: int) -> str:
        return " = ".join(a.label for a in cells[sets[j]])

    for j, s in enumerate(sets):
        for area in cells[s]:
            by_key[area.key] = area
            if primary[j]:
                status[area.key] = PRIMARY
                why[area.key] = f"primary: {area.people} people (counts of 1-{max_count})"
            elif chosen[j]:
                status[area.key] = SECONDARY
                guarded = protects.get(j)
                why[area.key] = (
                    "secondary: protects " + "; ".join(name(k) for k in guarded)
                    if guarded
                    else "secondary: suppressed because the time limit ran out"
                    if not stats["solved"]
                    else "secondary: chosen by the cell suppression problem"
                )
            else:
                status[area.key] = PUBLISHED
        aliases = [a.label for a in cells[s]]
        if len(aliases) > 1:
            for area in cells[s]:
                if area.key in why:
                    others = ", ".join(x for x in aliases if x != area.label)
                    why[area.key] += f" (the same people as {others})"
    stats["seconds"] = time.perf_counter() - start
    return Protection(
        max_count=max_count,
        rounding_base=int(rounding_base),
        areas=by_key,
        status=status,
        reasons=why,
        stats=stats,
    )


#: How much more hiding an area of a family costs than hiding a lot of as many people.
_WEIGHT = {
    "county": 1000.0,
    "read_customers": 1000.0,
    "tier": 4.0,
    "district": 4.0,
    "read": 4.0,
    "excluded": 4.0,
    "rejected": 4.0,
    "in_lots": 2.0,
    "passing_tier1": 2.0,
}


def _fill_atom_people(sets, cells, atom_index, atom_people) -> None:
    """People per atom for atoms no area holds alone: split the smallest area holding them
    evenly over its unknown atoms (only the attacker LP's starting point depends on it)."""
    known = atom_people > 0
    for s in sorted(sets, key=len):
        idx = [atom_index[a] for a in s]
        unknown = [i for i in idx if not known[i]]
        if not unknown:
            continue
        rest = cells[s][0].people - atom_people[[i for i in idx if known[i]]].sum()
        atom_people[unknown] = max(rest, 0.0) / len(unknown)
        known[unknown] = True


class _CellSuppression:
    """Fischetti-Salazar cell suppression: a master MILP and attacker LPs, solved by HiGHS.

    Cells are areas (one per distinct set of atoms); atoms are never shown. In variables
    shifted by the actual values, a cell j that is shown is fixed (0), a hidden primary may
    move within ``[-down_j, up_j]`` (its label says 1..max_count), a hidden secondary within
    ``[-down_j, up_j]`` above max_count, and an atom anywhere from 0 people up.
    """

    def __init__(
        self, sets, families, atom_index, atom_people, value, primary, candidate, max_count
    ):
        from scipy.sparse import csc_matrix

        self.n = len(sets)
        self.m = len(atom_index)
        self.value = value
        self.primary = primary
        self.candidate = candidate
        self.max_count = max_count
        self.total = float(max(value.max(initial=0.0), atom_people.sum(), 1.0)) + 1.0
        self.down = np.maximum(np.where(primary, value - 1.0, value - (max_count + 1.0)), 0.0)
        self.up = np.maximum(np.where(primary, max_count - value, self.total - value), 0.0)
        self.atom_down = atom_people
        self.atom_up = self.total - atom_people
        self.atom_ids = [sorted(atom_index[a] for a in s) for s in sets]
        rows = list(range(self.n))
        cols = list(range(self.n))
        data = [1.0] * self.n
        for j, ids in enumerate(self.atom_ids):
            rows += [j] * len(ids)
            cols += [self.n + i for i in ids]
            data += [-1.0] * len(ids)
        # Row j: cell j minus the sum of its atoms is 0.
        self.matrix = csc_matrix((data, (rows, cols)), shape=(self.n, self.n + self.m))
        self.equations = self._equations(families)
        self.cost = value + 1.0

    def _equations(self, families) -> list[list[int]]:
        """Relations ``total = sum of parts`` within one family of areas (tiers, lots and the
        units outside them, districts, units): each gives the rule that a primary part may
        not be the only hidden cell of it."""
        bits = [sum(1 << i for i in ids) for ids in self.atom_ids]
        by_family: dict[str, list[int]] = {}
        for j, fam in enumerate(families):
            for f in fam:
                by_family.setdefault("lot" if f == "outside" else f, []).append(j)
        out = []
        for j in range(self.n):
            for members in by_family.values():
                parts = [k for k in members if k != j and bits[k] & bits[j] == bits[k]]
                if len(parts) < 2:
                    continue
                covered, overlap = 0, False
                for k in parts:
                    overlap |= bool(covered & bits[k])
                    covered |= bits[k]
                if not overlap and covered == bits[j]:
                    out.append([j, *parts])
        return out

    # -- attacker ---------------------------------------------------------------------------

    def _attacker(self):
        from lotdesign.highs import lp_from_csc, new_highs

        lp = lp_from_csc(
            self.matrix,
            cost=np.zeros(self.n + self.m),
            col_lower=np.concatenate([np.zeros(self.n), -self.atom_down]),
            col_upper=np.concatenate([np.zeros(self.n), self.atom_up]),
            row_lower=np.zeros(self.n),
            row_upper=np.zeros(self.n),
        )
        h = new_highs(threads=1)
        h.passModel(lp)
        return h

    def _range(self, h, k: int, sign: float, x: np.ndarray) -> tuple[float, np.ndarray, float]:
        """How far cell k can move (sign +1 up, -1 down) given the hidden cells ``x``; and
        the F-S cut from the LP's dual: ``coef @ x >= need - constant``."""
        import highspy

        k = int(k)
        h.changeColCost(k, -float(sign))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # A warm start after bound changes can stall; solve from scratch once.
            h.clearSolver()
            h.run()
        status = h.getModelStatus()
        moved = -h.getInfo().objective_function_value
        dual = np.asarray(h.getSolution().col_dual)
        # Changing the model resets its status: read everything above first.
        h.changeColCost(k, 0.0)
        if status != highspy.HighsModelStatus.kOptimal:
            raise ValidationError(
                f"The disclosure attacker LP did not solve ({status}); please report this as a bug."
            )
        down = np.concatenate([self.down, self.atom_down])
        up = np.concatenate([self.up, self.atom_up])
        # The room each hidden column gives the attacker, priced by its bound's dual.
        room = np.maximum(np.where(dual > 0, dual * down, -dual * up), 0.0)
        return moved, room[: self.n], float(room[self.n :].sum())

    def solve(self, protection: int, time_limit: float):
        deadline = time.perf_counter() + time_limit
        prim = np.flatnonzero(self.primary)
        needs = {
            k: [
                (s, need)
                for s, need in (
                    (1.0, min(protection, self.max_count - self.value[k])),
                    (-1.0, min(protection, self.value[k] - 1.0)),
                )
                if need > 0
            ]
            for k in prim
        }
        cuts: list[tuple[np.ndarray, float]] = []
        for members in self.equations:
            for k in members:
                if self.primary[k]:
                    row = np.zeros(self.n)
                    row[[i for i in members if i != k]] = 1.0
                    cuts.append((row, 1.0))
        x = self.primary.copy()
        iterations = 0
        attacker = self._attacker() if len(prim) else None
        finished = not len(prim)
        while not finished and time.perf_counter() < deadline:
            iterations += 1
            found = self._master(cuts, deadline)
            if found is None:
                break
            x = found
            self._set_bounds(attacker, x)
            added = 0
            for k in prim:
                for sign, need in needs[k]:
                    moved, coef, constant = self._range(attacker, k, sign, x)
                    if moved + 1e-6 < need:
                        cuts.append((coef, need - constant - 1e-6))
                        added += 1
            finished = added == 0
        protects: dict[int, list[int]] = {}
        if not finished:
            # Out of time: hide everything not known to be safe (safe, not minimal).
            x = self.primary | self.candidate
        else:
            x = self._publish_determined(x)
            x, protects = self._prune_and_explain(attacker, x, prim, needs, deadline)
        stats = {
            "iterations": iterations,
            "cuts": len(cuts),
            "primary": int(self.primary.sum()),
            "secondary": int((x & ~self.primary).sum()),
            "solved": bool(finished),
        }
        return x, protects, stats

    def _protected(self, attacker, x, prim, needs, deadline) -> list[int]:
        """The primary cells the hidden set ``x`` leaves without their protection."""
        self._set_bounds(attacker, x)
        lost = []
        for k in prim:
            if time.perf_counter() > deadline:
                break
            if any(self._range(attacker, k, sign, x)[0] + 1e-6 < need for sign, need in needs[k]):
                lost.append(int(k))
        return lost

    def _prune_and_explain(self, attacker, x, prim, needs, deadline):
        """Publish every secondary cell the primaries do not need (costliest first), then
        say for each remaining one which primaries would lose their protection without it."""
        x = x.copy()
        if attacker is None:
            return x, {}
        for j in sorted(np.flatnonzero(x & ~self.primary), key=lambda j: -self.cost[j]):
            shown = x.copy()
            shown[j] = False
            if time.perf_counter() < deadline and not self._protected(
                attacker, shown, prim, needs, deadline
            ):
                x = shown
        protects: dict[int, list[int]] = {}
        for j in np.flatnonzero(x & ~self.primary):
            shown = x.copy()
            shown[j] = False
            protects[int(j)] = self._protected(attacker, shown, prim, needs, deadline)
        self._set_bounds(attacker, x)
        return x, protects

    def _set_bounds(self, h, x: np.ndarray) -> None:
        lower = np.where(x, -self.down, 0.0)
        upper = np.where(x, self.up, 0.0)
        h.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), lower, upper)

    def _master(self, cuts, deadline) -> np.ndarray | None:
        import highspy

        from lotdesign.highs import new_highs

        h = new_highs(threads=1, time_limit=max(deadline - time.perf_counter(), 1.0))
        lower = np.where(self.primary, 1.0, 0.0)
        upper = np.where(self.primary | self.candidate, 1.0, 0.0)
        h.addVars(self.n, lower, upper)
        idx = np.arange(self.n, dtype=np.int32)
        # Cost: the people hidden, weighted by what the area means to a reader.
        h.changeColsCost(self.n, idx, self.cost)
        h.changeColsIntegrality(self.n, idx, np.array([highspy.HighsVarType.kInteger] * self.n))
        for coef, need in cuts:
            nz = np.flatnonzero(coef > 1e-9)
            if need <= 0:
                continue
            h.addRow(need, highspy.kHighsInf, len(nz), nz.astype(np.int32), coef[nz])
        h.run()
        if h.getInfo().primal_solution_status < 2:
            return None
        return np.asarray(h.getSolution().col_value) > 0.5

    def _publish_determined(self, x: np.ndarray) -> np.ndarray:
        """Publish a secondary cell the published ones determine anyway (hiding it protects
        nothing); a determined primary would be a bug, and raises."""
        hidden = np.flatnonzero(x)
        determined = _determined(self.matrix, self.n, hidden)
        if any(self.primary[j] for j in determined):
            raise ValidationError(
                "Secondary suppression left a suppressed count recoverable; please report "
                "this as a bug."
            )
        x = x.copy()
        x[determined] = False
        return x


def _determined(matrix, n: int, hidden: np.ndarray) -> list[int]:
    """Hidden cells whose value the shown ones fix exactly.

    Unknowns are the hidden cells and every atom; a hidden cell is determined when its unit
    vector lies in the row space of the relations over the unknowns, i.e. in the row space of
    the relations with the atoms eliminated.
    """
    if not len(hidden):
        return []
    a = matrix.toarray()
    cells = a[:, hidden]
    atoms = a[:, n:]
    if atoms.size:
        u, s, _ = np.linalg.svd(atoms, full_matrices=True)
        rank = int((s > 1e-9 * max(s.max(initial=0.0), 1.0)).sum())
        relations = u[:, rank:].T @ cells
    else:
        relations = cells
    if not relations.size:
        return []
    _, s, vt = np.linalg.svd(relations, full_matrices=False)
    rank = int((s > 1e-8 * max(s.max(initial=0.0), 1.0)).sum())
    basis = vt[:rank]
    # e_i lies in the row space when its projection onto it has length 1.
    reach = (basis**2).sum(axis=0)
    return [int(hidden[i]) for i in np.flatnonzero(reach > 1 - 1e-6)]
