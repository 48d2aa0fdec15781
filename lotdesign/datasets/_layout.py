"""What the demo extract looks like: its sheet, headers, reject reasons and name stock."""

from __future__ import annotations

#: Sheet of the extract that holds the packages.
SHEET: str = "Packages"
#: Words every demo output carries.
SYNTHETIC_NOTE: str = "SYNTHETIC DEMO DATA \u2014 not real people"
#: Config ``inputs.columns``: lotdesign field -> council-style header in the extract.
COLUMNS: dict[str, str] = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost (\u00a3)",
    "provider": "Provider Name",
    "gp_practice": "GP Practice Code",
    "start_date": "Start Date",
    "end_date": "End Date",
    "service_type": "Service Type",
}
#: Reasons the reader gives rejected rows, in the order it checks them.
REJECT_REASONS: tuple[str, ...] = (
    "duplicate_row",
    "customer_id_missing",
    "postcode_missing",
    "postcode_invalid",
    "hours_missing",
    "hours_not_numeric",
    "hours_not_positive",
    "hours_implausible",
    "cost_not_numeric",
    "cost_negative",
    "date_invalid",
    "end_before_start",
    "postcode_not_found",
)
#: NHS ODS default code for "GP practice not known".
GP_UNKNOWN_CODE: str = "V81999"

# Extract headers in sheet order; "Package ID" and "Team" are extras the reader ignores.
_HEADERS: tuple[str, ...] = (
    "Package ID",
    COLUMNS["customer_id"],
    COLUMNS["postcode"],
    "Team",
    COLUMNS["service_type"],
    COLUMNS["provider"],
    COLUMNS["weekly_hours"],
    COLUMNS["weekly_cost"],
    COLUMNS["gp_practice"],
    COLUMNS["start_date"],
    COLUMNS["end_date"],
)
_H = {key: i for i, key in enumerate(_HEADERS)}

_PERSONAL = "Personal care"
_DOMESTIC = "Domestic/Sitting"

_PROVIDER_WORDS = (
    "Amber", "Bluebell", "Bramble", "Brook", "Clover", "Copper", "Daisy", "Downland", "Elder",
    "Fern", "Foxglove", "Harbour", "Heather", "Heron", "Juniper", "Kestrel", "Lark", "Lavender",
    "Linnet", "Meadow", "Orchard", "Otter", "Primrose", "Quill", "Robin", "Saffron", "Sorrel",
    "Swallow", "Teasel", "Thistle", "Wren", "Yarrow",
)  # fmt: skip
_PROVIDER_KINDS = (
    "Home Care", "Care at Home", "Homecare", "Care Services", "Support at Home", "Community Care",
)  # fmt: skip
_PRACTICE_WORDS = (
    "ALDER", "ASH", "BEECH", "BIRCH", "CEDAR", "CHERRY", "ELM", "HAWTHORN", "HAZEL", "HOLLY",
    "JUNIPER", "LARCH", "LINDEN", "MAPLE", "MYRTLE", "OAK", "POPLAR", "ROWAN", "WILLOW", "YEW",
)  # fmt: skip
_PRACTICE_KINDS = (
    "SURGERY", "MEDICAL CENTRE", "MEDICAL PRACTICE", "HEALTH CENTRE", "FAMILY PRACTICE",
)  # fmt: skip
# Letters used in the unit part of inward codes (Royal Mail never uses C, I, K, M, O, V there).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
