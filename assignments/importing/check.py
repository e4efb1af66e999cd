"""Checking the rows against the register: every value read, every rule applied, every error kept.

The register is loaded in a few queries (`Lookups`); each row is then read (dates, numbers with
`rekrytering.numbers`, flags), resolved (package of the order year, consultant, sector) and
checked with the assignment's own rules (`Assignment.clean`), as the form and the API are.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rekrytering.numbers import parse_decimal, parse_integer

from .. import services
from ..exporting import LEVEL_LABELS, STATUS_LABELS
from ..models import Assignment, Manager, Organisation, Package, Sector, User, list_price
from . import names as similar_names
from .history import Proposal
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
    # Set when the error goes away once the person confirms it (a look-alike name, the price
    # lists to create): what the confirmation names.
    confirm: str = ""

    def as_dict(self):
        error = {"line": self.line, "column": self.column, "message": self.message}
        if self.confirm:
            error["confirm"] = self.confirm
        return error

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


PRICE_LISTS = "price_lists"  # the confirm key of the price lists made from the file


@dataclass(frozen=True)
class Confirmations:
    """What the person confirmed after it was listed to them.

    `names`: the keys (`similar_names.LookAlike.key`) of new names that look like known ones, or None for
    every such name (the command's --confirm-new-names). `price_lists`: the lists to create from
    the file exactly as they were listed (`Proposal.as_list()`), or None for whatever the file
    gives (the command's --create-price-lists).
    """

    names: frozenset | None = frozenset()
    price_lists: list | None = field(default_factory=list)

    def name_confirmed(self, look_alike: similar_names.LookAlike) -> bool:
        return self.names is None or look_alike.key in self.names

    def price_lists_confirmed(self, listed: list[dict]) -> bool:
        return self.price_lists is None or self.price_lists == listed


@dataclass
class Checked:
    """What `validate` found: the clean rows, every error, and what the file would create or
    needs confirmed (look-alike names, price lists of years that have none)."""

    clean: list
    errors: list
    proposal: Proposal
    look_alikes: list = field(default_factory=list)

    @property
    def confirmation(self) -> dict:
        """What the person would be asked to confirm: `{"names": [...], "price_lists": [...]}`."""
        found = {}
        if self.look_alikes:
            found["names"] = [look_alike.as_dict() for look_alike in self.look_alikes]
        if self.proposal.priced:
            found["price_lists"] = self.proposal.as_list()
        return found

    @property
    def needs_only_confirmation(self) -> bool:
        return bool(self.errors) and all(error.confirm for error in self.errors)


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
        self.proposal = self._propose(rows, years - self.years_with_list)

        self.organisations = {o.name.lower(): o for o in Organisation.objects.only("id", "name", "active")}
        users = list(User.objects.only("id", "username", "initials", "is_active"))
        self.users = {u.initials.lower(): u for u in users if u.initials}
        self.users.update({u.username.lower(): u for u in users})  # a username wins over initials
        self.sectors = {s.name.lower(): s for s in Sector.objects.only("id", "name", "active")}

    def _propose(self, rows: list[Row], missing_years: set[int]) -> Proposal:
        """The price lists of the years without one, from the rows' packages and prices."""
        proposal = Proposal(missing_years)
        for row in rows if missing_years else []:
            try:
                year = parse_date(row.values["Beställningsdatum"]).year
            except ValueError:
                continue
            text = cell_text(row.values["Paket"])
            if year not in missing_years or not text:
                continue
            price = None
            if cell_text(row.values["Pris"]):
                try:
                    price = parse_amount(row.values["Pris"], field="price")
                except ValueError:
                    pass  # the row's own check reports it
            proposal.add(year=year, text=text, price=price, line=row.line)
        proposal.build()
        for proposed in proposal.priced:
            if proposed.package.is_hourly_rate:
                self.hourly_rates[proposed.year] = proposed.price
        return proposal

    def managers_by_organisation(self, organisation_names: set[str]) -> dict[str, list[str]]:
        """Lower-case organisation name → its managers' names, for the organisations named."""
        wanted = [o.pk for key, o in self.organisations.items() if key in organisation_names]
        found: dict[str, list[str]] = {}
        for chunk in chunks(wanted):
            for organisation, name in Manager.objects.filter(organisation_id__in=chunk).values_list(
                "organisation__name", "name"
            ):
                found.setdefault(similar_names.normalise(organisation), []).append(name)
        return found

    def known_emails(self, emails: list[str]) -> set[str]:
        known = set()
        for chunk in chunks(sorted(emails)):
            known.update(Manager.objects.filter(email__in=chunk).values_list("email", flat=True))
        return known


def validate(
    rows: list[Row], *, progress: Progress | None = None, confirmed: Confirmations | None = None
) -> Checked:
    """Check every row; the clean rows and every error, with line numbers as in the file.

    A new name that looks like a known one, and a year without a price list whose list the file
    can give, are errors with a `confirm` key unless `confirmed` names them.
    """
    confirmed = confirmed or Confirmations()
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
    checked = Checked(clean, errors, lookups.proposal, _look_alikes(rows, lookups))
    for look_alike in checked.look_alikes:
        if not confirmed.name_confirmed(look_alike):
            errors.append(_look_alike_error(look_alike))
    listed = lookups.proposal.as_list()
    if listed and not confirmed.price_lists_confirmed(listed):
        errors.append(_price_lists_error(lookups.proposal))
    errors.sort(key=lambda error: error.line)
    return checked


def _look_alikes(rows: list[Row], lookups: Lookups) -> list[similar_names.LookAlike]:
    """The new organisations and managers whose names look like known ones."""
    organisations: dict[str, list[int]] = {}
    first_spelling: dict[str, str] = {}
    managers = []
    for row in rows:
        organisation = cell_text(row.values["Kund"])
        if organisation:
            key = similar_names.normalise(organisation)
            organisations.setdefault(first_spelling.setdefault(key, organisation), []).append(row.line)
        name = cell_text(row.values["Beställare"])
        email = cell_text(row.values["Beställarens e-post"]).lower()
        if organisation and name and email:
            managers.append((name, email, organisation, row.line))
    found = similar_names.new_organisations(organisations, [o.name for o in lookups.organisations.values()])
    known_emails = lookups.known_emails([email for _name, email, _organisation, _line in managers])
    new_managers = [m for m in managers if m[1] not in known_emails]
    if new_managers:
        known = lookups.managers_by_organisation({similar_names.normalise(m[2]) for m in new_managers})
        found += similar_names.new_managers(new_managers, known)
    return found


def _look_alike_error(look_alike: similar_names.LookAlike) -> RowError:
    where = f" Namnet står på {look_alike.lines} rader i filen." if look_alike.lines > 1 else ""
    if look_alike.kind == similar_names.ORGANISATION:
        column = "Kund"
        message = (
            f'organisationen "{look_alike.name}" finns inte, men liknar "{look_alike.similar_to}" – '
            f"menade du {look_alike.similar_to}? Rätta namnet i filen, eller bekräfta att en ny "
            f"organisation ska skapas.{where}"
        )
    else:
        column = "Beställare"
        message = (
            f'beställaren "{look_alike.name}" ({look_alike.email}) finns inte, men liknar '
            f'"{look_alike.similar_to}" i {look_alike.organisation} – menade du {look_alike.similar_to}? '
            f"Rätta namn och e-post i filen, eller bekräfta att en ny beställare ska skapas.{where}"
        )
    return RowError(look_alike.line, column, message, confirm=look_alike.key)


def _price_lists_error(proposal: Proposal) -> RowError:
    years = sorted({p.year for p in proposal.priced})
    shown = ", ".join(str(year) for year in years[:-1]) + (" och " if len(years) > 1 else "") + str(years[-1])
    first_line = min(line for p in proposal.priced for line in p.lines)
    return RowError(
        first_line,
        "Beställningsdatum",
        f"det finns ingen prislista för {shown}. Prislistorna kan skapas ur filens paket och priser "
        "när du har bekräftat listan över dem (år, paket, pris).",
        confirm=PRICE_LISTS,
    )


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
        proposed = lookups.proposal.package(year, text["Paket"])
        if year in lookups.years_with_list:
            if package is None:
                error("Paket", f'paketet "{text["Paket"]}" finns inte i prislistan för {year}.')
        elif proposed is None or proposed.price is None:
            error(
                "Pris",
                f'det finns ingen prislista för {year}, och paketet "{text["Paket"]}" har inget pris på '
                "någon rad i filen; ange Pris så att prislistan kan skapas ur filen.",
            )
        else:
            package = proposed.package

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
            "package_id": package.pk,  # None for a package of a list the import creates (write sets it)
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
