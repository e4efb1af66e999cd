"""Import of assignments from the old MS Access database (xlsx, or CSV as Swedish Excel writes it).

All or nothing: every row is checked first (outside the write transaction, so progress can be
shown), and only a file without errors is written, in one transaction with bulk operations.
`Uppdragsnummer` is the key: a row equal to what is stored changes nothing.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .exporting import EXPORT_COLUMNS
from .models import (
    Assignment,
    AssignmentSequence,
    Manager,
    Organisation,
    Package,
    Sector,
    User,
)

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
LEVELS = {
    "medarbetare": "medarbetare",
    "chef": "chef",
    "högre chef": "hogre_chef",
    "hogre chef": "hogre_chef",
}
STATUSES = {
    "förfrågan": ("forfragan", ""),
    "pågående": ("pagaende", ""),
    "tillsatt": ("avslutad", "tillsatt"),
    "ej tillsatt": ("avslutad", "ej_tillsatt"),
    "avbruten": ("avslutad", "avbruten"),
}
FLAGS = {"ja": True, "nej": False, "": False}
NUMBER_PATTERN = re.compile(r"^\d{4}-\d{1,6}$")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_WITH_MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]00:00(:00)?")
MAX_ROWS = 50_000
# The fields a row sets; an existing assignment is updated only where these differ.
IMPORTED_FIELDS = [
    "ordered_on",
    "organisation_id",
    "manager_id",
    "role_title",
    "level",
    "sector_id",
    "package_id",
    "price",
    "price_reason",
    "extra_hours",
    "responsible_id",
    "status",
    "outcome",
    "closed_on",
    "applicants",
    "personal_letter",
    "screening",
    "psychometric_tests",
    "invoiced_on",
    "invoiced_amount",
]


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self):
        if self.line:
            return f"Rad {self.line}, kolumn {self.column}: {self.message}"
        return self.message


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


class FileError(Exception):
    """The file as a whole cannot be read."""


# --- Reading ------------------------------------------------------------------------------


def read_table(file_obj, filename: str) -> pd.DataFrame:
    """The file as a DataFrame of raw cell values (strings for CSV, Excel types for xlsx)."""
    name = filename.lower()
    data = file_obj.read()
    if name.endswith(".xlsx"):
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise FileError("Filen kunde inte läsas som en Excel-fil (.xlsx).") from error
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FileError("CSV-filen måste vara sparad som UTF-8 (”CSV UTF-8” i Excel).") from error
        first_line = text.split("\n", 1)[0]
        if ";" not in first_line:
            raise FileError("CSV-filen ska vara semikolonseparerad, som svenska Excel sparar den.")
        try:
            frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, ValueError) as error:
            raise FileError(f"CSV-filen kunde inte läsas: {error}") from error
    else:
        raise FileError("Filen ska vara en .xlsx- eller .csv-fil.")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in EXPORT_COLUMNS if c not in frame.columns]
    if missing:
        raise FileError(f"Kolumner saknas: {', '.join(missing)}. Använd mallen.")
    if len(frame) > MAX_ROWS:
        raise FileError(f"Filen har {len(frame)} rader; högst {MAX_ROWS} går att importera på en gång.")
    return frame


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and pd.isna(value):
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Parsing one value --------------------------------------------------------------------


def parse_date(value) -> date:
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if DATE_WITH_MIDNIGHT.fullmatch(text):
        text = text[:10]
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"”{text}” är inget datum; skriv det som ÅÅÅÅ-MM-DD.") from None


def parse_decimal(value) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and pd.isna(value):
            raise ValueError("värde saknas")
        return Decimal(str(round(value, 2)))
    text = _text(value).replace("\xa0", "").replace(" ", "").replace("kr", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            f"”{_text(value)}” är inget tal; skriv till exempel 24 000 eller 1 200,50."
        ) from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"”{_text(value)}” ska vara ett tal som är noll eller större.")
    if number >= Decimal("10000000000"):
        raise ValueError(f"”{_text(value)}” är för stort.")
    return number.quantize(Decimal("0.01"))


def parse_int(value) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"”{_text(value)}” ska vara ett heltal.")
    return int(number)


# --- Checking the rows --------------------------------------------------------------------


class Lookups:
    """Everything a row refers to, loaded in a few queries."""

    def __init__(self, frame: pd.DataFrame):
        self.packages = {}
        for package in Package.objects.select_related("price_list"):
            year = package.price_list.year
            self.packages[(year, package.code.lower())] = package
            self.packages.setdefault((year, package.name.lower()), package)
        self.hourly_rates = {p.price_list.year: p.price for p in self.packages.values() if p.is_hourly_rate}
        self.users = {}
        for user in User.objects.all():
            self.users[user.username.lower()] = user
            if user.initials:
                self.users.setdefault(user.initials.lower(), user)
        self.organisations = {o.name.lower(): o for o in Organisation.objects.all()}
        emails = {_text(e).lower() for e in frame["Beställarens e-post"]}
        self.managers = {m.email: m for m in Manager.objects.filter(email__in=emails)}
        self.sectors = {s.name.lower(): s for s in Sector.objects.all()}
        numbers = [_text(n) for n in frame["Uppdragsnummer"]]
        self.existing = {a.number: a for a in Assignment.objects.filter(number__in=numbers)}


def check_rows(frame: pd.DataFrame, lookups: Lookups, progress=None) -> tuple[list[dict], list[RowError]]:
    """Validate every row; returns the cleaned rows and every error (line numbers as in the file)."""
    cleaned, errors, seen = [], [], {}
    total = len(frame)
    records = frame.to_dict("records")
    for index, raw in enumerate(records):
        line = index + 2  # the header is line 1
        if all(_text(v) == "" for v in raw.values()):
            continue
        row_errors = []

        def error(column, message, row_errors=row_errors, line=line):
            row_errors.append(RowError(line, column, message))

        for column in REQUIRED:
            if _text(raw[column]) == "":
                error(column, "värde saknas.")
        values = {"line": line}
        number = _text(raw["Uppdragsnummer"])
        if number and not NUMBER_PATTERN.match(number):
            error("Uppdragsnummer", f"”{number}” ska se ut som 2026-0142.")
        elif number in seen:
            error("Uppdragsnummer", f"{number} finns redan på rad {seen[number]}.")
        elif number:
            seen[number] = line
        values["number"] = number

        for column, key in (
            ("Beställningsdatum", "ordered_on"),
            ("Avslutsdatum", "closed_on"),
            ("Fakturerad", "invoiced_on"),
        ):
            values[key] = None
            if _text(raw[column]):
                try:
                    values[key] = parse_date(raw[column])
                except ValueError as e:
                    error(column, str(e))
        for column, key in (("Pris", "price"), ("Timmar tillägg", "extra_hours")):
            values[key] = None
            if _text(raw[column]):
                try:
                    values[key] = parse_decimal(raw[column])
                except ValueError as e:
                    error(column, str(e))
        values["applicants"] = None
        if _text(raw["Antal sökande"]):
            try:
                values["applicants"] = parse_int(raw["Antal sökande"])
            except ValueError as e:
                error("Antal sökande", str(e))

        email = _text(raw["Beställarens e-post"]).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error("Beställarens e-post", f"”{email}” är ingen giltig e-postadress.")
        values["manager_email"] = email
        values["manager_name"] = _text(raw["Beställare"])
        values["organisation_name"] = _text(raw["Kund"])
        values["role_title"] = _text(raw["Tjänst"])[:200]

        level = _text(raw["Nivå"]).lower() or "medarbetare"
        if level not in LEVELS:
            error("Nivå", f"”{_text(raw['Nivå'])}” ska vara Medarbetare, Chef eller Högre chef.")
        values["level"] = LEVELS.get(level, "medarbetare")

        sector_name = _text(raw["Verksamhet"])
        values["sector"] = None
        if sector_name:
            values["sector"] = lookups.sectors.get(sector_name.lower())
            if values["sector"] is None:
                allowed = ", ".join(sorted(s.name for s in lookups.sectors.values()))
                error("Verksamhet", f"”{sector_name}” finns inte. Tillåtna: {allowed}.")

        package_name = _text(raw["Paket"])
        values["package"] = None
        if package_name and values["ordered_on"]:
            year = values["ordered_on"].year
            values["package"] = lookups.packages.get((year, package_name.lower()))
            if values["package"] is None:
                error("Paket", f"paketet ”{package_name}” finns inte i prislistan för {year}.")

        consultant = _text(raw["Konsult"])
        values["responsible"] = lookups.users.get(consultant.lower()) if consultant else None
        if consultant and values["responsible"] is None:
            error("Konsult", f"”{consultant}” är ingen känd användare (användarnamn eller initialer).")

        status = _text(raw["Status"]).lower()
        if status and status not in STATUSES:
            error(
                "Status",
                f"”{_text(raw['Status'])}” ska vara Förfrågan, Pågående, Tillsatt, Ej tillsatt "
                "eller Avbruten.",
            )
        values["status"], values["outcome"] = STATUSES.get(status, ("forfragan", ""))
        if (
            values["status"] == "avslutad"
            and status in STATUSES
            and not values["closed_on"]
            and not _text(raw["Avslutsdatum"])
        ):
            error(
                "Avslutsdatum", "ett avslutat uppdrag (Tillsatt, Ej tillsatt, Avbruten) behöver avslutsdatum."
            )
        if values["closed_on"] and values["ordered_on"] and values["closed_on"] < values["ordered_on"]:
            error("Avslutsdatum", "avslutsdatum är före beställningsdatum.")

        for column, key in (
            ("Personligt brev", "personal_letter"),
            ("Screening", "screening"),
            ("Tester", "psychometric_tests"),
        ):
            flag = _text(raw[column]).lower()
            if flag not in FLAGS:
                error(column, f"”{_text(raw[column])}” ska vara Ja eller Nej.")
            values[key] = FLAGS.get(flag, False)

        if row_errors:
            errors.extend(row_errors)
        else:
            cleaned.append(values)
        if progress and (index + 1) % 500 == 0:
            progress(index + 1, total)
    return cleaned, errors


# --- Writing ------------------------------------------------------------------------------


def _guess_kind(name: str) -> str:
    lower = name.lower()
    if "stadsdelsförvaltning" in lower:
        return Organisation.Kind.SDF
    if lower.startswith("ab ") or " ab" in lower or lower.endswith(" ab"):
        return Organisation.Kind.BOLAG
    return Organisation.Kind.FACK


def _fields(values: dict, lookups: Lookups, organisations: dict, managers: dict, existing=None) -> dict:
    package = values["package"]
    price = values["price"] if values["price"] is not None else package.price
    closed = values["status"] == "avslutad"
    invoiced_amount = None
    if values["invoiced_on"]:
        if (
            existing is not None
            and existing.invoiced_on == values["invoiced_on"]
            and existing.invoiced_amount
        ):
            # The file has no amount: keep one already recorded for the same invoice.
            invoiced_amount = existing.invoiced_amount
        else:
            rate = lookups.hourly_rates.get(values["ordered_on"].year) or Decimal("0")
            invoiced_amount = (price + (values["extra_hours"] or Decimal("0")) * rate).quantize(
                Decimal("0.01")
            )
    return {
        "ordered_on": values["ordered_on"],
        "organisation_id": organisations[values["organisation_name"].lower()].pk,
        "manager_id": managers[values["manager_email"]].pk,
        "role_title": values["role_title"],
        "level": values["level"],
        "sector_id": values["sector"].pk if values["sector"] else None,
        "package_id": package.pk,
        "price": price,
        "extra_hours": values["extra_hours"] or Decimal("0"),
        "responsible_id": values["responsible"].pk,
        "status": values["status"],
        "outcome": values["outcome"],
        "closed_on": values["closed_on"] if closed else None,
        "applicants": values["applicants"],
        "personal_letter": values["personal_letter"],
        "screening": values["screening"],
        "psychometric_tests": values["psychometric_tests"],
        "invoiced_on": values["invoiced_on"],
        "invoiced_amount": invoiced_amount,
    }


def _differs(assignment: Assignment, fields: dict) -> bool:
    return any(getattr(assignment, name) != value for name, value in fields.items())


def _explain_price(assignment: Assignment, package: Package) -> None:
    """A price off the price list needs a reason; an imported one gets this one."""
    list_price = (package.price * assignment.quantity).quantize(Decimal("0.01"))
    if assignment.price != list_price and not assignment.price_reason:
        assignment.price_reason = "Importerat från Access"


def write_rows(rows: list[dict], lookups: Lookups, *, by: User) -> ImportResult:
    """Create and update in one transaction. Call only with rows that passed check_rows."""
    result = ImportResult(total=len(rows))
    with transaction.atomic():
        organisations = dict(lookups.organisations)
        new_orgs = {}
        for values in rows:
            key = values["organisation_name"].lower()
            if key not in organisations and key not in new_orgs:
                new_orgs[key] = Organisation(
                    name=values["organisation_name"], kind=_guess_kind(values["organisation_name"])
                )
        for organisation in Organisation.objects.bulk_create(new_orgs.values()):
            organisations[organisation.name.lower()] = organisation
        managers = dict(lookups.managers)
        new_managers = {}
        for values in rows:
            email = values["manager_email"]
            if email not in managers and email not in new_managers:
                new_managers[email] = Manager(
                    name=values["manager_name"],
                    email=email,
                    organisation=organisations[values["organisation_name"].lower()],
                )
        for manager in Manager.objects.bulk_create(new_managers.values()):
            managers[manager.email] = manager

        to_create, to_update = [], []
        for values in rows:
            existing = lookups.existing.get(values["number"])
            fields = _fields(values, lookups, organisations, managers, existing)
            if existing is None:
                assignment = Assignment(number=values["number"], **fields)
                _explain_price(assignment, values["package"])
                if assignment.status != "forfragan":
                    assignment.started_on = assignment.ordered_on
                if assignment.status == "avslutad":
                    assignment.hires = 1 if assignment.outcome == "tillsatt" else 0
                to_create.append(assignment)
            elif _differs(existing, fields):
                for name, value in fields.items():
                    setattr(existing, name, value)
                _explain_price(existing, values["package"])
                if existing.status != "forfragan" and existing.started_on is None:
                    existing.started_on = existing.ordered_on
                to_update.append(existing)
            else:
                result.unchanged += 1
        if to_create:
            bulk_create_with_history(to_create, Assignment, batch_size=1000, default_user=by)
        if to_update:
            bulk_update_with_history(
                to_update, Assignment, IMPORTED_FIELDS + ["started_on"], batch_size=1000, default_user=by
            )
        result.created, result.updated = len(to_create), len(to_update)
        _reserve_numbers([a.number for a in to_create])
    return result


def _reserve_numbers(numbers: list[str]) -> None:
    """Keep each year's sequence ahead of the imported numbers."""
    highest: dict[int, int] = {}
    for number in numbers:
        year, serial = number.split("-")
        highest[int(year)] = max(highest.get(int(year), 0), int(serial))
    for year, serial in highest.items():
        sequence, _created = AssignmentSequence.objects.select_for_update().get_or_create(year=year)
        if serial > sequence.last:
            sequence.last = serial
            sequence.save(update_fields=["last"])


def import_assignments(
    *, file, filename: str, by: User, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Check the whole file, then write it all or nothing. User errors come back in the result."""
    try:
        frame = read_table(file, filename)
    except FileError as error:
        return ImportResult(errors=[RowError(0, "", str(error))])
    total = len(frame)
    if progress:
        progress(0, total)
    lookups = Lookups(frame)
    rows, errors = check_rows(frame, lookups, progress=progress)
    if errors:
        return ImportResult(total=total, errors=errors)
    if not rows:
        return ImportResult(total=0, errors=[RowError(0, "", "Filen innehåller inga uppdrag.")])
    try:
        result = write_rows(rows, lookups, by=by)
    except IntegrityError:
        return ImportResult(
            total=total,
            errors=[
                RowError(
                    0,
                    "",
                    "Uppdragen ändrades av någon annan medan filen lästes in. Inget sparades; försök igen.",
                )
            ],
        )
    if progress:
        progress(total, total)
    return result
