"""The questionnaires as the department publishes them (data/enkater.yaml), and their versions."""

from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from .models import Kind, Question, Questionnaire

DATA = Path(__file__).resolve().parent / "data" / "enkater.yaml"

TYPES = {
    "scale": Question.Type.SCALE,
    "nps": Question.Type.NPS,
    "yesno": Question.Type.YESNO,
    "text": Question.Type.TEXT,
}
OPTIONAL_TYPES = {Question.Type.TEXT}


@cache
def published() -> dict:
    with open(DATA, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _condition(spec: dict) -> tuple[str, str]:
    applies = spec.get("applies_when", "")
    if not applies:
        return "", ""
    if applies.startswith("references"):
        return Question.Condition.REFERENCES, ""
    if applies.startswith("psychometric tests"):
        return Question.Condition.TESTS, ""
    if applies.endswith(" is yes"):
        return Question.Condition.ANSWER_YES, applies.split()[0]
    return "", ""


def question_specs(kind: str, year: int) -> list[dict]:
    """The questions a kind asks in a year: retired ones dropped, new ones from their first year."""
    specs = []
    for spec in published()[kind]["questions"]:
        if spec.get("retired") and year >= spec["retired"]:
            continue
        if spec.get("since") and year < spec["since"]:
            continue
        specs.append(spec)
    return specs


@transaction.atomic
def seed_questionnaire(kind: str, year: int) -> Questionnaire:
    """Create the year's version of a kind from the published questions (idempotent)."""
    source = published()[kind]
    questionnaire, created = Questionnaire.objects.get_or_create(
        kind=kind,
        year=year,
        defaults={
            "title": source["title"],
            "intro": source.get("intro", ""),
            "anonymous": bool(source.get("anonymous")),
        },
    )
    if created:
        for order, spec in enumerate(question_specs(kind, year), start=1):
            condition, condition_key = _condition(spec)
            qtype = TYPES[spec["type"]]
            Question.objects.create(
                questionnaire=questionnaire,
                key=spec["key"],
                order=order,
                type=qtype,
                text=spec["text"],
                optional=qtype in OPTIONAL_TYPES or spec["key"] == "vill_bli_kontaktad",
                condition=condition,
                condition_key=condition_key,
                anchors=spec.get("anchors", Question.Anchors.AGREEMENT),
            )
    return questionnaire


def seed_all(year: int) -> list[Questionnaire]:
    return [seed_questionnaire(kind, year) for kind in Kind.values]


@transaction.atomic
def copy_questionnaire(questionnaire: Questionnaire, to_year: int) -> Questionnaire:
    """Copy a version with its questions to another year, for the admin to edit."""
    copy = Questionnaire.objects.create(
        kind=questionnaire.kind,
        year=to_year,
        title=questionnaire.title,
        intro=questionnaire.intro,
        anonymous=questionnaire.anonymous,
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=copy,
            key=q.key,
            order=q.order,
            type=q.type,
            text=q.text,
            optional=q.optional,
            condition=q.condition,
            condition_key=q.condition_key,
            anchors=q.anchors,
        )
        for q in questionnaire.questions.all()
    )
    return copy


def published_history(kind: str) -> dict[str, dict[int, float]]:
    """Published yearly results per question key, for years before the system's own data."""
    return {spec["key"]: spec.get("history", {}) for spec in published()[kind]["questions"]}
