"""What a user reads for an indicator's measure and its selection (urval): Swedish labels, never
the keys and JSON the plan stores (`share_of_entered`, `{"package": ["chef"]}`)."""

from assignments.models import Assignment, Organisation, Package
from rekrytering import memo
from surveys.models import Kind, Question
from surveys.questionnaires import published

from .measures import FLAGS, MEASURES

# The selection's keys as the follow-up, the edit form and the export name them.
FILTER_NAMES = {
    "package": "Paket",
    "level": "Nivå",
    "sector": "Verksamhet",
    "organisation_kind": "Typ av organisation",
    "organisation": "Organisation",
    "outcome": "Utfall",
    "flag": "Uppdrag",
    "kind": "Enkät",
    "question": "Fråga",
}
MEASURE_BY_LABEL = {label.lower(): key for key, (label, _function) in MEASURES.items()}


def measure_label(key: str) -> str:
    """`share_of_entered` → `Andel av angiven nämnare (%)`; empty for an indicator entered by hand."""
    if not key:
        return ""
    return MEASURES[key][0] if key in MEASURES else key


def measure_key(text: str) -> str | None:
    """The measure a label (or, from older exports, a key) names; '' for none, None if unknown."""
    text = (text or "").strip()
    if not text:
        return ""
    if text in MEASURES:
        return text
    return MEASURE_BY_LABEL.get(text.lower())


def package_names() -> dict[str, str]:
    """Package code → the name of its latest price list (once per page in a figure cache)."""
    return memo.cached(
        "package_names",
        lambda: dict(Package.objects.order_by("price_list__year").values_list("code", "name")),
    )


def _question_text(kind: str, key: str) -> str:
    for spec in published().get(kind, {}).get("questions", []):
        if spec["key"] == key:
            return spec["text"]
    question = (
        Question.objects.filter(key=key, questionnaire__kind=kind).order_by("-questionnaire__year").first()
    )
    return question.text if question else key


def filter_labels(filters: dict, *, packages: dict[str, str] | None = None) -> list[str]:
    """Each part of a selection as `Name: value` in Swedish, in the order the plan stored them."""
    parts = []
    for key, value in (filters or {}).items():
        if key == "without":
            continue
        if key == "package":
            codes = [value] if isinstance(value, str) else list(value)
            names = packages if packages is not None else package_names()
            shown = ", ".join(names.get(code, code) for code in codes)
        elif key == "level":
            shown = dict(Assignment.Level.choices).get(value, value)
        elif key == "organisation_kind":
            shown = dict(Organisation.Kind.choices).get(value, value)
        elif key == "outcome":
            shown = dict(Assignment.Outcome.choices).get(value, value)
        elif key == "flag":
            shown = f"{'utan' if filters.get('without') else 'med'} {FLAGS.get(value, value)}"
        elif key == "kind":
            shown = Kind(value).label if value in Kind.values else value
        elif key == "question":
            shown = _question_text(filters.get("kind", Kind.KUND), value)
        else:
            shown = value
        parts.append(f"{FILTER_NAMES.get(key, key)}: {shown}")
    return parts


def describe_filters(filters: dict, **kwargs) -> str:
    """`{"package": ["stora"], "sector": "Äldreomsorg"}` → `Paket: Stora paketet; Verksamhet: Äldreomsorg`."""
    return "; ".join(filter_labels(filters, **kwargs))
