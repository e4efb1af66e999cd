"""Candidate answers cannot be linked to their assignments in the database itself (issue 11).

An attacker here is anyone who can read every table — the history tables included — and who
knows whom each assignment hired. The tests simulate a realistic year through the real services
(sending, answering, the reminder and expiry sweeps), then try the joins such an attacker would.
"""

import calendar
import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from assignments.models import Assignment, User
from rekrytering.periods import tertial_start
from surveys import services
from surveys.anonymity import coarsen
from surveys.models import Answer, Invitation, Kind, Response, SpentLink
from tests.factories import (
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    UnitFactory,
    UserFactory,
)

K = 5
YES_NO = [
    "info_intervju",
    "info_kbr",
    "annons_sprak",
    "info_motsvarade",
    "rattvisande_bild",
    "tidseffektiv",
    "tillracklig_info",
    "icke_diskriminerande",
    "kontakt_konsult",
]


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _answers(rng, assignment) -> dict:
    data = {key: "ja" if rng.random() < 0.97 else "nej" for key in YES_NO}
    # Truthful, and so the same as what the assignment records: a clue an attacker would use.
    data["tester_genomforda"] = "ja" if assignment.psychometric_tests else "nej"
    if data["tester_genomforda"] == "ja":
        data["tester_info"] = "ja"
    data["helhetsomdome"] = str(rng.choice([7, 8, 9, 9, 10, 10, 10]))
    return data


def simulate_year(year: int = 2025, *, hires: int = 1000, rate: float = 0.62, seed: int = 11):
    """A year of the department: two units of eleven consultants and a head without a unit,
    `hires` filled assignments closed on working days, each sending a candidate survey, of which
    `rate` are answered 0–12 days later; the beat sweeps run every morning. Returns the truth the
    attacker is after: invitation id → True if answered, and response id → when it was given."""
    rng = random.Random(seed)
    units = [UnitFactory(name="Enhet 1"), UnitFactory(name="Enhet 2")]
    # Created without passwords: hashing 23 of them would take longer than the year itself.
    staff = [
        User.objects.create(username=f"k{u}{i}", unit=unit, initials=f"K{u}{i}")
        for u, unit in enumerate(units)
        for i in range(11)
    ]
    staff.append(User.objects.create(username="avdelningschef", role=User.Role.CHEF, initials="AC"))
    package = PackageFactory(price_list=PriceListFactory(year=year))
    organisations = [OrganisationFactory(name=f"Förvaltning {n}") for n in range(30)]
    managers = {o.pk: ManagerFactory(organisation=o) for o in organisations}
    sectors = [SectorFactory(name=name) for name in ("Förskola", "Skola", "Äldreomsorg", "Socialtjänst")]
    working_days = [
        date(year, 1, 1) + timedelta(days=n)
        for n in range(365)
        if (date(year, 1, 1) + timedelta(days=n)).weekday() < 5
    ]
    events = []
    for n in range(hires):
        closed_on = rng.choice(working_days)
        closed_at = _aware(closed_on, rng.randint(8, 16), rng.randint(0, 59))
        # The head runs the odd assignment; the consultants the rest.
        responsible = staff[-1] if rng.random() < 0.01 else rng.choice(staff[:-1])
        organisation = rng.choice(organisations)
        assignment = Assignment.objects.create(
            number=f"{year}-{n + 1:04d}",
            organisation=organisation,
            manager=managers[organisation.pk],
            role_title="Förskollärare",
            sector=rng.choice(sectors),
            ordered_on=closed_on - timedelta(days=40),
            package=package,
            price=package.price,
            responsible=responsible,
            status=Assignment.Status.AVSLUTAD,
            outcome=Assignment.Outcome.TILLSATT,
            closed_on=closed_on,
            candidate_name=f"Kandidat {n}",
            candidate_email=f"kandidat{n}@example.org",
            psychometric_tests=rng.random() < 0.5,
        )
        events.append((closed_at, 0, assignment))
    for day in range((date(year + 1, 2, 15) - date(year, 1, 1)).days):
        events.append((_aware(date(year, 1, 1) + timedelta(days=day), 6), 2, None))
    truth, tokens, answered_at = {}, {}, {}
    events.sort(key=lambda e: (e[0], e[1]))
    pending = []
    while events or pending:
        if pending and (not events or pending[0][0] <= events[0][0]):
            moment, invitation_id, data = pending.pop(0)
            invitation = Invitation.objects.get(pk=invitation_id)
            response, errors = services.submit_response(tokens[invitation_id], data, now=moment)
            assert response is not None, errors
            truth[invitation_id] = True
            answered_at[response.pk] = moment
            continue
        moment, kind, payload = events.pop(0)
        if kind == 0:
            for invitation in services.schedule_invitations(payload, now=moment):
                if invitation.questionnaire.kind != Kind.KANDIDAT:
                    continue
                assert services.send_invitation(invitation.pk, now=moment)
                truth[invitation.pk] = False
                # The candidate's copy of the link (the salt goes after the last reminder).
                tokens[invitation.pk] = services.token_for(Invitation.objects.get(pk=invitation.pk))
                if rng.random() < rate:
                    answer_at = moment + timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 10))
                    pending.append((answer_at, invitation.pk, _answers(rng, payload)))
                    pending.sort(key=lambda p: p[0])
        else:
            for pk in services.due_reminder_ids(moment):
                services.send_reminder(pk, now=moment)
            services.expire_invitations(moment)
    return truth, answered_at


@pytest.fixture
def year(db, mailoutbox):
    return simulate_year()


def _month_bounds(first: date) -> tuple[date, date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def consistent_invitations(response: Response, invitations, *, at=None, tests=None) -> list:
    """The candidate invitations a response may have come from, given everything stored about it
    — and, for the strongest attacker, the exact time it was given (`at`: row order and the dated
    customer responses around it can tell) and its answer on whether tests were used."""
    first, last = _month_bounds(response.answered_on)
    found = []
    for inv in invitations:
        a = inv.assignment
        sent, expires = timezone.localdate(inv.sent_at), timezone.localdate(inv.expires_at)
        if inv.questionnaire_id != response.questionnaire_id or sent > last or expires < first:
            continue
        if at is not None and not inv.sent_at <= at < inv.expires_at:
            continue
        if tests is not None and a.psychometric_tests != tests:
            continue
        if response.unit_id is not None and a.responsible.unit_id != response.unit_id:
            continue
        if response.sent_in is not None and tertial_start(sent) != response.sent_in:
            continue
        # The old columns, were any still filled in.
        if response.consultant_id is not None and a.responsible_id != response.consultant_id:
            continue
        if response.organisation_id is not None and a.organisation_id != response.organisation_id:
            continue
        if response.sector_id is not None and a.sector_id != response.sector_id:
            continue
        if response.package_code and a.package.code != response.package_code:
            continue
        found.append(inv)
    return found


def consistent_assignments_from_history(response: Response, closings) -> int:
    """The same, from the assignments' history alone: the survey goes out when an assignment is
    closed as filled, so the closing in the history stands in for the invitation's send date."""
    first, last = _month_bounds(response.answered_on)
    link_days = settings.SURVEY_LINK_DAYS
    count = 0
    for unit, closed_on in closings:
        if closed_on > last or closed_on + timedelta(days=link_days) < first:
            continue
        if response.unit_id is not None and unit != response.unit_id:
            continue
        if response.sent_in is not None and tertial_start(closed_on) != response.sent_in:
            continue
        count += 1
    return count


@pytest.mark.django_db
def test_a_realistic_year_of_candidate_answers_is_k_anonymous(year):
    year, answered_at = year
    tests_answer = dict(
        Answer.objects.filter(question_key="tester_genomforda").values_list("response_id", "yes")
    )
    candidates = list(
        Invitation.objects.filter(questionnaire__kind=Kind.KANDIDAT).select_related(
            "assignment__responsible", "assignment__package"
        )
    )
    responses = list(Response.objects.filter(kind=Kind.KANDIDAT))
    answered = sum(year.values())
    assert len(candidates) == 1000 and len(responses) == answered and 560 < answered < 680

    # 1. The columns the finding joined on are empty, so its join finds nothing to match.
    assert all(
        (r.assignment_id, r.consultant_id, r.organisation_id, r.sector_id, r.package_code)
        == (None, None, None, None, "")
        for r in responses
    )
    assert all(r.answered_on.day == 1 for r in responses)
    assert not Invitation.objects.filter(status=Invitation.Status.ANSWERED).exists()

    # 2. Every response is consistent with at least K assignments, by the invitations and by
    # the assignments' history, unless it keeps no assignment-level attribute at all.
    first_closing = {}
    for row in (
        Assignment.history.filter(status="avslutad", outcome="tillsatt")
        .select_related("responsible")
        .order_by("history_date")
    ):
        first_closing.setdefault(row.id, (row.responsible.unit_id, row.closed_on))
    closings = list(first_closing.values())
    smallest = []
    for response in responses:
        if response.unit_id is None and response.sent_in is None:
            continue
        found = consistent_invitations(response, candidates)
        assert len({inv.assignment_id for inv in found}) >= K, response.__dict__
        assert consistent_assignments_from_history(response, closings) >= K
        strongest = consistent_invitations(
            response, candidates, at=answered_at[response.pk], tests=tests_answer.get(response.pk)
        )
        assert len({inv.assignment_id for inv in strongest}) >= K, response.__dict__
        smallest.append(len(strongest))
    assert min(smallest) >= K
    # The results still have what they need: nearly every response keeps its unit.
    kept_unit = sum(1 for r in responses if r.unit_id is not None)
    assert kept_unit / len(responses) > 0.85

    # 3. Nothing about an invitation or its assignment tells whether it was answered: all those
    # sent the same day look the same, answered or not.
    def shape(inv):
        a = inv.assignment
        return (
            inv.status,
            inv.reminders_sent,
            timezone.localdate(inv.last_reminder_at) if inv.last_reminder_at else None,
            inv.answered_on,
            inv.answer_count,
            inv.email == "",
            inv.recipient_name == "",
            inv.attempts,
            inv.last_error,
            a.candidate_email == "",
            a.candidate_name == "",
        )

    history_rows = Counter(Assignment.history.values_list("id", flat=True))
    by_day = defaultdict(lambda: defaultdict(set))
    for inv in candidates:
        day = timezone.localdate(inv.sent_at)
        by_day[day][year[inv.pk]].add(shape(inv) + (history_rows[inv.assignment_id],))
    mixed = 0
    for day, groups in by_day.items():
        shapes = set().union(*groups.values())
        assert len(shapes) == 1, (day, groups)
        mixed += len(groups) == 2
    assert mixed > 100  # days on which some answered and some did not

    # 4. The only trace of an answer apart from the response: an unlinkable mark of the used link.
    # Once the last reminder has gone, not even SECRET_KEY remakes the token to match it with.
    assert SpentLink.objects.count() == answered
    hashes = set(Invitation.objects.values_list("token_hash", flat=True))
    assert not hashes & set(SpentLink.objects.values_list("digest", flat=True))
    assert not Invitation.objects.filter(questionnaire__kind=Kind.KANDIDAT).exclude(token_salt="").exists()


def test_coarsening_does_not_depend_on_the_respondents_own_unit(settings):
    """Whether a unit is kept must not say which unit it would have been, and no group of
    fewer than five may be told apart by what is kept."""
    day, t1 = date(2026, 3, 10), date(2026, 1, 1)
    big = [(1, day)] * 9 + [(2, day)] * 7
    assert coarsen(big, 1, day) == (t1, 1)
    assert coarsen(big, 2, day) == (t1, 2)
    # Two open links of the head, who has no unit: a response kept without a unit would be one
    # of those two. They are counted with the largest unit instead; the units keep their own.
    head = big + [(None, day)] * 2
    assert [coarsen(head, unit, day) for unit in (1, 2, None)] == [(t1, 1), (t1, 2), (t1, 1)]
    # A unit with three open links is counted with the largest too, whoever answers.
    small = [(1, day)] * 9 + [(3, day)] * 3
    assert [coarsen(small, unit, day)[1] for unit in (1, 3)] == [1, 1]
    # The new tertial has only three links so far: nobody keeps the send tertial; the units,
    # counted over both tertials' open links, are kept.
    start = big + [(1, date(2026, 5, 2))] * 3
    assert coarsen(start, 1, date(2026, 5, 2)) == (None, 1)
    assert coarsen(start, 2, day) == (None, 2)
    # The department has six links but no unit five: neither is kept.
    assert coarsen([(1, day)] * 4 + [(2, day)] * 2, 1, day) == (None, None)
    assert coarsen([(1, day)] * 3, 1, day) == (None, None)


def _dump_tables(skip: set[str]) -> dict:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in skip:
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            tables[table] = sorted(map(repr, cursor.fetchall()))
    return tables


@pytest.mark.django_db(transaction=True)
def test_answering_writes_nothing_but_the_response(client, mailoutbox):
    """Answering a candidate survey leaves every other table exactly as it was, and on
    PostgreSQL not even a row lock on the invitation (a lock leaves the answering transaction's
    id on the row, the same id as on the new response)."""
    unit = UnitFactory(name="Enhet 1")
    package = PackageFactory(price_list=PriceListFactory(year=2026))
    sector = SectorFactory()
    for n in range(6):
        organisation = OrganisationFactory(name=f"Förvaltning {n}")
        assignment = Assignment.objects.create(
            number=f"2026-{n + 1:04d}",
            organisation=organisation,
            manager=ManagerFactory(organisation=organisation),
            sector=sector,
            ordered_on=date(2026, 2, 1),
            package=package,
            price=package.price,
            responsible=UserFactory(username=f"k{n}", unit=unit),
            status=Assignment.Status.AVSLUTAD,
            outcome=Assignment.Outcome.TILLSATT,
            closed_on=date(2026, 3, 2),
            candidate_name=f"Kandidat {n}",
            candidate_email=f"kandidat{n}@example.org",
        )
        for invitation in services.schedule_invitations(assignment, now=_aware(date(2026, 3, 2), 9)):
            services.send_invitation(invitation.pk, now=_aware(date(2026, 3, 2), 9))
    invitation = Invitation.objects.filter(questionnaire__kind=Kind.KANDIDAT).first()
    token = services.token_for(invitation)
    skip = {"surveys_response", "surveys_answer", "surveys_spentlink"}
    before = _dump_tables(skip)
    system = "SELECT xmin::text, xmax::text FROM surveys_invitation WHERE id = %s"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(system, [invitation.pk])
            row_before = cursor.fetchone()
    data = {key: "ja" for key in YES_NO} | {"tester_genomforda": "nej", "helhetsomdome": "9"}
    assert client.post(f"/enkat/{token}/", data).status_code == 302
    assert Response.objects.filter(kind=Kind.KANDIDAT).count() == 1
    assert _dump_tables(skip) == before
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(system, [invitation.pk])
            assert cursor.fetchone() == row_before
    # The link cannot be used twice: from the browser that answered, nor from any other.
    assert client.post(f"/enkat/{token}/", data).status_code == 409
    assert Client().post(f"/enkat/{token}/", data).status_code == 404
    assert Response.objects.filter(kind=Kind.KANDIDAT).count() == 1


@pytest.mark.django_db
def test_unused_marks_are_deleted_in_bulk_once_every_link_they_could_belong_to_has_expired(db):
    from surveys.privacy import purge

    SpentLink.objects.create(digest="a" * 64, month=date(2026, 1, 1))
    SpentLink.objects.create(digest="b" * 64, month=date(2026, 3, 1))
    done = purge(_aware(date(2026, 4, 15), 3))
    assert done["använda anonyma länkar raderade"] == 1
    assert list(SpentLink.objects.values_list("month", flat=True)) == [date(2026, 3, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [{"consultant": True}, {"organisation": True}, {"sector": True}, {"package_code": "stora"}, {"day": 14}],
)
def test_the_database_refuses_a_candidate_response_that_keeps_more(extra, konsult):
    from django.db import IntegrityError, transaction

    from surveys.questionnaires import seed_questionnaire

    fields = {"questionnaire": seed_questionnaire(Kind.KANDIDAT, 2026), "kind": Kind.KANDIDAT}
    fields["answered_on"] = date(2026, 3, extra.pop("day", 1))
    if extra.pop("consultant", False):
        fields["consultant"] = konsult
    if extra.pop("organisation", False):
        fields["organisation"] = OrganisationFactory()
    if extra.pop("sector", False):
        fields["sector"] = SectorFactory()
    fields.update(extra)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(**fields)


@pytest.mark.django_db
def test_a_sent_candidate_link_is_neither_cancelled_nor_moved(samordnare, mailoutbox):
    """Cancelling or re-sending a sent candidate link would take it out of the group of links
    its answer hides in (and tell, by its absence, which answers are left)."""
    from django.core.exceptions import ValidationError

    package = PackageFactory(price_list=PriceListFactory(year=2026))
    organisation = OrganisationFactory()
    assignment = Assignment.objects.create(
        number="2026-0001",
        organisation=organisation,
        manager=ManagerFactory(organisation=organisation),
        sector=SectorFactory(),
        ordered_on=date(2026, 2, 1),
        package=package,
        price=package.price,
        responsible=samordnare,
        status=Assignment.Status.AVSLUTAD,
        outcome=Assignment.Outcome.TILLSATT,
        closed_on=date(2026, 3, 2),
        candidate_name="Kim",
        candidate_email="kim@example.org",
    )
    moment = _aware(date(2026, 3, 2), 9)
    for invitation in services.schedule_invitations(assignment, now=moment):
        services.send_invitation(invitation.pk, now=moment)
    candidate = Invitation.objects.get(questionnaire__kind=Kind.KANDIDAT)
    with pytest.raises(ValidationError, match="anonym"):
        services.cancel_invitation(candidate, by=samordnare, reason="Fel person")
    with pytest.raises(ValidationError, match="anonym"):
        services.resend_invitation(candidate, by=samordnare, email="annan@example.org", reason="Fel adress")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.email) == ("sent", "kim@example.org")
    # The customer's survey can still be corrected.
    customer = Invitation.objects.get(questionnaire__kind=Kind.KUND)
    services.cancel_invitation(customer, by=samordnare, reason="Beställaren har slutat")
