"""The plan as the Excel file admins hand on, and back: export → import → export gives the same content.

Sheets: `Mål`, `Indikatorer` and `Aktiviteter`. `Mål` and `Överordnat mål` hold goal titles; dates
are ISO; targets are written as the plans write them. The Indikatorer sheet ends with the columns
Riktning, Mått and Urval in Swedish, then `Mått, kod` and `Urval, kod` which the import reads, so
that computed indicators survive the round trip. Numbers are read by `rekrytering.numbers`,
bounded by the column that keeps them.
"""

import json
import textwrap
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assignments.importing import Progress, RowError
from rekrytering.numbers import NumberError, parse_decimal
from rekrytering.spreadsheets import append, print_on_a4_landscape
from rekrytering.uploads import UploadRefused, check_upload

from .labels import describe_filters, measure_key, measure_label, package_names
from .models import Activity, Goal, Indicator, IndicatorOutcome, Plan, column_bounds
from .services import default_title, outcomes, require_free_year
from .targets import apply_target, format_target

GOAL_COLUMNS = [
    "Nivå",
    "Nummer",
    "Rubrik",
    "Överordnat mål",
    "Beskrivning",
    "Förväntat resultat",
    "Arbetssätt",
    "Uppföljning",
]
INDICATOR_COLUMNS = [
    "Mål",
    "Indikator",
    "Årsmål",
    "KF:s årsmål",
    "Periodicitet",
    "Utfall T1",
    "Utfall T2",
    "Utfall T3",
    "Riktning",
    "Mått",
    "Urval",
    "Mått, kod",
    "Urval, kod",
]
ACTIVITY_COLUMNS = ["Mål", "Aktivitet", "Startdatum", "Slutdatum", "Ansvarig", "Status"]
# The outcomes and the measure may be left out: a plan written before the year has no outcomes,
# and an indicator without a measure is entered by hand. The rest of each sheet must be there.
OUTCOME_COLUMNS = ["Utfall T1", "Utfall T2", "Utfall T3"]
OPTIONAL_COLUMNS = {
    "Indikatorer": OUTCOME_COLUMNS + ["Riktning", "Mått", "Urval", "Mått, kod", "Urval, kod"],
}
LEVEL_NAMES = {value: str(label) for value, label in Goal.Level.choices}
LEVEL_BY_NAME = {str(label).lower(): value for value, label in Goal.Level.choices}
PERIODICITY = {"tertial": Indicator.Periodicity.TERTIAL, "år": Indicator.Periodicity.AR}
DIRECTIONS = {str(label).lower(): value for value, label in Indicator.Direction.choices}
STATUSES = {str(label).lower(): value for value, label in Activity.Status.choices}
WIDTHS = {
    "Rubrik": 50,
    "Överordnat mål": 40,
    "Beskrivning": 60,
    "Förväntat resultat": 50,
    "Arbetssätt": 50,
    "Uppföljning": 40,
    "Mål": 40,
    "Indikator": 50,
    "Aktivitet": 60,
    "KF:s årsmål": 20,
    "Urval": 40,
    "Mått": 30,
}


# --- Export --------------------------------------------------------------------------------


def _sheet(workbook, title, columns, rows):
    sheet = workbook.create_sheet(title)
    append(sheet, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for row in rows:
        append(sheet, row)
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    return sheet


def export_plan(plan: Plan, file_obj) -> None:
    goals = list(plan.goals.select_related("parent").order_by("order", "id"))
    indicators = (
        Indicator.objects.filter(goal__plan=plan)
        .select_related("goal__plan")
        .prefetch_related("outcomes")
        .order_by("goal__order", "goal_id", "order", "id")
    )
    activities = (
        Activity.objects.filter(goal__plan=plan)
        .select_related("goal")
        .order_by("goal__order", "goal_id", "order", "id")
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        "Mål",
        GOAL_COLUMNS,
        [
            [
                LEVEL_NAMES[g.level],
                g.number,
                g.title,
                g.parent.title if g.parent else "",
                g.description,
                g.expected_result,
                g.approach,
                g.follow_up,
            ]
            for g in goals
        ],
    )
    rows = []
    packages = package_names()
    every = [(i, t, {o.tertial: o for o in i.outcomes.all()}.get(t)) for i in indicators for t in (1, 2, 3)]
    results = iter(outcomes(every))
    for i in indicators:
        cells = []
        for _tertial in (1, 2, 3):
            result = next(results)
            if result.value_yes is not None:
                cells.append("Ja" if result.value_yes else "Nej")
            else:
                cells.append(float(result.value) if result.value is not None else None)
        rows.append(
            [
                i.goal.title,
                i.name,
                format_target(i),
                i.kf_target,
                str(i.get_periodicity_display()),
                *cells,
                str(i.get_direction_display()),
                measure_label(i.measure),
                describe_filters(i.filters, packages=packages),
                i.measure,
                json.dumps(i.filters, ensure_ascii=False) if i.filters else "",
            ]
        )
    _sheet(workbook, "Indikatorer", INDICATOR_COLUMNS, rows)
    sheet = _sheet(
        workbook,
        "Aktiviteter",
        ACTIVITY_COLUMNS,
        [
            [a.goal.title, a.text, a.start, a.end, a.responsible, str(a.get_status_display())]
            for a in activities
        ],
    )
    for column in ("C", "D"):
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    workbook.save(file_obj)


# --- Template ------------------------------------------------------------------------------

COLUMN_HELP = {
    "Mål": {
        "Nivå": "KF:s inriktningsmål, KF:s mål för verksamhetsområdet, Nämndmål eller Enhetsmål.",
        "Nummer": "Målets nummer som planen skriver det, t.ex. 3.1. Får vara tomt.",
        "Rubrik": "Målets text. Varje mål behöver en egen rubrik: indikatorer och aktiviteter pekar ut "
        "målet med den.",
        "Överordnat mål": "Rubriken på målet ovanför i målkedjan (samma text som i kolumnen Rubrik). "
        "Tomt för KF:s inriktningsmål.",
        "Beskrivning": "Får vara tomt.",
        "Förväntat resultat": "Får vara tomt; en punkt per rad.",
        "Arbetssätt": "Får vara tomt.",
        "Uppföljning": "Får vara tomt.",
    },
    "Indikatorer": {
        "Mål": "Rubriken på målet som indikatorn hör till, som i fliken Mål.",
        "Indikator": "Indikatorns text.",
        "Årsmål": "Som planen skriver det, t.ex. 97 %, 9,5 /10, 70 NPS, 1 200 000 kr, 40 st, Ja. Får vara "
        "tomt.",
        "KF:s årsmål": "Får vara tomt.",
        "Periodicitet": "Tertial eller År (tomt = Tertial).",
        "Utfall T1": "Frivillig. Utfallet till och med tertial 1 för en indikator som anges för hand. "
        "En plan som skrivs före året lämnar kolumnen tom eller tar bort den.",
        "Utfall T2": "Frivillig, som Utfall T1 (januari–augusti).",
        "Utfall T3": "Frivillig, som Utfall T1 (helår).",
        "Riktning": "Frivillig. Minst, Högst eller Exakt: hur utfallet jämförs med årsmålet (tomt = Minst).",
        "Mått": "Frivillig. Ett av systemets mått när indikatorn ska räknas fram ur registret och "
        "enkäterna; tomt när utfallet anges för hand.",
        "Urval": "Frivillig. Måttets urval i ord, som exporten skriver det.",
        "Mått, kod": "Frivillig. Skrivs av exporten; lämna den som den är eller tom.",
        "Urval, kod": "Frivillig. Skrivs av exporten; lämna den som den är eller tom.",
    },
    "Aktiviteter": {
        "Mål": "Rubriken på målet som aktiviteten hör till, som i fliken Mål.",
        "Aktivitet": "Aktivitetens text.",
        "Startdatum": "ÅÅÅÅ-MM-DD. Får vara tomt.",
        "Slutdatum": "ÅÅÅÅ-MM-DD, inte före startdatum. Får vara tomt.",
        "Ansvarig": "T.ex. initialer. Får vara tomt.",
        "Status": "Ej påbörjad, Pågår, Klar, Uppskjuten eller Avbruten (tomt = Ej påbörjad).",
    },
}
TEMPLATE_LISTS = {
    ("Mål", "Nivå"): list(LEVEL_NAMES.values()),
    ("Indikatorer", "Periodicitet"): ["Tertial", "År"],
    ("Indikatorer", "Riktning"): [str(label) for _value, label in Indicator.Direction.choices],
    ("Aktiviteter", "Status"): [str(label) for _value, label in Activity.Status.choices],
}
OPTIONAL_FILL = PatternFill("solid", fgColor="EDEDED")


def template_plan(file_obj) -> None:
    """An empty plan to fill in: the three sheets the import reads, with their header rows (the
    columns that may be left out in grey, among them the outcomes, which a plan written before
    the year does not have) and a sheet of instructions, first."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = "Anvisningar"
    lines = [
        ("Mall för verksamhetsplan", True),
        (
            "Fyll i flikarna Mål, Indikatorer och Aktiviteter, en rad per mål, indikator och aktivitet. "
            "Ändra inte rubrikraderna.",
            False,
        ),
        (
            "Kolumner med grå rubrik är frivilliga. En plan som skrivs före året har inga utfall: lämna "
            "Utfall T1–T3 tomma eller ta bort de kolumnerna. En plan med utfall (till exempel en export "
            "från systemet) läses in med sina utfall.",
            False,
        ),
        (
            "Allt eller inget: finns ett enda fel sparas ingenting, och importen visar varje fel med flik, "
            "rad och kolumn.",
            False,
        ),
    ]
    for text, bold in lines:
        append(guide, [text])
        guide.cell(row=guide.max_row, column=1).font = Font(bold=bold, size=14 if bold else 11)
    append(guide, [])
    append(guide, ["Flik", "Kolumn", "Kolumnen", "Vad den innehåller"])
    header_row = guide.max_row
    for cell in guide[header_row]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for sheet_name, columns in (
        ("Mål", GOAL_COLUMNS),
        ("Indikatorer", INDICATOR_COLUMNS),
        ("Aktiviteter", ACTIVITY_COLUMNS),
    ):
        optional = OPTIONAL_COLUMNS.get(sheet_name, [])
        for name in columns:
            needed = "får saknas" if name in optional else "måste finnas"
            append(guide, [sheet_name, name, needed, COLUMN_HELP[sheet_name][name]])
            # A generated file's rows do not grow by themselves: as many lines as the text needs.
            lines = len(textwrap.wrap(COLUMN_HELP[sheet_name][name], 100))
            guide.row_dimensions[guide.max_row].height = 15 * max(1, lines)
        sheet = _sheet(workbook, sheet_name, columns, [])
        print_on_a4_landscape(sheet, center=f"Verksamhetsplan: {sheet_name}", title_rows=1)
        for index, name in enumerate(columns, start=1):
            if name in optional:
                sheet.cell(row=1, column=index).fill = OPTIONAL_FILL
                sheet.cell(row=1, column=index).font = Font(bold=True, italic=True)
            values = TEMPLATE_LISTS.get((sheet_name, name))
            if values:
                letter = get_column_letter(index)
                check = DataValidation(
                    type="list",
                    formula1='"' + ",".join(values) + '"',
                    allow_blank=True,
                    error=f"Välj en av: {', '.join(values)}.",
                    errorTitle=name,
                )
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}1000")
    for letter, width in zip("ABCD", (14, 20, 14, 95), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    for row in range(2, header_row - 1):
        guide.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        guide.row_dimensions[row].height = 32
    print_on_a4_landscape(guide, center="Mall för verksamhetsplan", title_rows=0)
    workbook.save(file_obj)


# --- Import --------------------------------------------------------------------------------


@dataclass
class PlanImportResult:
    plan: Plan | None = None
    errors: list[RowError] = field(default_factory=list)
    total: int = 0  # rows read, all sheets together


class SheetError(RowError):
    def __init__(self, sheet, line, column, message):
        super().__init__(line, column, message)
        self.sheet = sheet

    def __str__(self):
        return (
            f"Flik {self.sheet}, rad {self.line}, kolumn {self.column}: {self.message}"
            if self.line
            else f"Flik {self.sheet}: {self.message}"
        )

    def as_dict(self):
        return {"sheet": self.sheet, **super().as_dict()}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(_text(value))


def _rows(workbook, title, columns, errors):
    if title not in workbook.sheetnames:
        errors.append(SheetError(title, 0, "", "fliken saknas."))
        return []
    sheet = workbook[title]
    sheet.reset_dimensions()  # the size stored in the file may be wrong, and would cut rows off
    header = [_text(c.value) for c in next(sheet.iter_rows(min_row=1, max_row=1), ())]
    optional = OPTIONAL_COLUMNS.get(title, [])
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        errors.append(SheetError(title, 0, "", f"kolumner saknas: {', '.join(missing)}."))
        return []
    # An outcome column under another name would be left out without a word: say so instead.
    unknown = [c for c in header if c.lower().startswith("utfall") and c not in columns]
    if unknown:
        names = ", ".join(f"”{c}”" for c in unknown)
        which = f"kolumnen {names} är okänd" if len(unknown) == 1 else f"kolumnerna {names} är okända"
        errors.append(
            SheetError(
                title,
                0,
                "",
                f"{which}; utfallen står i kolumnerna Utfall T1, Utfall T2 och Utfall T3 (de får "
                "också saknas).",
            )
        )
        return []
    rows = []
    for line, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        row = {
            name: values[header.index(name)] if name in header and header.index(name) < len(values) else None
            for name in columns
        }
        if all(_text(v) == "" for v in row.values()):
            continue
        rows.append((line, row))
    return rows


def import_plan(
    *, year: int, file, unit=None, title: str = "", progress: Progress | None = None
) -> PlanImportResult:
    """Create the year's plan from the file, all or nothing, with every error by sheet, row and column.

    The upload limits (rekrytering.uploads) are checked before the workbook is opened.
    `progress(processed, total)` is called when the rows are read and when they are checked.
    """
    result = PlanImportResult()
    errors = result.errors
    try:
        check_upload(file, "plan.xlsx")
    except UploadRefused as error:
        errors.append(SheetError("–", 0, "", str(error)))
        return result
    try:
        require_free_year(year, unit)
    except ValidationError as error:
        # Lower case after the sheet's "Flik –:", as every message of the import.
        message = error.messages[0]
        errors.append(SheetError("–", 0, "", f"{message[0].lower()}{message[1:]} Ta bort den först."))
        return result
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        errors.append(SheetError("–", 0, "", "filen kunde inte läsas som en Excel-fil (.xlsx)."))
        return result
    try:
        goal_rows = _rows(workbook, "Mål", GOAL_COLUMNS, errors)
        indicator_rows = _rows(workbook, "Indikatorer", INDICATOR_COLUMNS, errors)
        activity_rows = _rows(workbook, "Aktiviteter", ACTIVITY_COLUMNS, errors)
    except (ValueError, KeyError, TypeError, IndexError, OSError, zipfile.BadZipFile):
        # a sheet openpyxl cannot read to the end
        errors.append(SheetError("–", 0, "", "filen kunde inte läsas som en Excel-fil (.xlsx)."))
        return result
    finally:
        workbook.close()
    result.total = len(goal_rows) + len(indicator_rows) + len(activity_rows)
    if progress:
        progress(0, result.total)

    goals, titles = [], {}
    for line, row in goal_rows:
        level = LEVEL_BY_NAME.get(_text(row["Nivå"]).lower())
        if level is None:
            errors.append(
                SheetError(
                    "Mål",
                    line,
                    "Nivå",
                    f"”{_text(row['Nivå'])}” ska vara en av: "
                    + ", ".join(str(v) for v in LEVEL_NAMES.values())
                    + ".",
                )
            )
        title_text = _text(row["Rubrik"])
        if not title_text:
            errors.append(SheetError("Mål", line, "Rubrik", "rubrik saknas."))
        elif title_text in titles:
            errors.append(
                SheetError(
                    "Mål",
                    line,
                    "Rubrik",
                    f"rubriken finns redan på rad {titles[title_text]}; varje mål behöver en egen rubrik.",
                )
            )
        else:
            titles[title_text] = line
        goals.append((line, level, title_text, row))
    for line, _level, _title, row in goals:
        parent = _text(row["Överordnat mål"])
        if parent and parent not in titles:
            errors.append(
                SheetError("Mål", line, "Överordnat mål", f"målet ”{parent}” finns inte i fliken Mål.")
            )

    indicators = []
    for line, row in indicator_rows:
        goal_title = _text(row["Mål"])
        if goal_title not in titles:
            errors.append(
                SheetError("Indikatorer", line, "Mål", f"målet ”{goal_title}” finns inte i fliken Mål.")
            )
        if not _text(row["Indikator"]):
            errors.append(SheetError("Indikatorer", line, "Indikator", "indikatorns namn saknas."))
        indicator = Indicator(name=_text(row["Indikator"]), kf_target=_text(row["KF:s årsmål"])[:200])
        try:
            apply_target(indicator, _text(row["Årsmål"]))
        except ValueError as error:
            errors.append(SheetError("Indikatorer", line, "Årsmål", str(error)))
        periodicity = PERIODICITY.get(_text(row["Periodicitet"]).lower() or "tertial")
        if periodicity is None:
            errors.append(SheetError("Indikatorer", line, "Periodicitet", "ska vara Tertial eller År."))
        indicator.periodicity = periodicity or Indicator.Periodicity.TERTIAL
        direction = _text(row.get("Riktning")).lower()
        if direction and direction not in DIRECTIONS:
            errors.append(SheetError("Indikatorer", line, "Riktning", "ska vara Minst, Högst eller Exakt."))
        indicator.direction = DIRECTIONS.get(direction, Indicator.Direction.AT_LEAST)
        coded = bool(_text(row.get("Mått, kod")) or _text(row.get("Urval, kod")))
        measure = measure_key(_text(row.get("Mått, kod")) if coded else _text(row.get("Mått")))
        if measure is None:
            column = "Mått, kod" if coded else "Mått"
            errors.append(
                SheetError("Indikatorer", line, column, f"”{_text(row.get(column))}” är inget känt mått.")
            )
        indicator.measure = measure or ""
        selection = "Urval, kod" if coded else "Urval"
        try:
            indicator.filters = json.loads(_text(row.get(selection)) or "{}")
            if not isinstance(indicator.filters, dict):
                raise ValueError
        except ValueError:
            message = (
                "ska vara tomt eller ett JSON-objekt."
                if coded
                else "kan inte läsas; lämna kolumnerna Mått, kod och Urval, kod som exporten skrev dem."
            )
            errors.append(SheetError("Indikatorer", line, selection, message))
            indicator.filters = {}
        values = {}
        for tertial in (1, 2, 3):
            column = f"Utfall T{tertial}"
            cell = row[column]  # None when the column is left out
            if _text(cell) == "" or measure:
                continue
            if _text(cell).lower() in ("ja", "nej"):
                values[tertial] = (None, _text(cell).lower() == "ja")
                continue
            try:
                number = parse_decimal(
                    cell, label=indicator.label, **column_bounds(IndicatorOutcome, "value")
                )
            except NumberError as error:
                errors.append(SheetError("Indikatorer", line, column, str(error)))
            else:
                values[tertial] = (number, None)
        indicators.append((goal_title, indicator, values))

    activities = []
    for line, row in activity_rows:
        goal_title = _text(row["Mål"])
        if goal_title not in titles:
            errors.append(
                SheetError("Aktiviteter", line, "Mål", f"målet ”{goal_title}” finns inte i fliken Mål.")
            )
        dates = {}
        for column in ("Startdatum", "Slutdatum"):
            try:
                dates[column] = _date(row[column])
            except ValueError:
                errors.append(
                    SheetError(
                        "Aktiviteter", line, column, f"”{_text(row[column])}” är inget datum (ÅÅÅÅ-MM-DD)."
                    )
                )
        if dates.get("Startdatum") and dates.get("Slutdatum") and dates["Slutdatum"] < dates["Startdatum"]:
            errors.append(SheetError("Aktiviteter", line, "Slutdatum", "slutdatum är före startdatum."))
        status = STATUSES.get(_text(row["Status"]).lower() or "ej påbörjad")
        if status is None:
            errors.append(
                SheetError(
                    "Aktiviteter",
                    line,
                    "Status",
                    "ska vara " + ", ".join(str(label) for _v, label in Activity.Status.choices) + ".",
                )
            )
        activities.append(
            (
                goal_title,
                Activity(
                    text=_text(row["Aktivitet"]),
                    start=dates.get("Startdatum"),
                    end=dates.get("Slutdatum"),
                    responsible=_text(row["Ansvarig"])[:200],
                    status=status or Activity.Status.EJ_PABORJAD,
                ),
            )
        )
    if progress:
        progress(result.total, result.total)
    if errors:
        return result

    try:
        with transaction.atomic():
            plan = Plan.objects.create(year=year, unit=unit, title=title or default_title(year, unit))
            by_title = {}
            for order, (_line, level, title_text, row) in enumerate(goals):
                by_title[title_text] = Goal.objects.create(
                    plan=plan,
                    level=level,
                    number=_text(row["Nummer"]),
                    title=title_text,
                    order=order,
                    description=_text(row["Beskrivning"]),
                    expected_result=_text(row["Förväntat resultat"]),
                    approach=_text(row["Arbetssätt"]),
                    follow_up=_text(row["Uppföljning"]),
                )
            for _line, _level, title_text, row in goals:
                parent = _text(row["Överordnat mål"])
                if parent:
                    Goal.objects.filter(pk=by_title[title_text].pk).update(parent=by_title[parent])
            for order, (goal_title, indicator, values) in enumerate(indicators):
                indicator.goal = by_title[goal_title]
                indicator.order = order
                indicator.save()
                for tertial, (value, value_yes) in values.items():
                    IndicatorOutcome.objects.create(
                        indicator=indicator, tertial=tertial, value=value, value_yes=value_yes
                    )
            for order, (goal_title, activity) in enumerate(activities):
                activity.goal = by_title[goal_title]
                activity.order = order
                activity.save()
    except IntegrityError:
        # Another import or a copy created the year's plan since the check above.
        whom = f" för {unit}" if unit else ""
        errors.append(SheetError("–", 0, "", f"det finns redan en plan{whom} för {year}. Ta bort den först."))
        return result
    result.plan = plan
    return result
