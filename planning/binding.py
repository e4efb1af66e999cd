"""A measure and its selection proposed from an indicator's wording, with no code per indicator.

The wording is read against the data itself — the price lists' package names, the register's
organisations, their kinds and the sectors, the questionnaires' question texts — and against a
table of phrases (planning.MeasurePhrase, from planning/data/measure_phrases.yaml) for what the data
cannot say: which words ask for a count, a share, a mean, a response rate; which name ourselves;
which mark an indicator that is entered by hand. Each proposal says in Swedish what it read where.

    vocabulary = Vocabulary.load(year)
    proposal = propose("Antal sålda lärarpaket", vocabulary)
    proposal.measure, proposal.filters   # "ordered", {"package": ["larare"]}

Words are compared by their stems (Swedish endings off: "kandidaterna" → "kandidat"), so an
indicator may say "stadsdelsförvaltningar" where the register says "Stadsdelsförvaltning".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Max

# Inflections taken off a word to compare it (longest first); at least four letters stay.
SUFFIXES = sorted(
    [
        "arnas", "ernas", "ornas", "arna", "erna", "orna", "ande", "ende", "ades", "ens", "ets", "ars",
        "ers", "ors", "ade", "ats", "an", "en", "et", "ar", "er", "or", "at", "ad", "na", "de", "te",
        "s", "a", "e", "n", "t",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
# Words that say nothing about which question an indicator means.
STOP_WORDS = {
    "du", "att", "och", "i", "på", "som", "av", "en", "ett", "det", "den", "de", "vid", "med", "för",
    "hur", "var", "har", "fick", "till", "om", "din", "ditt", "dina", "vår", "våra", "vi", "jag", "mig",
    "dig", "sig", "sin", "sitt", "under", "efter", "innan", "är", "vara", "varit", "bra", "ge", "ger",
    "väl", "vilket", "vilka", "kan", "skulle", "eller", "andra", "så", "inte", "ha", "hade", "från",
    "kring", "samt", "oss", "hen", "andel", "antal", "tycker", "tyckte", "fått", "hela",
}  # fmt: skip
WORD = re.compile(r"[0-9a-zåäöéüæø]+", re.IGNORECASE)
GAP = 3  # words a phrase's words may have between them
QUESTION_MIN_WORDS, QUESTION_MIN_SHARE = 2, 0.5

ASSIGNMENT_MEASURES = {
    "ordered",
    "closed",
    "distinct_organisations",
    "flag_count",
    "flag_share",
    "mean_hours",
    "share_of_entered",
}
KIND_MEASURES = {"response_count", "response_rate"}  # the kind is their selection
CUSTOMER_KIND = "kundenkat"


def stem(word: str) -> str:
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    return [stem(word) for word in WORD.findall((text or "").lower())]


def _same(word: str, key: str, *, compound: bool = False) -> bool:
    """Whether a word of the indicator (stemmed) is the key (stemmed): the same, or one the other
    with a letter or two more (stemming takes "-en" off "kandidatenkäten" but "-t" off
    "kandidatenkät"); with `compound`, also a compound ending in it ("screeningtester")."""
    if word == key:
        return True
    if min(len(word), len(key)) >= 4 and abs(len(word) - len(key)) <= 2:
        if word.startswith(key) or key.startswith(word):
            return True
    return compound and len(key) >= 4 and (word.endswith(key) or word[:-1].endswith(key[:-1]))


def find(words: list[str], phrase: list[str], used=frozenset(), *, compound=False, adjacent=False):
    """The positions of the phrase's words in `words`, in order and at most GAP apart (adjacent:
    none between), skipping positions in `used`; None when it is not there."""
    gap = 0 if adjacent else GAP
    for first, word in enumerate(words):
        if first in used or not _same(word, phrase[0], compound=compound):
            continue
        found, at = [first], first
        for key in phrase[1:]:
            nxt = next(
                (
                    i
                    for i in range(at + 1, min(len(words), at + gap + 2))
                    if i not in used and _same(words[i], key, compound=compound)
                ),
                None,
            )
            if nxt is None:
                break
            found.append(nxt)
            at = nxt
        else:
            return found
    return None


@dataclass(frozen=True)
class Phrase:
    role: str
    words: tuple[str, ...]
    text: str
    measure: str = ""
    needs: str = ""
    question: str = ""
    filters: tuple = ()
    compound: bool = False

    @classmethod
    def of(cls, row) -> Phrase:
        return cls(
            role=row.role,
            words=tuple(stems(row.phrase)),
            text=row.phrase,
            measure=row.measure,
            needs=row.needs,
            question=row.question,
            filters=tuple(sorted((row.filters or {}).items(), key=lambda item: item[0])),
            compound=row.compound,
        )


@dataclass(frozen=True)
class Question:
    kind: str
    key: str
    text: str
    type: str
    words: frozenset


@dataclass
class Vocabulary:
    """What the wording is read against: the phrase table and the register's names."""

    phrases: list[Phrase]
    packages: dict[tuple[str, ...], tuple[str, str]]  # name's stems → (code, name)
    manager_packages: list[str]
    organisations: dict[tuple[str, ...], str]  # name's stems → name
    organisation_kinds: dict[str, tuple[str, str]]  # label's stem → (kind, label)
    sectors: dict[str, str]  # name's stem → name
    questions: list[Question]
    kind_labels: dict[str, str]
    kind_stems: dict[str, str] = field(default_factory=dict)  # a survey's name's stem → kind

    @classmethod
    def load(cls, year: int) -> Vocabulary:
        from assignments.models import Organisation, Package, Sector
        from surveys.models import Kind
        from surveys.selectors import questions_asked

        from .models import MeasurePhrase

        packages: dict[tuple[str, ...], tuple[str, str]] = {}
        manager = set()
        for code, name, is_manager in (
            Package.objects.filter(is_hourly_rate=False)
            .order_by("price_list__year")
            .values_list("code", "name", "is_manager_recruitment")
        ):
            packages[tuple(stems(name))] = (code, name)
            if is_manager:
                manager.add(code)
        latest = dict(
            Package.objects.values("code").annotate(year=Max("price_list__year")).values_list("code", "year")
        )
        names = {code: name for code, name in packages.values()}
        for key, (code, _name) in packages.items():
            packages[key] = (code, names.get(code, code))
        questions = []
        for kind, asked in questions_asked(Kind.values, year).items():
            for key, (text, type_) in asked.items():
                if type_ == "text":
                    continue
                words = frozenset(w for w in stems(text) if w not in STOP_WORDS)
                questions.append(Question(kind, key, text, type_, words))
        return cls(
            phrases=[Phrase.of(row) for row in MeasurePhrase.objects.order_by("order", "id")],
            packages=packages,
            manager_packages=sorted(manager, key=lambda code: (-latest.get(code, 0), code)),
            organisations={
                tuple(stems(name)): name for name in Organisation.objects.values_list("name", flat=True)
            },
            organisation_kinds={
                stem(str(label)): (value, str(label)) for value, label in Organisation.Kind.choices
            },
            sectors={stem(name): name for name in Sector.objects.values_list("name", flat=True)},
            questions=questions,
            kind_labels={value: str(label) for value, label in Kind.choices},
            kind_stems={stem(str(label)): value for value, label in Kind.choices},
        )


@dataclass
class Proposal:
    measure: str
    filters: dict
    reasons: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


@dataclass
class _Reading:
    """What was found in one indicator's wording."""

    words: list[str]
    original: list[str] = field(default_factory=list)  # as written, for the explanation
    ignored: set = field(default_factory=set)  # words naming ourselves
    used: set = field(default_factory=set)  # words read as a package, an organisation …
    reasons: list[str] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    question: Question | None = None


def _quoted(reading: _Reading, positions) -> str:
    return "”" + " ".join(reading.original[i] for i in positions) + "”"


def propose(name: str, vocabulary: Vocabulary) -> Proposal | None:
    """The measure and selection the indicator's wording asks for, or None (entered by hand)."""
    written = WORD.findall(name or "")
    reading = _Reading([stem(word) for word in written], written)
    for phrase in vocabulary.phrases:
        if phrase.role == "ignore":
            found = find(reading.words, list(phrase.words), reading.ignored, compound=phrase.compound)
            if found:
                reading.ignored.update(found)
    reading.used.update(reading.ignored)
    for phrase in vocabulary.phrases:
        if phrase.role == "none" and find(
            reading.words, list(phrase.words), reading.ignored, compound=phrase.compound
        ):
            return None
    _read_register(reading, vocabulary)
    _read_filter_phrases(reading, vocabulary)
    reading.question = _question(reading, vocabulary)
    for phrase in vocabulary.phrases:
        if phrase.role != "measure":
            continue
        found = find(reading.words, list(phrase.words), reading.ignored, compound=phrase.compound)
        if not found:
            continue
        proposal = _measure(phrase, found, reading, vocabulary)
        if proposal is not None:
            return proposal
    return None


def _read_register(reading: _Reading, vocabulary: Vocabulary) -> None:
    """Packages, organisations, organisation kinds and sectors named in the wording."""
    words, used = reading.words, reading.used
    codes = []
    for name_words, (code, name) in sorted(vocabulary.packages.items(), key=lambda item: -len(item[0])):
        found = find(words, list(name_words), used, adjacent=True)
        if found and code not in codes:
            codes.append(code)
            used.update(found)
            reading.reasons.append(f"Paket: {name} (paketnamn i prislistan: {_quoted(reading, found)}).")
    reading.packages = codes
    for name_words, name in sorted(vocabulary.organisations.items(), key=lambda item: -len(item[0])):
        found = find(words, list(name_words), used, adjacent=True)
        if found and "organisation" not in reading.filters:
            reading.filters["organisation"] = name
            used.update(found)
            reading.reasons.append(f"Organisation: {name} (namn i registret: {_quoted(reading, found)}).")
    for i, word in enumerate(words):
        if i in used:
            continue
        survey = next((v for k, v in vocabulary.kind_stems.items() if _same(word, k)), None)
        if survey and "kind" not in reading.filters:
            reading.filters["kind"] = survey
            used.add(i)
            reading.reasons.append(f"Enkät: {vocabulary.kind_labels[survey]} ({_quoted(reading, [i])}).")
            continue
        kind = next((v for k, v in vocabulary.organisation_kinds.items() if _same(word, k)), None)
        sector = next((v for k, v in vocabulary.sectors.items() if _same(word, k)), None)
        if kind and "organisation_kind" not in reading.filters:
            reading.filters["organisation_kind"] = kind[0]
            used.add(i)
            reading.reasons.append(f"Typ av organisation: {kind[1]} ({_quoted(reading, [i])}).")
        elif sector and "sector" not in reading.filters:
            reading.filters["sector"] = sector
            used.add(i)
            reading.reasons.append(f"Verksamhet: {sector} (verksamhet i registret: {_quoted(reading, [i])}).")


def _read_filter_phrases(reading: _Reading, vocabulary: Vocabulary) -> None:
    for phrase in vocabulary.phrases:
        if phrase.role != "filter":
            continue
        found = find(reading.words, list(phrase.words), reading.ignored, compound=phrase.compound)
        if not found:
            continue
        for key, value in phrase.filters:
            if key == "package":
                if not reading.packages and value == "manager" and vocabulary.manager_packages:
                    reading.filters.setdefault("package_manager", list(vocabulary.manager_packages))
                    reading.reasons.append(
                        f"Paket: alla chefsrekryteringspaket i prislistorna ({_quoted(reading, found)})."
                    )
            elif key not in reading.filters:
                reading.filters[key] = value
                reading.reasons.append(f"{_filter_word(key, value, vocabulary)} ({_quoted(reading, found)}).")


def _filter_word(key: str, value, vocabulary: Vocabulary) -> str:
    from .labels import filter_labels

    if key == "kind":
        return f"Enkät: {vocabulary.kind_labels.get(value, value)}"
    if key == "without":
        return "Utan"
    return filter_labels({key: value}, packages={})[0]


def _question(reading: _Reading, vocabulary: Vocabulary) -> Question | None:
    """The survey question the wording repeats: most of the question's words are in it."""
    words = {w for i, w in enumerate(reading.words) if i not in reading.used and w not in STOP_WORDS}
    scored = []
    for question in vocabulary.questions:
        if not question.words:
            continue
        hits = {q for q in question.words if any(_same(w, q, compound=len(q) >= 6) for w in words)}
        share = len(hits) / len(question.words)
        if len(hits) >= QUESTION_MIN_WORDS and share >= QUESTION_MIN_SHARE:
            bonus = 0.1 if reading.filters.get("kind") == question.kind else 0.0
            scored.append((share + bonus, len(hits), question))
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], -item[1]))
    if len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][2].kind != scored[0][2].kind:
        return None  # two surveys ask it alike: a person decides
    share, hits, question = scored[0]
    reading.reasons.append(
        f"Fråga: ”{question.text}” ({vocabulary.kind_labels.get(question.kind, question.kind)}; "
        f"{hits} av frågans {len(question.words)} ord finns i indikatorn)."
    )
    return question


def _overall(kind: str, vocabulary: Vocabulary) -> Question | None:
    """The kind's overall question: its scale question on the whole (helhet…)."""
    return next(
        (
            q
            for q in vocabulary.questions
            if q.kind == kind and q.type == "scale" and q.key.startswith("helhet")
        ),
        None,
    )


def _measure(phrase: Phrase, found, reading: _Reading, vocabulary: Vocabulary) -> Proposal | None:
    from .measures import MEASURES

    filters = reading.filters
    question = reading.question
    if phrase.needs == "package" and not (reading.packages or filters.get("package_manager")):
        return None
    if phrase.needs == "flag" and "flag" not in filters:
        return None
    if phrase.needs == "kind" and not filters.get("kind"):
        return None
    if phrase.question == "overall":
        question = _overall(filters.get("kind", ""), vocabulary)
        if question is None:
            return None
        reading.reasons.append(
            f"Fråga: ”{question.text}” ({vocabulary.kind_labels.get(question.kind, question.kind)}: "
            "enkätens helhetsfråga)."
        )
    elif phrase.needs == "question" and question is None:
        return None
    measure = phrase.measure
    if measure in ("question_share", "question_mean"):
        if question.type == "yesno":
            measure = "question_share_yes"
        elif question.type == "nps":
            measure = "nps"
        else:
            measure = "question_mean" if measure == "question_mean" else "question_share_satisfied"
    if measure not in MEASURES:
        return None
    selection = _selection(measure, reading, question)
    reasons = [f"Mått: {MEASURES[measure][0]} ({_quoted(reading, found)})."]
    shown = [r for r in reading.reasons if _reason_applies(r, measure, selection)]
    return Proposal(measure, selection, reasons + shown)


def _selection(measure: str, reading: _Reading, question: Question | None) -> dict:
    filters = reading.filters
    if measure in ASSIGNMENT_MEASURES:
        selection = {}
        packages = reading.packages or filters.get("package_manager")
        if packages:
            selection["package"] = list(packages)
        for key in ("organisation", "organisation_kind", "sector", "level"):
            if key in filters:
                selection[key] = filters[key]
        if measure in ("flag_count", "flag_share"):
            selection["flag"] = filters["flag"]
            if filters.get("without"):
                selection["without"] = True
        return selection
    if measure.startswith("question_"):
        return {"kind": question.kind, "question": question.key}
    if measure in KIND_MEASURES:
        kind = question.kind if question is not None else filters.get("kind", CUSTOMER_KIND)
        return {} if kind == CUSTOMER_KIND else {"kind": kind}
    return {}


# Which reasons a measure's proposal keeps: those of the selection it uses.
_REASON_KEYS = {
    "Paket": "package",
    "Organisation": "organisation",
    "Typ av organisation": "organisation_kind",
    "Verksamhet": "sector",
    "Nivå": "level",
    "Uppdrag": "flag",
    "Utan": "without",
    "Fråga": "question",
    "Enkät": "kind",
}


def _reason_applies(reason: str, measure: str, selection: dict) -> bool:
    head = reason.split(":", 1)[0]
    key = _REASON_KEYS.get(head)
    if key == "question":
        return "question" in selection
    if key == "kind":
        return "kind" in selection and "question" not in selection
    return key is None or key in selection


# --- How well the proposals do on the department's own plans ------------------------------

PLANS = ("plan-2024.yaml", "plan-2025.yaml")
EXPECTED = "bindings-expected.yaml"


def _normal(text: str) -> str:
    return " ".join((text or "").split())


def _comparable(measure: str, filters: dict, optional=()) -> tuple:
    items = {}
    for key, value in (filters or {}).items():
        if key in optional:
            continue
        items[key] = tuple(sorted(value)) if isinstance(value, list) else value
    return measure, tuple(sorted(items.items()))


@dataclass
class Scored:
    year: int
    name: str
    expected: dict
    proposal: Proposal | None

    @property
    def verdict(self) -> str:
        """correct, wrong (a proposal that is not the key's, or one where the key has none), missed
        (no proposal where the key has a measure) or none (no proposal, rightly)."""
        wanted = self.expected.get("measure")
        if self.proposal is None:
            return "none" if not wanted else "missed"
        if not wanted:
            return "wrong"
        optional = self.expected.get("optional") or ()
        mine = _comparable(self.proposal.measure, self.proposal.filters, optional)
        return (
            "correct"
            if mine == _comparable(wanted, self.expected.get("filters") or {}, optional)
            else "wrong"
        )


def score_demo_plans(vocabulary: Vocabulary | None = None) -> list[Scored]:
    """Every indicator of the 2024 and 2025 plans, its proposal and the answer key's verdict."""
    import yaml

    from .demo import DATA

    with open(DATA / EXPECTED, encoding="utf-8") as handle:
        key = {_normal(row["name"]): row for row in yaml.safe_load(handle)}
    scored = []
    for file in PLANS:
        with open(DATA / file, encoding="utf-8") as handle:
            plan = yaml.safe_load(handle)
        vocabulary = vocabulary or Vocabulary.load(int(plan["year"]))
        for goal in plan.get("goals", []):
            for indicator in goal.get("indicators") or []:
                name = _normal(indicator["name"])
                if name not in key:
                    raise KeyError(f"Indikatorn saknas i {EXPECTED}: {name}")
                scored.append(Scored(int(plan["year"]), name, key[name], propose(name, vocabulary)))
    return scored
