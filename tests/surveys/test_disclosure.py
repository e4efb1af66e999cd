"""No group of fewer than five candidates can be rebuilt from what is shown (issue 11).

Every combination of year, period, unit, consultant, organisation, sector and package is asked of
the selectors that the results page, the dashboard, the tertial report, the plan's measures and
the summary API use. Each figure shown is checked against the responses it claims to cover, and
then every shown figure is treated as what it is, a sum over a set of responses: a group is
recoverable when its indicator vector lies in the span of the shown sets. No group of 1–4
responses may be recoverable unless the department's own figures alone already give it (the
department's figures are shown whatever their size).
"""

import random
from collections import Counter, defaultdict
from datetime import date
from itertools import combinations, product

import numpy as np
import pytest
from freezegun import freeze_time

from rekrytering.periods import PERIOD_CODES, period
from reporting import figures
from surveys import selectors
from surveys.models import Answer, Kind, Response
from surveys.questionnaires import seed_questionnaire
from tests.factories import OrganisationFactory, SectorFactory, UnitFactory, UserFactory

K = 5
CODES = ["T1"] + [code for code, _label in PERIOD_CODES]
QUESTIONS = ["info_kbr", "kontakt_konsult", "tester_genomforda", "tester_info", "helhetsomdome"]


def _candidate_year(rng, year, units, last_month):
    questionnaire = seed_questionnaire(Kind.KANDIDAT, year)
    types = {q.key: q.type for q in questionnaire.questions.all()}
    for month in range(1, last_month + 1):
        for unit in units:
            # Mostly ordinary months, but small ones too: 0–4 answers in a unit and month.
            small = unit is None or unit.name == "Enhet 3"
            n = rng.choice([0, 1, 2, 3, 4, 6, 9, 12]) if small else rng.randint(3, 14)
            for _ in range(n):
                response = Response.objects.create(
                    questionnaire=questionnaire,
                    kind=Kind.KANDIDAT,
                    answered_on=date(year, month, 1),
                    unit=unit,
                )
                values = {"info_kbr": rng.random() < 0.9, "kontakt_konsult": rng.random() < 0.95}
                values["tester_genomforda"] = rng.random() < 0.4
                if values["tester_genomforda"]:
                    values["tester_info"] = rng.random() < 0.8
                if rng.random() < 0.9:
                    values["helhetsomdome"] = rng.randint(5, 10)
                Answer.objects.bulk_create(
                    Answer.of(response, key, types[key], value) for key, value in values.items()
                )


@pytest.fixture
def answers(db):
    rng = random.Random(5)
    units = [UnitFactory(name="Enhet 1"), UnitFactory(name="Enhet 2"), UnitFactory(name="Enhet 3")]
    _candidate_year(rng, 2025, units + [None], 12)
    _candidate_year(rng, 2026, units + [None], 11)
    return units


def _pooling_unit(responses, year):
    """The unit that responses kept without one count with: the one with most answers that year."""
    per_unit = Counter(r.unit_id for r in responses if r.answered_on.year == year and r.unit_id)
    return max(per_unit, key=lambda unit: (per_unit[unit], -unit)) if per_unit else None


def _covered(responses, chosen, unit, today):
    """The responses a figure should cover: answered in the period, in a month that has ended,
    of the unit (and those kept without one, for the unit that counts them)."""
    pooled = _pooling_unit(responses, chosen.year)
    return {
        r.pk
        for r in responses
        if chosen.start <= r.answered_on <= chosen.end
        and r.answered_on < today.replace(day=1)
        and (unit is None or r.unit_id == unit.pk or (r.unit_id is None and unit.pk == pooled))
    }


def _in_span(rows, target):
    matrix = np.array(rows, dtype=float)
    return np.linalg.matrix_rank(np.vstack([matrix, target])) == np.linalg.matrix_rank(matrix)


def recoverable_small_groups(shown: list[frozenset], department: list[frozenset], sizes_of) -> list:
    """Groups of 1…K−1 responses in the span of `shown` but not of `department`."""
    members = sorted({pk for group in shown for pk in group})
    signature = defaultdict(list)
    for pk in members:
        signature[tuple(pk in group for group in shown)].append(pk)
    atoms = list(signature.values())

    def vector(group):
        return [1.0 if atom[0] in group else 0.0 for atom in atoms]

    rows = [vector(group) for group in shown]
    department_rows = [vector(group) for group in department] or [[0.0] * len(atoms)]
    small = [i for i, atom in enumerate(atoms) if len(atom) < K]
    found = []
    for size in range(1, len(small) + 1):
        for chosen in combinations(small, size):
            total = sum(len(atoms[i]) for i in chosen)
            if total >= K:
                continue
            target = [1.0 if i in chosen else 0.0 for i in range(len(atoms))]
            if _in_span(rows, target) and not _in_span(department_rows, target):
                found.append([pk for i in chosen for pk in atoms[i]])
    return found


# The days the figures are looked at: as each tertial ends, within months, and today. What was
# shown on an earlier day is still known on a later one.
DAYS = [date(2025, 3, 15), date(2025, 5, 2), date(2025, 9, 10), date(2026, 1, 5), date(2026, 5, 20)]
TODAY = date(2026, 12, 2)


def _observe(chosen, flt, unit, responses, answered, shown, department, today):
    """Ask the page's selectors for one figure; record what it shows. Returns False if hidden."""
    result = selectors.kind_result(chosen, Kind.KANDIDAT, flt)
    head = selectors.headlines(chosen, flt, [Kind.KANDIDAT])[Kind.KANDIDAT]
    assert result.hidden == head.hidden
    if result.hidden:
        assert result.questions == [] and head.mean is None
        return False
    assert not flt.below_unit, "candidate answers keep no consultant, organisation, sector or package"
    covered = _covered(responses, chosen, unit, today)
    assert result.responses == head.responses == len(covered)
    target = department if unit is None else shown
    target["responses"].add(frozenset(covered))
    for entry in result.questions:
        if entry.get("hidden") or entry["key"] not in QUESTIONS:
            continue
        ids = frozenset(pk for pk in covered if pk in answered[entry["key"]])
        assert entry["count"] == len(ids)
        values = [answered[entry["key"]][pk] for pk in ids]
        if entry["type"] == "yesno" and values:
            assert entry["share_yes"] == round(100 * sum(values) / len(values), 1)
        if entry["type"] == "scale" and values:
            assert abs(entry["mean"] - sum(values) / len(values)) < 0.006
        target[entry["key"]].add(ids)
    if head.mean is not None:
        target["helhetsomdome"].add(frozenset(pk for pk in covered if pk in answered["helhetsomdome"]))
    return True


@pytest.mark.django_db
def test_no_group_of_fewer_than_five_is_recoverable_from_every_view_at_any_time(answers):
    units = answers
    consultant = UserFactory(username="konsulten", unit=units[0], password="x")
    organisation, sector = OrganisationFactory(name="Förvaltning A"), SectorFactory(name="Förskola")
    responses = list(Response.objects.filter(kind=Kind.KANDIDAT))
    answered = defaultdict(dict)  # question key → response id → value
    for answer in Answer.objects.filter(response__kind=Kind.KANDIDAT):
        answered[answer.question_key][answer.response_id] = (
            answer.number if answer.number is not None else answer.yes
        )
    shown = defaultdict(set)  # measure → the sets of responses whose figures were shown
    department = defaultdict(set)
    seen = hidden = 0
    for day in DAYS:
        with freeze_time(day):
            for year, code, unit in product((2025, 2026), CODES, [None, *units]):
                if year > day.year:
                    continue
                flt = selectors.ResultFilter(unit=unit.pk if unit else None)
                if _observe(period(year, code), flt, unit, responses, answered, shown, department, day):
                    seen += 1
                else:
                    hidden += 1
    with freeze_time(TODAY):
        every = product(
            (2025, 2026),
            CODES,
            [None, *units],
            [None, consultant],
            [None, organisation],
            [None, sector],
            ["", "stora"],
        )
        for year, code, unit, person, org, sec, package in every:
            flt = selectors.ResultFilter(
                unit=unit.pk if unit else None,
                consultant=person.pk if person else None,
                organisation=org.pk if org else None,
                sector=sec.pk if sec else None,
                package=package,
            )
            if _observe(period(year, code), flt, unit, responses, answered, shown, department, TODAY):
                seen += 1
            else:
                hidden += 1
        # The dashboard's unit scopes ask the same selectors; they agree.
        for year, code, unit in product((2025, 2026), CODES, units):
            chosen = period(year, code)
            dash = figures.survey_figures(figures.Scope(period=chosen, unit=unit))["now"][Kind.KANDIDAT]
            page = selectors.kind_result(chosen, Kind.KANDIDAT, selectors.ResultFilter(unit=unit.pk))
            assert (dash.hidden, dash.responses) == (page.hidden, page.responses)
    assert seen > 50 and hidden > 100
    for measure, groups in shown.items():
        everything = list(groups | department[measure])
        leaks = recoverable_small_groups(everything, list(department[measure]), None)
        assert leaks == [], (measure, leaks[:3])
    # Unit figures are shown at all: the rule is not simply "never".
    assert len(shown["responses"]) > 5


def test_the_check_finds_the_finding_of_the_issue():
    """The attack of the issue, run against the checker itself: one consultant's T3 hidden
    (n = 1), the year (n = 8) and T1–T2 (n = 7) shown → the hidden answer is rebuilt."""
    year = frozenset(range(8))
    first_two = frozenset(range(7))
    assert recoverable_small_groups([year, first_two], [], None) == [[7]]
    # Unit versus department: the department (10) and unit 1 (7) give unit 2's three.
    department, unit_one = frozenset(range(10)), frozenset(range(7))
    assert recoverable_small_groups([department, unit_one], [department], None) == [[7, 8, 9]]


@pytest.mark.django_db
def test_what_was_shown_stays_shown_so_no_later_figure_completes_a_small_group():
    """Unit 1 has 10 answers in T1 and 3 in T2, unit 2 has 10 in each. After T1, unit 1's T1 is
    shown. After T2 it must stay shown — and so unit 1's January–August (13) must not be, or
    the difference would be unit 1's three T2 answers."""
    one, two = UnitFactory(name="Enhet 1"), UnitFactory(name="Enhet 2")
    questionnaire = seed_questionnaire(Kind.KANDIDAT, 2025)
    for unit, month, n in ((one, 2, 10), (two, 2, 10), (one, 6, 3), (two, 6, 10)):
        for _ in range(n):
            response = Response.objects.create(
                questionnaire=questionnaire, kind=Kind.KANDIDAT, answered_on=date(2025, month, 1), unit=unit
            )
            Answer.objects.create(response=response, question_key="helhetsomdome", type="scale", number=8)

    def shown(day, unit, code):
        with freeze_time(day):
            return not selectors.kind_result(
                period(2025, code), Kind.KANDIDAT, selectors.ResultFilter(unit=unit.pk)
            ).hidden

    assert shown(date(2025, 5, 2), one, "T1") and shown(date(2025, 5, 2), two, "T1")
    later = date(2025, 9, 2)
    assert shown(later, one, "T1") and shown(later, two, "T1")
    assert not shown(later, one, "T2") and not shown(later, one, "cum2")


@pytest.mark.django_db
def test_candidate_answers_count_when_their_month_has_ended(db):
    """Figures that moved with every answer would give each answer away from one day to the
    next, even for the whole department: a candidate's answer counts from the end of its month."""
    questionnaire = seed_questionnaire(Kind.KANDIDAT, 2026)
    for month, score, comment in ((2, 9, "Bra"), (3, 2, "Dåligt")):
        response = Response.objects.create(
            questionnaire=questionnaire, kind=Kind.KANDIDAT, answered_on=date(2026, month, 1)
        )
        Answer.objects.create(response=response, question_key="helhetsomdome", type="scale", number=score)
        Answer.objects.create(response=response, question_key="kommentar", type="text", text=comment)
    t1, everyone = period(2026, "cum1"), selectors.ResultFilter()
    with freeze_time("2026-03-20"):
        result = selectors.kind_result(t1, Kind.KANDIDAT, everyone)
        head = selectors.headlines(t1, everyone, [Kind.KANDIDAT])[Kind.KANDIDAT]
        assert (result.responses, head.responses, head.mean) == (1, 1, 9.0)
        assert [c.text for c in selectors.comments(t1, [Kind.KANDIDAT], everyone)] == ["Bra"]
        table = selectors.year_over_year(Kind.KANDIDAT, everyone, 2026)
        row = next(r for r in table["rows"] if r["key"] == "helhetsomdome")
        assert row["cells"][table["years"].index(2026)]["count"] == 1
    with freeze_time("2026-04-01"):
        head = selectors.headlines(t1, everyone, [Kind.KANDIDAT])[Kind.KANDIDAT]
        assert (head.responses, head.mean) == (2, 5.5)
