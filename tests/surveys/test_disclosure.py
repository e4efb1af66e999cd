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
from collections import defaultdict
from datetime import date
from itertools import combinations, product

import numpy as np
import pytest
from freezegun import freeze_time

from assignments.periods import PERIOD_CODES, period
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


def _covered(responses, chosen, unit):
    return {
        r.pk
        for r in responses
        if chosen.start <= r.answered_on <= chosen.end and (unit is None or r.unit_id == unit.pk)
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


@pytest.mark.django_db
@freeze_time("2026-12-02 10:00:00")
def test_no_group_of_fewer_than_five_is_recoverable_from_every_view(answers):
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
    checked = hidden = 0
    combinations_ = product(
        (2025, 2026),
        CODES,
        [None, *units],
        [None, consultant],
        [None, organisation],
        [None, sector],
        ["", "stora"],
    )
    for year, code, unit, person, org, sec, package in combinations_:
        chosen = period(year, code)
        flt = selectors.ResultFilter(
            unit=unit.pk if unit else None,
            consultant=person.pk if person else None,
            organisation=org.pk if org else None,
            sector=sec.pk if sec else None,
            package=package,
        )
        narrowed_below_unit = bool(person or org or sec or package)
        result = selectors.kind_result(chosen, Kind.KANDIDAT, flt)
        head = selectors.headlines(chosen, flt, [Kind.KANDIDAT])[Kind.KANDIDAT]
        assert result.hidden == head.hidden
        if result.hidden:
            hidden += 1
            assert result.questions == [] and head.mean is None
            continue
        assert not narrowed_below_unit, "candidate answers keep no consultant, organisation, sector, package"
        covered = _covered(responses, chosen, unit)
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
            checked += 1
        if head.mean is not None:
            target["helhetsomdome"].add(frozenset(pk for pk in covered if pk in answered["helhetsomdome"]))
    # The dashboard's unit scopes and the summary API ask the same selectors; they agree.
    for year, code, unit in product((2025, 2026), CODES, units):
        chosen = period(year, code)
        dash = figures.survey_figures(figures.Scope(period=chosen, unit=unit))["now"][Kind.KANDIDAT]
        page = selectors.kind_result(chosen, Kind.KANDIDAT, selectors.ResultFilter(unit=unit.pk))
        assert (dash.hidden, dash.responses) == (page.hidden, page.responses)
    assert checked > 100 and hidden > 100
    for measure, groups in shown.items():
        everything = list(groups | department[measure])
        leaks = recoverable_small_groups(everything, list(department[measure]), None)
        assert leaks == [], (measure, leaks[:3])
    # Unit figures are shown at all: the rule is not simply "never".
    assert shown["responses"]


def test_the_check_finds_the_finding_of_the_issue():
    """The attack of the issue, run against the checker itself: one consultant's T3 hidden
    (n = 1), the year (n = 8) and T1–T2 (n = 7) shown → the hidden answer is rebuilt."""
    year = frozenset(range(8))
    first_two = frozenset(range(7))
    assert recoverable_small_groups([year, first_two], [], None) == [[7]]
    # Unit versus department: the department (10) and unit 1 (7) give unit 2's three.
    department, unit_one = frozenset(range(10)), frozenset(range(7))
    assert recoverable_small_groups([department, unit_one], [department], None) == [[7, 8, 9]]
