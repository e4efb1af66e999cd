"""Import of earlier survey responses from the old survey tool's CSV export.

Columns: `Enkät` (kundenkat, kandidatenkat, matchningsenkat or utbildningsutvardering), `Besvarad`
(date), `Uppdragsnummer` (optional), then one column per question key with a number, Ja/Nej or text;
an empty cell is an unanswered question. All or nothing, like the assignment import. A candidate
response keeps only its answer month, whatever the file says about its assignment.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from assignments.importing import RowError
from assignments.models import Assignment
from rekrytering.inputs import clean_text
from rekrytering.numbers import NumberError, parse_integer
from rekrytering.uploads import UploadRefused, check_upload

from .models import Kind, Question, Response
from .questionnaires import published
from .services import create_response, questionnaire_for

FIXED = ["Enkät", "Besvarad", "Uppdragsnummer"]


@dataclass
class ResponseImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


def known_questions(kind: str) -> dict[str, str]:
    """key → type for every question a kind has asked, published or in any version."""
    keys = {spec["key"]: spec["type"] for spec in published()[kind]["questions"]}
    for key, qtype in Question.objects.filter(questionnaire__kind=kind).values_list("key", "type"):
        keys.setdefault(key, qtype)
    return keys


def _value(qtype: str, raw: str):
    if qtype in ("scale", "nps"):
        low = 0 if qtype == "nps" else 1
        try:
            number = parse_integer(raw, minimum=low, maximum=10)
        except NumberError:
            number = None
        if number is None:
            raise ValueError(f"”{raw}” ska vara ett heltal från {low} till 10.")
        return number
    if qtype == "yesno":
        if raw.lower() not in ("ja", "nej"):
            raise ValueError(f"”{raw}” ska vara Ja eller Nej.")
        return raw.lower() == "ja"
    return clean_text(raw)[:5000]


def import_responses(*, file, filename: str = "svar.csv") -> ResponseImportResult:
    """All or nothing; the upload limits (rekrytering.uploads) are checked before the file is read."""
    result = ResponseImportResult()
    try:
        check_upload(file, filename)
    except UploadRefused as error:
        result.errors.append(RowError(0, "", str(error)))
        return result
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", "Filen måste vara sparad som UTF-8."))
        return result
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h in ("Enkät", "Besvarad") if h not in headers]
    if missing:
        result.errors.append(RowError(0, "", f"Kolumner saknas: {', '.join(missing)}."))
        return result
    question_columns = [h for h in headers if h not in FIXED]
    known = {kind: known_questions(kind) for kind in Kind.values}
    numbers = set()
    rows = []
    for line, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(raw.values()):
            continue
        errors = []
        kind = raw.get("Enkät", "")
        if kind not in Kind.values:
            errors.append(RowError(line, "Enkät", f"”{kind}” ska vara {', '.join(Kind.values)}."))
        try:
            answered_on = date.fromisoformat(raw.get("Besvarad", ""))
        except ValueError:
            errors.append(
                RowError(line, "Besvarad", f"”{raw.get('Besvarad', '')}” är inget datum (ÅÅÅÅ-MM-DD).")
            )
            answered_on = None
        number = raw.get("Uppdragsnummer", "")
        if number:
            numbers.add(number)
        values = {}
        if kind in Kind.values:
            for column in question_columns:
                cell = raw.get(column, "")
                if not cell:
                    continue
                if column not in known[kind]:
                    errors.append(
                        RowError(line, column, f"frågan ”{column}” finns inte i {Kind(kind).label.lower()}.")
                    )
                    continue
                try:
                    values[column] = (_value(known[kind][column], cell), known[kind][column])
                except ValueError as error:
                    errors.append(RowError(line, column, str(error)))
            if not values and not errors:
                errors.append(RowError(line, "", "raden har inga svar."))
        result.errors.extend(errors)
        rows.append((line, kind, answered_on, number, values))
    assignments = {
        a.number: a
        for a in Assignment.objects.filter(number__in=numbers).select_related("responsible", "package")
    }
    for line, _kind, _answered_on, number, _values in rows:
        if number and number not in assignments:
            result.errors.append(RowError(line, "Uppdragsnummer", f"uppdrag {number} finns inte."))
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result
    if not rows:
        result.errors.append(RowError(0, "", "Filen innehåller inga svar."))
        return result
    with transaction.atomic():
        for _line, kind, answered_on, number, values in rows:
            # One service for every response (an anonymous one keeps nothing of its assignment).
            # No follow-up: the old tool's dissatisfied customers were followed up there, and a
            # follow-up due years ago would only crowd the list.
            create_response(
                questionnaire_for(kind, answered_on.year),
                {key: value for key, (value, _qtype) in values.items()},
                answered_at=timezone.make_aware(datetime.combine(answered_on, time(12))),
                assignment=assignments.get(number),
                source=Response.Source.IMPORT,
                types={key: qtype for key, (_value, qtype) in values.items()},
                follow_up=False,
            )
            result.created += 1
    return result
