"""The demo's customers and extract rows: packages, formatting variants and planted errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.spatial import cKDTree

from lotdesign import postcodes as pc
from lotdesign import settings
from lotdesign.datasets import settings as demo_settings
from lotdesign.datasets._layout import (
    _DOMESTIC,
    _H,
    _HEADERS,
    _PERSONAL,
    _UNIT_LETTERS,
    COLUMNS,
    GP_UNKNOWN_CODE,
    REJECT_REASONS,
)
from lotdesign.datasets._places import (
    _sample_places,
)
from lotdesign.io.lookups import read_postcode_lookup

# --- Customers and extract rows ---------------------------------------------------------------


@dataclass
class _Line:
    person: int  # index into the person ids
    place: int  # index into places
    hours: float
    provider: int
    service: str
    start: dt.date
    end: dt.date | None
    status: str  # active | ended | future
    gp: str | None = None
    cost: float = float("nan")


def _provider_weights(xy: np.ndarray, providers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    d = np.hypot(
        xy[:, None, 0] - providers["x"].to_numpy(), xy[:, None, 1] - providers["y"].to_numpy()
    )
    covers = d <= providers["radius_m"].to_numpy()
    w = providers["size"].to_numpy() * np.exp(-d / (demo_settings.DEMO_PROVIDER_DECAY_KM * 1000.0))
    return np.where(covers, w, 0.0), d


def _pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row, with probability proportional to the row's weights."""
    cum = weights.cumsum(axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _snap(rng: np.random.Generator, hours: np.ndarray) -> np.ndarray:
    # Care is planned as daily visits in 15-minute steps (1.75 h a week) or in quarter hours.
    daily = rng.random(len(hours)) < demo_settings.DEMO_DAILY_STEP_SHARE
    step = np.where(daily, 1.75, 0.25)
    return np.maximum(np.round(hours / step) * step, np.where(daily, 1.75, 0.5))


class _County:
    """Draws the people and package lines of the demo county, one step at a time."""

    def __init__(
        self,
        places: pd.DataFrame,
        practices: pd.DataFrame,
        providers: pd.DataFrame,
        rng: np.random.Generator,
        as_of: dt.date,
    ) -> None:
        self.places, self.practices, self.providers = places, practices, providers
        self.rng, self.as_of = rng, as_of
        self.xy = places[["easting", "northing"]].to_numpy()
        self.history_days = int(demo_settings.DEMO_HISTORY_YEARS * 365.25)
        self.n_people = 0
        self.scale = 1.0

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=int(self.rng.integers(low, high)))

    def new_people(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, places and weights over providers of ``k`` new people."""
        people = np.arange(self.n_people, self.n_people + k)
        self.n_people += k
        at = _sample_places(self.rng, self.places, k)
        weights, _ = _provider_weights(self.xy[at], self.providers)
        return people, at, weights

    def draw_hours(self, k: int) -> np.ndarray:
        raw = self.scale * self.rng.lognormal(0.0, demo_settings.DEMO_HOURS_SIGMA, k)
        return _snap(self.rng, np.minimum(raw, demo_settings.DEMO_ORDINARY_MAX_HOURS))

    def current_hours(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Weekly hours of the current customers, and which of them are very large packages.

        A lognormal bulk below a cap, scaled so that with the few very large packages the mean
        is the target, then snapped to how care is planned.
        """
        rng, cap = self.rng, demo_settings.DEMO_ORDINARY_MAX_HOURS
        lo, hi = demo_settings.DEMO_LARGE_PACKAGES
        n_large = int(min(rng.integers(lo, hi + 1), max(1, n // 300)))
        large = np.round(rng.uniform(*demo_settings.DEMO_LARGE_PACKAGE_HOURS, n_large) * 2) / 2
        z = rng.lognormal(0.0, demo_settings.DEMO_HOURS_SIGMA, n - n_large)
        bulk_mean = (demo_settings.DEMO_MEAN_WEEKLY_HOURS * n - large.sum()) / (n - n_large)
        self.scale = brentq(lambda s: np.minimum(s * z, cap).mean() - bulk_mean, 1e-3, 1e3)
        order = rng.permutation(n)
        hours = np.concatenate([_snap(rng, np.minimum(self.scale * z, cap)), large])[order]
        return hours, order >= n - n_large

    def current_lines(self, n: int) -> tuple[list[_Line], np.ndarray]:
        """Lines of the ``n`` current customers, and which customers have a single plain line.

        Every provider first takes a few customers nearest its office (so none is empty); the
        rest go by provider size and distance among the providers whose patch covers them.
        """
        rng, as_of = self.rng, self.as_of
        hours, large = self.current_hours(n)
        people, where, weights = self.new_people(n)
        provider = _pick(rng, weights)
        _, dist = _provider_weights(self.xy[where], self.providers)
        taken = np.zeros(n, bool)
        for p in np.argsort(self.providers["size"].to_numpy(), kind="stable"):
            free = np.flatnonzero(~taken)
            nearest = free[np.argsort(dist[free, p], kind="stable")]
            nearest = nearest[: demo_settings.DEMO_PROVIDER_MIN_CUSTOMERS]
            provider[nearest] = p
            taken[nearest] = True
        # Time since the package started: exponential (most packages are recent), truncated to
        # the history window by inverting its distribution function.
        mean_age = demo_settings.DEMO_MEAN_PACKAGE_AGE_YEARS * 365.25
        within = 1.0 - np.exp(-(self.history_days - 1) / mean_age)
        age = -mean_age * np.log1p(-rng.random(n) * within)
        starts = [as_of - dt.timedelta(days=int(a) + 1) for a in age]
        second = (rng.random(n) < demo_settings.DEMO_SECOND_LINE_SHARE) & (hours >= 1.5) & ~large
        lines = []
        for i in people:
            end = None
            if rng.random() < demo_settings.DEMO_PLANNED_END_SHARE:
                end = as_of + dt.timedelta(days=int(rng.integers(7, 121)))
            main = _Line(i, where[i], hours[i], provider[i], _PERSONAL, starts[i], end, "active")
            lines.append(main)
            if not second[i]:
                continue
            # A second line: a sitting/domestic line from the same provider, or personal care
            # from a second provider that also covers the customer.
            main.hours = hours[i] - max(0.5, np.round(hours[i] * rng.uniform(0.2, 0.5) * 4) / 4)
            others = weights[i].copy()
            others[provider[i]] = 0.0
            two_providers = rng.random() < 0.5 and others.sum() > 0
            start = starts[i] + dt.timedelta(days=int(rng.integers(0, (as_of - starts[i]).days)))
            lines.append(
                _Line(
                    i,
                    where[i],
                    hours[i] - main.hours,
                    int(_pick(rng, others[None, :])[0]) if two_providers else provider[i],
                    _PERSONAL if two_providers else _DOMESTIC,
                    start,
                    None,
                    "active",
                )
            )
        # A customer's previous package, ended before the current one began.
        n_ended = round(demo_settings.DEMO_ENDED_SHARE * len(lines) / self._live_share())
        for i in rng.choice(np.flatnonzero(~large), size=n_ended // 2, replace=False):
            end = starts[i] - dt.timedelta(days=int(rng.integers(1, 31)))
            start = end - dt.timedelta(days=int(rng.integers(14, 700)))
            p = int(_pick(rng, weights[i][None, :])[0])
            lines.append(
                _Line(i, where[i], self.draw_hours(1)[0], p, _PERSONAL, start, end, "ended")
            )
        return lines, ~second & ~large

    @staticmethod
    def _live_share() -> float:
        return 1.0 - demo_settings.DEMO_ENDED_SHARE - demo_settings.DEMO_FUTURE_SHARE

    def former_and_future_lines(self, n_live_lines: int, n_previous: int) -> list[_Line]:
        """People whose only package ended before ``as_of``, and people starting after it."""
        rng, as_of = self.rng, self.as_of
        n_ended = round(demo_settings.DEMO_ENDED_SHARE * n_live_lines / self._live_share())
        n_future = max(
            1, round(demo_settings.DEMO_FUTURE_SHARE * n_live_lines / self._live_share())
        )
        lines = []
        people, at, weights = self.new_people(max(0, n_ended - n_previous))
        for j, (person, provider, hours) in enumerate(
            zip(people, _pick(rng, weights), self.draw_hours(len(people)), strict=True)
        ):
            start = self.days_ago(60, self.history_days)
            end = start + dt.timedelta(days=int(rng.integers(14, (as_of - start).days)))
            lines.append(_Line(person, at[j], hours, provider, _PERSONAL, start, end, "ended"))
        people, at, weights = self.new_people(n_future)
        for j, (person, provider, hours) in enumerate(
            zip(people, _pick(rng, weights), self.draw_hours(len(people)), strict=True)
        ):
            start = as_of + dt.timedelta(days=int(rng.integers(1, 43)))
            lines.append(_Line(person, at[j], hours, provider, _PERSONAL, start, None, "future"))
        return lines

    def reject_templates(self, k: int) -> list[_Line]:
        """Clean, live single-line packages of ``k`` new people, to be given one fault each."""
        people, at, weights = self.new_people(k)
        return [
            _Line(
                person,
                at[j],
                hours,
                provider,
                _PERSONAL,
                self.days_ago(30, self.history_days),
                None,
                "active",
            )
            for j, (person, provider, hours) in enumerate(
                zip(people, _pick(self.rng, weights), self.draw_hours(k), strict=True)
            )
        ]

    def assign_practices(self, lines: list[_Line], n_current: int) -> None:
        """Give each person a GP practice code, the same on all their lines.

        Usually one of the nearest open practices; a few current customers still carry a closed
        practice's code (those living nearest it), and a few an unknown or blank one.
        """
        rng, practices = self.rng, self.practices
        home: dict[int, int] = {}
        for line in lines:
            home.setdefault(int(line.person), int(line.place))
        persons = np.array(sorted(home))
        pxy = self.xy[[home[p] for p in persons]]
        open_pr = practices[practices["kind"] == "open"]
        k = min(3, len(open_pr))
        _, near = cKDTree(open_pr[["x", "y"]].to_numpy()).query(pxy, k=k)
        near = np.asarray(near).reshape(len(persons), k)
        prob = np.array([0.7, 0.2, 0.1][:k])
        rank = rng.choice(k, size=len(persons), p=prob / prob.sum())
        code = open_pr["code"].to_numpy()[near[np.arange(len(persons)), rank]].astype(object)
        closed_pr = practices[practices["kind"] == "closed"]
        per_closed = max(
            1, round(demo_settings.DEMO_GP_CLOSED_SHARE * n_current / max(1, len(closed_pr)))
        )
        for closed_code, cx, cy in closed_pr[["code", "x", "y"]].itertuples(index=False):
            d = np.where(persons < n_current, np.hypot(pxy[:, 0] - cx, pxy[:, 1] - cy), np.inf)
            code[np.argsort(d, kind="stable")[:per_closed]] = closed_code
        unknown = rng.choice(
            len(persons), size=round(demo_settings.DEMO_GP_UNKNOWN_SHARE * n_current), replace=False
        )
        code[unknown] = [None if j % 2 else GP_UNKNOWN_CODE for j in range(len(unknown))]
        of = dict(zip(persons.tolist(), code, strict=True))
        for line in lines:
            line.gp = of[int(line.person)]

    def price(self, lines: list[_Line], n_clean: int) -> None:
        """Set each line's weekly cost = hours x rate, in pence.

        The rate is the provider's level, a rural premium and a little noise, scaled so that the
        hours-weighted mean rate of live clean lines is the target. A few clean lines have no
        cost yet.
        """
        place_class = self.places["place"].to_numpy()
        share = demo_settings.DEMO_RURAL_PREMIUM_SHARE
        premium = np.array(
            [1.0 + settings.RURAL_PREMIUM * share[place_class[x.place]] for x in lines]
        )
        factor = self.providers["rate_factor"].to_numpy()[[x.provider for x in lines]]
        mult = (
            factor * premium * self.rng.lognormal(0.0, demo_settings.DEMO_LINE_RATE_SD, len(lines))
        )
        hours = np.array([x.hours for x in lines], dtype=float)
        live = np.array([x.status == "active" for x in lines]) & (np.arange(len(lines)) < n_clean)
        base = settings.MEAN_HOURLY_RATE * hours[live].sum() / (hours * mult)[live].sum()
        rates = np.round(base * mult, 2)
        blank = self.rng.random(len(lines)) < demo_settings.DEMO_BLANK_COST_SHARE
        for k, line in enumerate(lines):
            if k >= n_clean or not blank[k]:
                line.cost = round(float(line.hours) * float(rates[k]), 2)

    def cells(self, lines: list[_Line]) -> list[list]:
        """Spreadsheet rows of the lines, in extract column order."""
        rng = self.rng
        # Ids are sparse and shuffled, so an id says nothing about a person's status.
        person_ids = [
            f"C{v:06d}" for v in rng.choice(999_999, size=self.n_people, replace=False) + 1
        ]
        package_ids = rng.choice(9_000_000, size=len(lines), replace=False) + 1_000_000
        team_cuts = np.quantile(self.xy[:, 0], [1 / 3, 2 / 3])
        teams = ("Adults West", "Adults Central", "Adults East")
        postcode = self.places["postcode"].to_numpy()
        provider = self.providers["provider"].to_numpy()
        rows = []
        for k, line in enumerate(lines):
            row: list = [None] * len(_HEADERS)
            row[_H["Package ID"]] = f"PK{package_ids[k]:07d}"
            row[_H[COLUMNS["customer_id"]]] = person_ids[line.person]
            row[_H[COLUMNS["postcode"]]] = str(postcode[line.place])
            row[_H["Team"]] = teams[int(np.searchsorted(team_cuts, self.xy[line.place, 0]))]
            row[_H[COLUMNS["service_type"]]] = line.service
            row[_H[COLUMNS["provider"]]] = str(provider[line.provider])
            row[_H[COLUMNS["weekly_hours"]]] = float(line.hours)
            row[_H[COLUMNS["weekly_cost"]]] = None if np.isnan(line.cost) else line.cost
            row[_H[COLUMNS["gp_practice"]]] = line.gp
            row[_H[COLUMNS["start_date"]]] = _excel_date(line.start)
            row[_H[COLUMNS["end_date"]]] = None if line.end is None else _excel_date(line.end)
            rows.append(row)
        return rows


def _make_rows(
    places: pd.DataFrame,
    practices: pd.DataFrame,
    providers: pd.DataFrame,
    rng: np.random.Generator,
    n: int,
    as_of: dt.date,
) -> tuple[list[list], pd.DataFrame]:
    """Build the extract's rows (shuffled) and the table of planted rejects."""
    county = _County(places, practices, providers, rng, as_of)
    lines, plain = county.current_lines(n)
    n_live = sum(line.status == "active" for line in lines)
    lines += county.former_and_future_lines(n_live, n_previous=len(lines) - n_live)

    # Planted rejects: an even spread over the reasons; all but duplicates are fresh people.
    n_rejects = max(2 * len(REJECT_REASONS), round(demo_settings.DEMO_REJECTED_SHARE * len(lines)))
    per_reason = np.full(len(REJECT_REASONS), n_rejects // len(REJECT_REASONS))
    per_reason[rng.permutation(len(REJECT_REASONS))[: n_rejects % len(REJECT_REASONS)]] += 1
    reasons = [r for r, k in zip(REJECT_REASONS, per_reason, strict=True) for _ in range(k)]
    templates = county.reject_templates(sum(r != "duplicate_row" for r in reasons))
    county.assign_practices(lines + templates, n)
    county.price(lines + templates, len(lines))
    cells = county.cells(lines + templates)
    clean, fresh = cells[: len(lines)], iter(cells[len(lines) :])
    _add_variants(rng, clean)

    # Duplicates copy live single-line packages, so the original alone still tells the truth.
    copyable = [k for k, x in enumerate(lines) if x.status == "active" and plain[x.person]]
    originals = iter(rng.choice(copyable, size=reasons.count("duplicate_row"), replace=False))
    not_found = iter(_absent_postcodes(rng, places, reasons.count("postcode_not_found")))
    bad, source_of, descriptions, seen = [], [], [], dict.fromkeys(REJECT_REASONS, 0)
    for reason in reasons:
        variant, seen[reason] = seen[reason], seen[reason] + 1
        if reason == "duplicate_row":
            original = int(next(originals))
            row, text = list(clean[original]), "exact copy of another row"
        else:
            original, row = None, next(fresh)
            text = _plant(row, reason, variant, rng, as_of, not_found)
        bad.append(row)
        source_of.append(original)
        descriptions.append(f"Planted ({reason}): {text}")

    # Shuffle everything together; of two identical rows the later one is the copy.
    rows = clean + bad
    position = np.empty(len(rows), dtype=int)
    position[rng.permutation(len(rows))] = np.arange(len(rows))
    sheet: list[list] = [[] for _ in rows]
    for k, row in enumerate(rows):
        sheet[position[k]] = row
    source_rows = [
        int(max(position[len(clean) + j], -1 if o is None else position[o])) + 2  # header = row 1
        for j, o in enumerate(source_of)
    ]
    planted = pd.DataFrame(
        {"source_row": source_rows, "reason_code": reasons, "description": descriptions}
    )
    return sheet, planted.sort_values("source_row").reset_index(drop=True)


def _excel_date(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _add_variants(rng: np.random.Generator, rows: list[list]) -> None:
    """Reformat some clean rows the way councils' exports do; all must still be accepted."""
    share = demo_settings.DEMO_VARIANT_SHARE
    styles = (
        lambda p: p.lower(),
        lambda p: p.replace(" ", ""),
        lambda p: p.replace(" ", "").lower(),
        lambda p: p.replace(" ", "  "),
        lambda p: f" {p} ",
    )
    cost_col = _H[COLUMNS["weekly_cost"]]
    n = len(rows)
    postcode_style = np.where(rng.random(n) < share, rng.integers(0, len(styles), n), -1)
    hours_text = rng.random(n) < share
    cost_text = rng.random(n) < share
    # Make sure the thousands separator shows up at least once.
    big = [k for k in range(n) if rows[k][cost_col] is not None and rows[k][cost_col] >= 1000]
    if big and not any(cost_text[k] for k in big):
        cost_text[big[0]] = True
    uk, iso = demo_settings.DEMO_DATE_TEXT_SHARE["uk"], demo_settings.DEMO_DATE_TEXT_SHARE["iso"]
    date_draw = rng.random(n)
    for k, row in enumerate(rows):
        if postcode_style[k] >= 0:
            row[_H["Post Code"]] = styles[postcode_style[k]](row[_H["Post Code"]])
        if hours_text[k]:
            row[_H["Planned Hrs/Wk"]] = f"{row[_H['Planned Hrs/Wk']]:g}"
        if cost_text[k] and row[cost_col] is not None:
            row[cost_col] = f"\u00a3{row[cost_col]:,.2f}"
        fmt = "%d/%m/%Y" if date_draw[k] < uk else "%Y-%m-%d" if date_draw[k] < uk + iso else None
        if fmt:
            for col in (_H["Start Date"], _H["End Date"]):
                if row[col] is not None:
                    row[col] = row[col].strftime(fmt)


def _absent_postcodes(rng: np.random.Generator, places: pd.DataFrame, k: int) -> list[str]:
    """Valid-format postcodes in real sectors of the area that exist nowhere in the lookup."""
    if k == 0:
        return []
    sectors = np.unique(pc.sector_series(places["postcode"]).to_numpy())
    known = set(places["postcode"])
    found: list[str] = []
    while len(found) < k:
        # Most unit codes of a sector exist, so draw many candidates to keep a few absent ones.
        letters = rng.choice(list(_UNIT_LETTERS), size=(20 * k, 2))
        candidates = sorted(
            {
                f"{s}{a}{b}"
                for s, (a, b) in zip(rng.choice(sectors, size=20 * k), letters, strict=True)
            }
            - known
            - set(found)
        )
        # Check the whole UK lookup, not just the districts: a sector can cross a boundary.
        real = set(read_postcode_lookup("packaged", postcodes=candidates)["postcode"])
        found += [c for c in candidates if c not in real and pc.is_valid(c)][: k - len(found)]
    return found


def _plant(
    row: list,
    reason: str,
    variant: int,
    rng: np.random.Generator,
    as_of: dt.date,
    not_found: Iterator[str],
) -> str:
    """Give a clean row exactly one fault; return what was done."""
    postcode = row[_H["Post Code"]]
    cost_col = _H[COLUMNS["weekly_cost"]]
    if reason == "customer_id_missing":
        row[_H["Person ID"]] = None
        return "Person ID is blank"
    if reason == "postcode_missing":
        row[_H["Post Code"]] = (None, "  ")[variant % 2]
        return "Post Code is blank"
    if reason == "postcode_invalid":
        options = [
            postcode[:-1],
            f"{postcode[:-3]}{_UNIT_LETTERS[variant % 20]}{postcode[-2:]}",
            str(rng.integers(10_000, 100_000)),
            postcode + "Z",
        ]
        bad = options[variant % len(options)]
        if pc.is_valid(pc.normalise(bad)):
            bad = str(rng.integers(10_000, 100_000))
        row[_H["Post Code"]] = bad
        return f"Post Code {bad!r} is not a valid UK postcode format"
    if reason == "postcode_not_found":
        row[_H["Post Code"]] = absent = next(not_found)
        return f"Post Code {absent!r} has a valid format but does not exist"
    if reason == "hours_missing":
        row[_H["Planned Hrs/Wk"]] = None
        return "Planned Hrs/Wk is blank"
    if reason == "hours_not_numeric":
        row[_H["Planned Hrs/Wk"]] = ("ten", "tbc", "see care plan")[variant % 3]
        return f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]!r}"
    if reason == "hours_not_positive":
        row[_H["Planned Hrs/Wk"]] = (0.0, -7.0, -3.5)[variant % 3]
        return f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]:g}"
    if reason == "hours_implausible":
        row[_H["Planned Hrs/Wk"]] = (400.0, 350.0, 500.0)[variant % 3]
        return (
            f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]:g}, over {settings.MAX_WEEKLY_HOURS:g}"
        )
    if reason == "cost_not_numeric":
        row[cost_col] = ("TBC", "see notes", "\u00a3 to follow")[variant % 3]
        return f"Weekly Cost is {row[cost_col]!r}"
    if reason == "cost_negative":
        row[cost_col] = -abs(row[cost_col])
        return f"Weekly Cost is {row[cost_col]:.2f}"
    if reason == "date_invalid":
        column, text = (
            ("Start Date", "31/02/2024"),
            ("End Date", "not known"),
            ("Start Date", "30/02/2025"),
        )[variant % 3]
        row[_H[column]] = text
        return f"{column} is {text!r}"
    if reason == "end_before_start":
        start = as_of - dt.timedelta(days=int(rng.integers(60, 700)))
        end = start - dt.timedelta(days=int(rng.integers(7, 121)))
        row[_H["Start Date"]], row[_H["End Date"]] = _excel_date(start), _excel_date(end)
        return f"End Date {end:%d/%m/%Y} is before Start Date {start:%d/%m/%Y}"
    raise AssertionError(f"no fault defined for {reason}")  # pragma: no cover
