"""Checking the rows against the register: every value read, every rule applied, every error kept.

The register is loaded in a few queries (`Lookups`); each row is then read (dates, numbers with
`rekrytering.numbers`, flags), resolved (package of the order year, consultant, sector) and
checked with the assignment's own rules (`Assignment.clean`), as the form and the API are.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rekrytering.numbers import parse_decimal, parse_integer

from .. import services
from ..exporting import LEVEL_LABELS, STATUS_LABELS
from ..models import Assignment, Organisation, Package, Sector, User, list_price
from .read import Row, cell_text

Progress = Callable[[int, int], None]

REQUIRED = [
    "Uppdragsnummer",
    "Beställningsdatum",
    "Kund",
    "Beställare",
    "Beställarens e-post",
    "Tjänst",
    "Paket",
    "Konsult",
    "Status",
]
# Label in the file (lower case) → model value; the labels are shared with the export.
LEVELS = {label.lower(): value for value, label in LEVEL_LABELS.items()}
STATUSES = {label.lower(): value for value, label in STATUS_LABELS.items()}
FLAGS = {"ja": True, "nej": False, "": False, "sant": True, "falskt": False}
NUMBER_PATTERN = re.compile(r"\d{4}-\d{4}")
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?")
MAX_LENGTHS = {"Kund": 200, "Beställare": 200, "Beställarens e-post": 254, "Tjänst": 200}
CHUNK = 900  # values per `IN (...)` query, below SQLite's 999 parameters
PROGRESS_EVERY = 500
PRICE_REASON = "Importerat från Access"
# The column of the file that holds each field the assignment's rules speak of.
COLUMNS = {
    "ordered_on": "Beställningsdatum",
    "organisation": "Kund",
    "manager": "Beställarens e-post",
    "role_title": "Tjänst",
    "level": "Nivå",
    "sector": "Verksamhet",
    "package": "Paket",
    "price": "Pris",
    "price_reason": "Pris",
    "extra_hours": "Timmar tillägg",
    "responsible": "Konsult",
    "status": "Status",
    "outcome": "Status",
    "closed_on": "Avslutsdatum",
    "applicants": "Antal sökande",
}


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self):
        if self.line and self.column:
            return f"Rad {self.line}, kolumn {self.column}: {self.message}"
        if self.line:
            return f"Rad {self.line}: {self.message}"
        return self.message


@dataclass
class CleanRow:
    """A checked row: the model values, and what the write step has to find, create or compare."""

    line: int
    number: str
    organisation_name: str
    manager_name: str
    manager_email: str
    package: Package
    hourly_rate: Decimal | None
    fields: dict
    existing: Assignment | None = None
    existing_hourly_rate: Decimal | None = None


# --- Reading one value --------------------------------------------------------------------

EXCEL_EPOCH = datetime(1899, 12, 30)


def parse_date(value) -> date:
    """An Excel date cell, an ISO date `2026-05-01`, or Excel's serial day number."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 36526 <= value < 73051:
        return (EXCEL_EPOCH + timedelta(days=int(value))).date()  # a date cell without date format
    text = cell_text(value)
    match = ISO_DATE.fullmatch(text)
    try:
        if not match:
            raise ValueError
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(
            f'"{text}" är inget giltigt datum; skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-05-01.'
        ) from None


def column_bounds(name: str) -> dict:
    """What the assignment's column holds: its digits and places, and no negative number."""
    model_field = Assignment._meta.get_field(name)
    return {"max_digits": model_field.max_digits, "decimal_places": model_field.decimal_places, "minimum": 0}


def parse_amount(value, *, field: str) -> Decimal:
    """`24 000`, `1 200,50 kr` or a spreadsheet number, within the column (rekrytering.numbers)."""
    return parse_decimal(value, **column_bounds(field))


def parse_count(value) -> int:
    return parse_integer(value, minimum=0)


def parse_flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text.lower() not in FLAGS:
        raise ValueError(f'"{text}" ska vara Ja eller Nej (tomt betyder Nej).')
    return FLAGS[text.lower()]


def chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Lookups:
    """Everything the rows refer to, loaded in a few queries."""

    def __init__(self, rows: list[Row]):
        numbers = sorted({cell_text(r.values["Uppdragsnummer"]) for r in rows} - {""})
        self.existing: dict[str, Assignment] = {}
        for chunk in chunks(numbers):
            self.existing.update({a.number: a for a in Assignment.objects.filter(number__in=chunk)})
        years = {a.ordered_on.year for a in self.existing.values()}
        for row in rows:
            try:
                years.add(parse_date(row.values["Beställningsdatum"]).year)
            except ValueError:
                pass
        self.years_with_list = set()
        self.packages: dict[tuple[int, str], Package] = {}
        by_name = {}
        for package in Package.objects.filter(price_list__year__in=years).select_related("price_list"):
            year = package.price_list.year
            self.years_with_list.add(year)
            self.packages[(year, package.code.lower())] = package
            by_name[(year, package.name.lower())] = package
        for key, package in by_name.items():  # a code wins over a name
            self.packages.setdefault(key, package)
        self.hourly_rates = {year: services.hourly_rate(year) for year in sorted(self.years_with_list)}

        self.organisations = {o.name.lower(): o for o in Organisation.objects.only("id", "name", "active")}
        users = list(User.objects.only("id", "username", "initials", "is_active"))
        self.users = {u.initials.lower(): u for u in users if u.initials}
        self.users.update({u.username.lower(): u for u in users})  # a username wins over initials
        self.sectors = {s.name.lower(): s for s in Sector.objects.only("id", "name", "active")}


def validate(rows: list[Row], *, progress: Progress | None = None) -> tuple[list[CleanRow], list[RowError]]:
    """Check every row; the clean rows and every error, with line numbers as in the file."""
    lookups = Lookups(rows)
    clean, errors, seen = [], [], {}
    total = len(rows)
    for index, row in enumerate(rows, start=1):
        checked = _check_row(row, lookups, seen)
        if isinstance(checked, CleanRow):
            clean.append(checked)
        else:
            errors.extend(checked)
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, total)
    return clean, errors


def _check_row(row: Row, lookups: Lookups, seen: dict[str, int]) -> CleanRow | list[RowError]:
    """The row, checked and resolved; or its errors."""
    raw, line = row.values, row.line
    errors = [RowError(line, "", problem) for problem in row.problems]

    def error(column, message):
        errors.append(RowError(line, column, message))

    text = {column: cell_text(value) for column, value in raw.items()}
    for column in REQUIRED:
        if not text[column]:
            error(column, "värde saknas.")
    for column, limit in MAX_LENGTHS.items():
        if len(text[column]) > limit:
            error(column, f"högst {limit} tecken (här {len(text[column])}).")

    number = text["Uppdragsnummer"]
    if number and not NUMBER_PATTERN.fullmatch(number):
        error("Uppdragsnummer", f'"{number}" ska se ut som ÅÅÅÅ-NNNN, till exempel 2026-0142.')
    elif number in seen:
        error("Uppdragsnummer", f"uppdragsnumret {number} finns redan på rad {seen[number]} i filen.")
    elif number:
        seen[number] = line

    def parsed(column, parse, **kwargs):
        if not text[column] and parse is not parse_flag:
            return None
        try:
            return parse(raw[column], **kwargs)
        except ValueError as e:  # NumberError is a ValueError
            error(column, str(e))
            return None

    ordered_on = parsed("Beställningsdatum", parse_date)
    closed_on = parsed("Avslutsdatum", parse_date)
    invoiced_on = parsed("Fakturerad", parse_date)
    price = parsed("Pris", parse_amount, field="price")
    extra_hours = parsed("Timmar tillägg", parse_amount, field="extra_hours")
    applicants = parsed("Antal sökande", parse_count)
    flags = {column: parsed(column, parse_flag) for column in ("Personligt brev", "Screening", "Tester")}

    email = text["Beställarens e-post"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error("Beställarens e-post", f'"{text["Beställarens e-post"]}" är ingen giltig e-postadress.')

    level = LEVELS.get(text["Nivå"].lower() or "medarbetare")
    if level is None:
        error("Nivå", f'"{text["Nivå"]}" är ingen nivå; skriv Medarbetare, Chef eller Högre chef.')

    sector = None
    if text["Verksamhet"]:
        sector = lookups.sectors.get(text["Verksamhet"].lower())
        if sector is None:
            allowed = ", ".join(sorted(s.name for s in lookups.sectors.values())) or "(inga registrerade)"
            error("Verksamhet", f'verksamheten "{text["Verksamhet"]}" finns inte. Tillåtna: {allowed}.')

    package = None
    if text["Paket"] and ordered_on:
        year = ordered_on.year
        package = lookups.packages.get((year, text["Paket"].lower()))
        if year not in lookups.years_with_list:
            error("Paket", f"det finns ingen prislista för {year}.")
        elif package is None:
            error("Paket", f'paketet "{text["Paket"]}" finns inte i prislistan för {year}.')

    responsible = lookups.users.get(text["Konsult"].lower()) if text["Konsult"] else None
    if text["Konsult"] and responsible is None:
        error("Konsult", f'"{text["Konsult"]}" är varken användarnamn eller initialer för någon användare.')

    status = STATUSES.get(text["Status"].lower())
    if text["Status"] and status is None:
        error(
            "Status",
            f'"{text["Status"]}" är ingen status; skriv Förfrågan, Pågående, Tillsatt, Ej tillsatt '
            "eller Avbruten.",
        )
    if errors:
        return errors
    existing = lookups.existing.get(number)
    quantity = existing.quantity if existing else Decimal("1")
    listed = list_price(package, quantity)
    if price is None:
        price = listed  # empty Pris: the list price (for the quantity an existing assignment has)
    price_reason = existing.price_reason if existing and existing.price_reason.strip() else ""
    if price != listed and not price_reason:
        price_reason = PRICE_REASON
    # The assignment's own rules, as the form and the API apply them (Assignment.clean).
    candidate = Assignment(
        pk=existing.pk if existing else None,
        package=package,
        sector=sector,
        responsible=responsible,
        ordered_on=ordered_on,
        quantity=quantity,
        price=price,
        price_reason=price_reason,
        status=status[0],
        outcome=status[1],
        closed_on=closed_on,
    )
    organisation = lookups.organisations.get(text["Kund"].lower())
    if organisation is not None:
        candidate.organisation = organisation
    candidate._stored = existing._stored if existing else {}
    try:
        candidate.clean()
    except ValidationError as refused:
        for name, messages in refused.message_dict.items():
            for message in messages:
                error(COLUMNS.get(name, ""), message)
        return errors
    return CleanRow(
        line=line,
        number=number,
        organisation_name=text["Kund"],
        manager_name=text["Beställare"],
        manager_email=email,
        package=package,
        hourly_rate=lookups.hourly_rates.get(ordered_on.year),
        existing=existing,
        existing_hourly_rate=lookups.hourly_rates.get(existing.ordered_on.year) if existing else None,
        fields={
            "ordered_on": ordered_on,
            "role_title": text["Tjänst"],
            "level": level,
            "sector_id": sector.pk if sector else None,
            "package_id": package.pk,
            "price": price,
            "price_reason": price_reason,
            "extra_hours": extra_hours or Decimal("0"),
            "responsible_id": responsible.pk,
            "status": status[0],
            "outcome": status[1],
            "closed_on": closed_on,
            "applicants": applicants,
            "personal_letter": flags["Personligt brev"],
            "screening": flags["Screening"],
            "psychometric_tests": flags["Tester"],
            "invoiced_on": invoiced_on,
        },
    )
