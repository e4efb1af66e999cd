"""`make bench`: a ten-year data set in a database of its own, and the timings of the heavy pages.

`build_dataset()` fills the bench database through the real models with bulk inserts (about a
minute): 25 consultants, ~1 050 assignments a year with hours, closings and invoices, price lists
and budgets per year, and the customer, candidate, match and training surveys with invitations,
responses and answers. It is idempotent; `rebuild=True` empties the database first.

`measure()` times the department dashboard for a year, the tertial report build, the assignment
list and the survey results, and for each the floor: the plain SQL queries alone that fetch the
same figures. All people in the data set are fictional.
"""

import importlib
import io
import logging
import random
import statistics
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec
from time import perf_counter

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assignments.demo import FIRST_NAMES, LAST_NAMES, MIX, ROLES, SECTORS, load_registers
from assignments.demo import _seed_price_list as seed_catalogue_price_list
from assignments.models import (
    Assignment,
    AssignmentSequence,
    Budget,
    BudgetLine,
    Manager,
    Organisation,
    Package,
    PriceList,
    Sector,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
)
from surveys.demo import settle_sent
from surveys.models import Answer, FollowUp, Invitation, Kind, Question, Questionnaire, Response
from surveys.questionnaires import seed_all
from surveys.services import build_response, follow_up_reasons

ASSIGNMENTS_TOTAL = 10_400  # spread over the years in proportion to their days (this year up to today)
CONSULTANTS = 25
MANAGERS = 2_500
CHEF_USERNAME = "bench.chef"
DEFAULT_SEED = 20_260_101

# Relative demand per package code; codes missing from a year's price list are not sold that year.
WEIGHTS = {**MIX, "hogre_chef": 3, "larare": 3, "ovrig_hr": MIX["ovrig"]}
# Hours an assignment takes when its package has no standard hours (the 2021 list gives few).
DEFAULT_HOURS = {"lilla": 14, "omtag": 12, "hogre_chef": 40, "second_opinion": 9, "search": 8, "larare": 10}
SCALE_WEIGHTS = {10: 64, 9: 22, 8: 7, 7: 3, 6: 1.5, 5: 1, 4: 0.7, 3: 0.5, 2: 0.2, 1: 0.1}
NPS_WEIGHTS = {10: 68, 9: 17, 8: 6, 7: 3, 6: 2.5, 5: 1.5, 3: 1, 0: 0.5}
COMMENTS = {
    Kind.KUND: [
        "Mycket professionellt bemötande genom hela processen.",
        "Tydlig planering och snabb återkoppling. Tack!",
        "Bra stöd i urvalet, vi fick flera starka kandidater.",
        "Processen drog ut lite på tiden i slutet.",
        "Vi kommer absolut att anlita er igen.",
    ],
    Kind.KANDIDAT: [
        "Tydlig information om varje steg.",
        "Testerna var intressanta och återkopplingen bra.",
        "Ett av de bästa rekryteringsförfarandena jag varit med om.",
    ],
    Kind.MATCHNING: ["Personen har kommit in mycket bra i arbetsgruppen.", "Precis rätt kompetens."],
    Kind.UTBILDNING: ["Lärorik dag med bra övningar.", "Mycket användbart i vardagen."],
}
RESPONSE_RATES = {Kind.KUND: 0.76, Kind.KANDIDAT: 0.62, Kind.MATCHNING: 0.70}


def _ascii(text: str) -> str:
    return text.lower().replace("å", "a").replace("ä", "a").replace("ö", "o").replace(" ", ".")


def _weighted(rng, weights: dict):
    values, w = zip(*weights.items(), strict=True)
    return rng.choices(values, w)[0]


def _aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def dataset_size() -> dict:
    return {
        "assignments": Assignment.objects.count(),
        "time_entries": TimeEntry.objects.count(),
        "invitations": Invitation.objects.count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "consultants": User.objects.filter(role=User.Role.KONSULT).count(),
        "first_year": Assignment.objects.order_by("ordered_on")
        .values_list("ordered_on__year", flat=True)
        .first(),
        "last_year": Assignment.objects.order_by("-ordered_on")
        .values_list("ordered_on__year", flat=True)
        .first(),
    }


def build_dataset(
    years: int = 10,
    seed: int = DEFAULT_SEED,
    *,
    today: date | None = None,
    rebuild: bool = False,
    stdout=print,
) -> dict:
    """Fill the (bench) database; skipped when it already holds assignments, unless `rebuild`."""
    today = today or timezone.localdate()
    if rebuild:
        stdout("Tömmer databasen …")
        call_command("flush", interactive=False, verbosity=0)
    elif Assignment.objects.exists():
        stdout("Datamängden finns redan (--rebuild bygger om den).")
        return {"built": False, "seconds": 0.0, **dataset_size()}
    started = perf_counter()
    with transaction.atomic():
        _Builder(years, seed, today, stdout).build()
    stdout("Uppdaterar planerarens statistik (VACUUM ANALYZE) …")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seconds = perf_counter() - started
    stdout(f"Datamängden byggd på {seconds:.1f} s.")
    return {"built": True, "seconds": round(seconds, 1), **dataset_size()}


class _Builder:
    def __init__(self, years: int, seed: int, today: date, stdout):
        self.rng = random.Random(seed)
        self.today = today
        self.years = list(range(today.year - years + 1, today.year + 1))
        self.stdout = stdout
        self.lap = perf_counter()

    def _done(self, what: str):
        now = perf_counter()
        self.stdout(f"  {what} ({now - self.lap:.1f} s)")
        self.lap = now

    def build(self):
        load_registers(stdout=lambda _line: None)
        self._users()
        self._price_lists_and_budgets()
        self._managers()
        self._done(f"register, {len(self.consultants)} konsulter, {len(self.managers)} beställare")
        assignments = self._assignments()
        self._done(f"{len(assignments)} uppdrag")
        entries = self._time_entries(assignments)
        self._done(f"{entries} tidrapporter")
        counts = self._surveys(assignments)
        self._done("enkäter: {} utskick, {} svar, {} svarsrader, {} uppföljningar".format(*counts))
        self._other_apps()
        self._done("övriga appars demodata")

    # --- registers ------------------------------------------------------------------------------

    def _users(self):
        units = list(Unit.objects.order_by("name"))
        rng, users, taken = self.rng, [], set(User.objects.values_list("initials", flat=True))
        people = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(people)

        def person(username, first, last, role, unit):
            initials = (first[0] + last[0]).upper()
            n = 1
            while initials.lower() in {i.lower() for i in taken}:
                n += 1
                initials = f"{first[0]}{last[0]}{n}".upper()
            taken.add(initials)
            return User(
                username=username,
                first_name=first,
                last_name=last,
                initials=initials,
                role=role,
                unit=unit,
                email=f"{username}@example.org",
                is_staff=role == User.Role.ADMIN,
                is_superuser=role == User.Role.ADMIN,
            )

        for i in range(CONSULTANTS):
            first, last = people.pop()
            users.append(person(_ascii(f"{first}.{last}"), first, last, User.Role.KONSULT, units[i % 2]))
        for i in range(2):
            first, last = people.pop()
            users.append(person(f"bench.samordnare{i + 1}", first, last, User.Role.SAMORDNARE, units[i % 2]))
        users.append(person(CHEF_USERNAME, "Berit", "Benchsson", User.Role.CHEF, units[0]))
        users.append(person("bench.chef2", "Bengt", "Benchström", User.Role.CHEF, units[1]))
        users.append(person("bench.admin", "Anja", "Benchlund", User.Role.ADMIN, None))
        for user in users:
            user.set_unusable_password()
        User.objects.bulk_create(users)
        self.consultants = list(User.objects.filter(role=User.Role.KONSULT).order_by("id"))
        self.heads = {u.unit_id: u for u in User.objects.filter(role=User.Role.CHEF).order_by("-id")}

    def _price_lists_and_budgets(self):
        self.packages = {}
        for year in self.years:
            if not PriceList.objects.filter(year=year).exists():
                seed_catalogue_price_list(year)
            packages = list(Package.objects.filter(price_list__year=year))
            self.packages[year] = packages
            if Budget.objects.filter(year=year).exists():
                continue
            lines = []
            for p in packages:
                planned = {"timme": 2400, "kandidat": 120}.get(p.unit, WEIGHTS.get(p.code, 1) * 9)
                lines.append((p, Decimal(planned)))
            revenue = sum((p.price * n for p, n in lines), Decimal("0"))
            budget = Budget.objects.create(
                year=year,
                ftes=Decimal("21.25") if year < 2026 else Decimal("23"),
                revenue=revenue,
                costs=revenue + Decimal("1000000"),
            )
            BudgetLine.objects.bulk_create(
                BudgetLine(budget=budget, package=p, planned_count=n) for p, n in lines
            )

    def _managers(self):
        rng = self.rng
        organisations = list(Organisation.objects.all())
        managers = []
        for i in range(MANAGERS):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            managers.append(
                Manager(
                    name=f"{first} {last}",
                    email=f"{_ascii(first)}.{_ascii(last)}.{i}@example.org",
                    organisation=rng.choice(organisations),
                )
            )
        Manager.objects.bulk_create(managers, batch_size=1000)
        self.managers = list(Manager.objects.select_related("organisation"))

    # --- assignments ----------------------------------------------------------------------------

    def _assignments(self) -> list[Assignment]:
        days = {y: (min(date(y, 12, 31), self.today) - date(y, 1, 1)).days + 1 for y in self.years}
        total_days = sum(days.values())
        sectors = {s.name: s for s in Sector.objects.all()}
        created = []
        for year in self.years:
            count = round(ASSIGNMENTS_TOTAL * days[year] / total_days)
            assignments, colleagues = self._year(year, count, days[year], sectors)
            created += bulk_create_with_history(assignments, Assignment, batch_size=1000)
            through = Assignment.colleagues.through
            through.objects.bulk_create(
                [
                    through(assignment_id=a.pk, user_id=u.pk)
                    for a, u in colleagues
                    if a.responsible_id != u.pk
                ],
                ignore_conflicts=True,
            )
        for a in created:
            a._colleague_ids = []
        by_pk = {a.pk: a for a in created}
        for assignment_id, user_id in Assignment.colleagues.through.objects.values_list(
            "assignment_id", "user_id"
        ):
            by_pk[assignment_id]._colleague_ids.append(user_id)
        return created

    def _year(self, year, count, days, sectors):
        rng, today = self.rng, self.today
        packages = {p.code: p for p in self.packages[year]}
        hourly = next((p for p in packages.values() if p.is_hourly_rate), None)
        codes = [c for c in packages if c in WEIGHTS]
        weights = [WEIGHTS[c] for c in codes]
        assignments, colleagues = [], []
        for _ in range(count):
            ordered = date(year, 1, 1) + timedelta(days=rng.randrange(days))
            while ordered.weekday() >= 5:
                ordered -= timedelta(days=1)
            if ordered.year != year:
                ordered = date(year, 1, 2)
            package = packages[rng.choices(codes, weights)[0]]
            code = package.code
            manager = rng.choice(self.managers)
            org = manager.organisation
            sector_name = rng.choice(SECTORS)
            if org.kind == Organisation.Kind.SDF and rng.random() < 0.6:
                sector_name = rng.choice(["Förskola", "Äldreomsorg", "Socialtjänst", "Funktionsnedsättning"])
            sector = sectors[sector_name]
            level = Assignment.Level.CHEF if package.is_manager_recruitment else Assignment.Level.MEDARBETARE
            if code == "hogre_chef" or (level == Assignment.Level.CHEF and rng.random() < 0.15):
                level = Assignment.Level.HOGRE_CHEF
            role_title = rng.choice(ROLES.get(sector.name, ["Handläggare"]))
            if level != Assignment.Level.MEDARBETARE:
                role_title = rng.choice(["Enhetschef", "Biträdande rektor", "Avdelningschef", "Rektor"])
            quantity = Decimal("1")
            if package.unit == Package.PriceUnit.TIMME:
                quantity = Decimal(rng.choice([10, 20, 40, 80, 120]))
            elif package.unit == Package.PriceUnit.KANDIDAT:
                quantity = Decimal(rng.randint(2, 4))
            whole = package.is_whole_process
            a = Assignment(
                organisation=org,
                manager=manager,
                role_title=role_title,
                level=level,
                sector=sector,
                package=package,
                quantity=quantity,
                price=(package.price * quantity).quantize(Decimal("0.01")),
                extra_hours=Decimal(rng.choice([0, 0, 0, 0, 2, 4, 6])),
                responsible=rng.choice(self.consultants),
                ordered_on=ordered,
                started_on=ordered + timedelta(days=rng.randint(0, 7)),
                applicants=rng.randint(8, 180) if whole or code == "lilla" else None,
                personal_letter=rng.random() < 0.35,
                screening=code == "screening" or rng.random() < 0.3,
                psychometric_tests=whole and rng.random() < 0.7,
                search=code == "search" or rng.random() < 0.05,
                references_checked=rng.randint(1, 3) if whole else None,
            )
            duration = rng.randint(35, 80)
            if (today - ordered).days > duration:
                a.status = Assignment.Status.AVSLUTAD
                a.closed_on = ordered + timedelta(days=duration)
                roll = rng.random()
                a.outcome = (
                    Assignment.Outcome.TILLSATT
                    if roll < 0.85
                    else Assignment.Outcome.EJ_TILLSATT
                    if roll < 0.95
                    else Assignment.Outcome.AVBRUTEN
                )
                if a.outcome == Assignment.Outcome.TILLSATT:
                    a.hires = rng.randint(5, 40) if package.unit == Package.PriceUnit.TIMME else 1
                    a.candidate_start = a.closed_on + timedelta(days=rng.randint(30, 90))
                    # Contact data is kept only while the candidate survey can still be answered.
                    if (today - a.closed_on).days < 30 and package.sends_candidate_survey:
                        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                        a.candidate_name = f"{first} {last}"
                        a.candidate_email = f"kandidat{rng.randint(1000, 9999)}@example.org"
                else:
                    a.hires = 0
                invoiced = a.closed_on + timedelta(days=rng.randint(1, 14))
                if invoiced <= today:
                    a.invoiced_on = invoiced
                    a.invoiced_amount = a.default_invoice_amount(hourly.price if hourly else None)
            else:
                a.status = (
                    Assignment.Status.PAGAENDE if (today - ordered).days > 5 else Assignment.Status.FORFRAGAN
                )
                if a.status == Assignment.Status.FORFRAGAN:
                    a.started_on = None
            if a.started_on and a.started_on > today:
                a.started_on = today
            assignments.append(a)
            if rng.random() < 0.15:
                colleagues.append((a, rng.choice(self.consultants)))
        assignments.sort(key=lambda a: a.ordered_on)
        for number, a in enumerate(assignments, start=1):
            a.number = f"{year}-{number:04d}"
        AssignmentSequence.objects.update_or_create(year=year, defaults={"last": len(assignments)})
        return assignments, colleagues

    def _time_entries(self, assignments) -> int:
        rng, today = self.rng, self.today
        entries, total = [], 0
        for a in assignments:
            if not a.started_on:
                continue
            package = a.package
            if package.unit == Package.PriceUnit.TIMME:
                standard = float(a.quantity)
            elif package.unit == Package.PriceUnit.KANDIDAT:
                standard = float(a.quantity) * 1.5
            else:
                standard = float(package.standard_hours or DEFAULT_HOURS.get(package.code, 8))
            target = standard * rng.uniform(0.75, 1.25) + float(a.extra_hours)
            finish = a.closed_on or today
            if not a.closed_on:
                target *= min(1.0, (today - a.ordered_on).days / 50)
            span = max((finish - a.started_on).days, 1)
            logged = 0.0
            while logged < target:
                hours = max(
                    0.5, round(min(rng.choice([1, 1.5, 2, 2.5, 3, 4]), target - logged + 0.5) * 2) / 2
                )
                day = a.started_on + timedelta(days=rng.randrange(span))
                if day.weekday() >= 5:
                    day -= timedelta(days=day.weekday() - 4)
                user_id = a.responsible_id
                if a._colleague_ids and rng.random() < 0.3:
                    user_id = rng.choice(a._colleague_ids)
                entries.append(TimeEntry(user_id=user_id, date=day, hours=Decimal(str(hours)), assignment=a))
                logged += hours
            if len(entries) >= 20_000:
                total += len(TimeEntry.objects.bulk_create(entries, batch_size=5000))
                entries = []
        # Time not tied to an assignment: a few entries a week per consultant.
        categories = list(TimeCategory.objects.all())
        day = date(self.years[0], 1, 1)
        day -= timedelta(days=day.weekday())
        while day <= today:
            for consultant in self.consultants:
                for _ in range(rng.randint(2, 4)):
                    when = day + timedelta(days=rng.randrange(5))
                    if self.years[0] <= when.year and when <= today:
                        entries.append(
                            TimeEntry(
                                user=consultant,
                                date=when,
                                hours=Decimal(rng.choice([1, 2, 3, 4])),
                                category=rng.choice(categories),
                            )
                        )
            day += timedelta(days=7)
        total += len(TimeEntry.objects.bulk_create(entries, batch_size=5000))
        return total

    # --- surveys --------------------------------------------------------------------------------

    def _surveys(self, assignments):
        rng, today = self.rng, self.today
        for year in self.years:
            seed_all(year)
        versions = {(q.kind, q.year): q for q in Questionnaire.objects.all()}
        questions = {}
        for q in Question.objects.select_related("questionnaire").order_by("order"):
            questions.setdefault(q.questionnaire_id, []).append(q)
        last_version = max(self.years)

        def version(kind, year):
            return versions.get((kind, year)) or versions[(kind, min(year, last_version))]

        invitations, planned = [], []
        for a in assignments:
            if not a.closed_on or a.closed_on > today:
                continue
            package = a.package
            sent = _aware(a.closed_on, 10)
            if package.sends_training_evaluation:
                invitation = Invitation(
                    questionnaire=version(Kind.UTBILDNING, a.closed_on.year),
                    assignment=a,
                    shared=True,
                    send_at=sent,
                    sent_at=sent,
                    expires_at=sent + timedelta(days=30),
                    status=Invitation.Status.EXPIRED
                    if (today - a.closed_on).days > 30
                    else Invitation.Status.SENT,
                )
                participants = rng.randint(4, 14) if (today - a.closed_on).days > 3 else 0
                invitation.answer_count = participants
                invitations.append(invitation)
                for _ in range(participants):
                    answered = min(a.closed_on + timedelta(days=rng.randint(0, 3)), today)
                    planned.append((invitation, a, _aware(answered, 12)))
                continue
            plans = []
            if package.sends_customer_survey and a.outcome != Assignment.Outcome.AVBRUTEN:
                plans.append((Kind.KUND, sent, a.manager.name, a.manager.email))
            if package.sends_candidate_survey and a.outcome == Assignment.Outcome.TILLSATT:
                plans.append((Kind.KANDIDAT, sent, a.candidate_name, a.candidate_email))
            if (
                package.sends_match_survey
                and a.outcome == Assignment.Outcome.TILLSATT
                and a.candidate_start
                and a.psychometric_tests
            ):
                match_day = a.candidate_start + timedelta(days=183)
                plans.append((Kind.MATCHNING, _aware(match_day), a.manager.name, a.manager.email))
            for kind, send_at, name, email in plans:
                questionnaire = version(kind, send_at.year)
                invitation = Invitation(
                    questionnaire=questionnaire, assignment=a, send_at=send_at, recipient_name=name
                )
                invitation.email = email
                age = (today - send_at.date()).days
                if age < 0:
                    invitation.status = Invitation.Status.SCHEDULED
                    invitations.append(invitation)
                    continue
                days_to_answer = rng.randint(0, 12)
                answered = rng.random() < RESPONSE_RATES[kind] and age >= days_to_answer
                settle_sent(
                    invitation, kind=kind, send_at=send_at, age=age, answered=answered, days=days_to_answer
                )
                if answered:
                    planned.append((invitation, a, send_at + timedelta(days=days_to_answer, hours=2)))
                invitations.append(invitation)
        Invitation.objects.bulk_create(invitations, batch_size=2000)

        responses, answer_values = [], []
        for invitation, a, answered_at in planned:
            questionnaire = invitation.questionnaire
            values = self._answers(questions[questionnaire.pk], a)
            plain = {key: value for key, (_type, value) in values.items()}
            responses.append(
                build_response(
                    questionnaire, answered_at=answered_at, invitation=invitation, assignment=a, values=plain
                )
            )
            answer_values.append(values)
        Response.objects.bulk_create(responses, batch_size=2000)

        answers, follow_ups, answer_count = [], [], 0
        for response, values in zip(responses, answer_values, strict=True):
            for key, (qtype, value) in values.items():
                is_quote = qtype == Question.Type.TEXT and rng.random() < 0.1
                answers.append(Answer.of(response, key, qtype, value, is_quote=is_quote))
            if response.kind == Kind.KUND:
                reasons = follow_up_reasons({key: value for key, (_t, value) in values.items()})
                if reasons:
                    follow_ups.append(
                        FollowUp(
                            response=response,
                            assignment=response.assignment,
                            reasons=",".join(reasons),
                            assigned_to=self.heads.get(response.unit_id),
                            due_on=response.answered_on + timedelta(days=settings.SURVEY_FOLLOW_UP_DAYS),
                            done=(today - response.answered_on).days > 20,
                        )
                    )
            if len(answers) >= 20_000:
                answer_count += len(Answer.objects.bulk_create(answers, batch_size=5000))
                answers = []
        answer_count += len(Answer.objects.bulk_create(answers, batch_size=5000))
        FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
        return len(invitations), len(responses), answer_count, len(follow_ups)

    def _answers(self, questions, a) -> dict:
        """question key → (type, value) for one response, following the questions' conditions."""
        rng, values = self.rng, {}
        for q in questions:
            if q.condition == Question.Condition.REFERENCES and not a.references_checked:
                continue
            if q.condition == Question.Condition.TESTS and not a.psychometric_tests:
                continue
            if (
                q.condition == Question.Condition.ANSWER_YES
                and values.get(q.condition_key, (0, None))[1] is not True
            ):
                continue
            if q.type == Question.Type.SCALE:
                value = _weighted(rng, SCALE_WEIGHTS)
            elif q.type == Question.Type.NPS:
                value = _weighted(rng, NPS_WEIGHTS)
            elif q.type == Question.Type.YESNO:
                if q.key == "vill_bli_kontaktad":
                    value = rng.random() < 0.03
                elif q.key == "tester_genomforda":
                    value = a.psychometric_tests
                else:
                    value = rng.random() < 0.96
            elif rng.random() < 0.25:
                value = rng.choice(COMMENTS[q.questionnaire.kind])
            else:
                continue
            values[q.key] = (q.type, value)
        return values

    def _other_apps(self):
        """Each other app's own demo data (<app>/demo.py), as `load_demo` runs it: the plans, the
        economy figures, …; assignments and surveys are generated above instead. One that fails is
        reported and left out."""
        for config in apps.get_app_configs():
            if config.name in ("assignments", "surveys") or not find_spec(f"{config.name}.demo"):
                continue
            try:
                with transaction.atomic():
                    import_module(f"{config.name}.demo").load_demo(
                        stdout=lambda line: self.stdout(f"  {line}"), today=self.today
                    )
            except Exception as error:
                self.stdout(
                    f"  {config.name}.demo misslyckades och hoppas över: {type(error).__name__}: {error}"
                )


# --- measurements --------------------------------------------------------------------------------

DASHBOARD_MS, DASHBOARD_QUERIES, DASHBOARD_RATIO = 300, 30, 3.0
REPORT_MS = 10_000
LIST_MS = 150

_COUNTS_BY = """
    SELECT {key},
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s) AS ordered,
           COUNT(*) FILTER (
               WHERE a.status = 'avslutad' AND a.closed_on BETWEEN %(start)s AND %(end)s
           ) AS closed
      FROM assignments_assignment a {join}
     WHERE a.ordered_on BETWEEN %(start)s AND %(end)s OR a.closed_on BETWEEN %(start)s AND %(end)s
     GROUP BY {key}
"""
COUNTS_PER_PACKAGE = _COUNTS_BY.format(key="p.code", join="JOIN assignments_package p ON p.id = a.package_id")
COUNTS_PER_ORGANISATION_KIND = _COUNTS_BY.format(
    key="o.kind", join="JOIN assignments_organisation o ON o.id = a.organisation_id"
)
COUNTS_PER_SECTOR = _COUNTS_BY.format(
    key="s.name", join="LEFT JOIN assignments_sector s ON s.id = a.sector_id"
)
REVENUE_PER_MONTH = """
    SELECT EXTRACT(MONTH FROM a.invoiced_on)::int AS month, SUM(a.invoiced_amount), COUNT(*)
      FROM assignments_assignment a
     WHERE a.invoiced_on BETWEEN %(start)s AND %(end)s
     GROUP BY 1 ORDER BY 1
"""
BUDGET = "SELECT b.revenue, b.costs, b.ftes FROM assignments_budget b WHERE b.year = %(year)s"
HOURS_PER_PACKAGE = """
    SELECT p.code, SUM(t.hours), COUNT(DISTINCT t.assignment_id)
      FROM assignments_timeentry t
      JOIN assignments_assignment a ON a.id = t.assignment_id
      JOIN assignments_package p ON p.id = a.package_id
     WHERE t.date BETWEEN %(start)s AND %(end)s
     GROUP BY p.code
"""
HOURS_PER_CLOSED_ASSIGNMENT = """
    SELECT p.code, COUNT(DISTINCT a.id), SUM(t.hours)
      FROM assignments_assignment a
      JOIN assignments_package p ON p.id = a.package_id
      LEFT JOIN assignments_timeentry t ON t.assignment_id = a.id
     WHERE a.status = 'avslutad' AND a.closed_on BETWEEN %(start)s AND %(end)s
     GROUP BY p.code
"""
HOURS_PER_CONSULTANT = """
    SELECT t.user_id, SUM(t.hours) FILTER (WHERE t.assignment_id IS NOT NULL), SUM(t.hours)
      FROM assignments_timeentry t
     WHERE t.date BETWEEN %(start)s AND %(end)s
     GROUP BY t.user_id
"""
ANSWERS_PER_KIND_AND_YEAR = """
    SELECT r.kind, EXTRACT(YEAR FROM r.answered_on)::int AS year, an.question_key, an.type,
           COUNT(*) FILTER (WHERE an.number IS NOT NULL OR an.yes IS NOT NULL) AS answered,
           SUM(an.number) AS total,
           COUNT(*) FILTER (WHERE an.number >= 6) AS satisfied,
           COUNT(*) FILTER (WHERE an.yes) AS yes,
           COUNT(*) FILTER (WHERE an.number >= 9) AS promoters,
           COUNT(*) FILTER (WHERE an.number <= 6) AS detractors
      FROM surveys_answer an
      JOIN surveys_response r ON r.id = an.response_id
     WHERE r.answered_on BETWEEN %(previous_start)s AND %(end)s AND an.type <> 'text'
     GROUP BY 1, 2, 3, 4
"""
RESPONSES_PER_KIND_AND_YEAR = """
    SELECT r.kind, EXTRACT(YEAR FROM r.answered_on)::int, COUNT(*)
      FROM surveys_response r
     WHERE r.answered_on BETWEEN %(previous_start)s AND %(end)s
     GROUP BY 1, 2
"""
RESPONSE_RATES_PER_KIND_AND_YEAR = """
    SELECT q.kind, EXTRACT(YEAR FROM i.sent_at AT TIME ZONE %(tz)s)::int, COUNT(*)
      FROM surveys_invitation i
      JOIN surveys_questionnaire q ON q.id = i.questionnaire_id
     WHERE NOT i.shared AND i.status IN ('sent', 'answered', 'expired')
       AND i.sent_at >= %(previous_start_at)s AND i.sent_at < %(after_end_at)s
     GROUP BY 1, 2
"""
# The answered side of the response rates: responses by the tertial their link was sent in.
RESPONSES_PER_SEND_YEAR = """
    SELECT r.kind, EXTRACT(YEAR FROM r.sent_in)::int, COUNT(*)
      FROM surveys_response r
     WHERE r.sent_in BETWEEN %(previous_start)s AND %(end)s
     GROUP BY 1, 2
"""
LATEST_COMMENTS = """
    SELECT an.id, an.text, an.is_quote, r.kind, r.answered_on
      FROM surveys_answer an
      JOIN surveys_response r ON r.id = an.response_id
     WHERE an.type = 'text' AND an.text <> '' AND r.answered_on BETWEEN %(start)s AND %(end)s
     ORDER BY r.answered_on DESC, an.id DESC
     LIMIT 30
"""
ASSIGNMENT_COUNT = "SELECT COUNT(*) FROM assignments_assignment"
ASSIGNMENT_PAGE = """
    SELECT a.*, o.name, o.kind, m.name, m.email, p.code, p.name, p.unit, pl.year,
           u.first_name, u.last_name, u.initials, s.name
      FROM assignments_assignment a
      JOIN assignments_organisation o ON o.id = a.organisation_id
      JOIN assignments_manager m ON m.id = a.manager_id
      JOIN assignments_package p ON p.id = a.package_id
      JOIN assignments_pricelist pl ON pl.id = p.price_list_id
      JOIN assignments_user u ON u.id = a.responsible_id
      LEFT JOIN assignments_sector s ON s.id = a.sector_id
     ORDER BY a.ordered_on DESC, a.number DESC
     LIMIT %(limit)s
"""
PAGE_COLLEAGUES = """
    SELECT c.assignment_id, u.id, u.username, u.first_name, u.last_name, u.initials
      FROM assignments_assignment_colleagues c
      JOIN assignments_user u ON u.id = c.user_id
     WHERE c.assignment_id = ANY(%(ids)s)
"""
SURVEY_FLOOR = [
    ANSWERS_PER_KIND_AND_YEAR,
    RESPONSES_PER_KIND_AND_YEAR,
    RESPONSE_RATES_PER_KIND_AND_YEAR,
    RESPONSES_PER_SEND_YEAR,
]
DASHBOARD_FLOOR = [
    COUNTS_PER_PACKAGE,
    COUNTS_PER_ORGANISATION_KIND,
    COUNTS_PER_SECTOR,
    REVENUE_PER_MONTH,
    BUDGET,
    HOURS_PER_PACKAGE,
    HOURS_PER_CLOSED_ASSIGNMENT,
    HOURS_PER_CONSULTANT,
    *SURVEY_FLOOR,
]


def _params(year: int) -> dict:
    return {
        "year": year,
        "start": date(year, 1, 1),
        "end": date(year, 12, 31),
        "previous_start": date(year - 1, 1, 1),
        "previous_start_at": _aware(date(year - 1, 1, 1), 0),
        "after_end_at": _aware(date(year + 1, 1, 1), 0),
        "tz": settings.TIME_ZONE,
    }


def dashboard_floor(cursor, year: int) -> int:
    """The dashboard's figures for a year (surveys also the year before) straight from SQL.

    Returns the number of queries.
    """
    params = _params(year)
    for sql in DASHBOARD_FLOOR:
        cursor.execute(sql, params)
        cursor.fetchall()
    return len(DASHBOARD_FLOOR)


def survey_results_floor(cursor, year: int) -> int:
    """The survey results of a year and the year before, and the year's latest comments."""
    params = _params(year)
    for sql in [*SURVEY_FLOOR, LATEST_COMMENTS]:
        cursor.execute(sql, params)
        cursor.fetchall()
    return len(SURVEY_FLOOR) + 1


def assignment_list_floor(cursor, page_size: int) -> int:
    """One page of the assignment list with its joins, its colleagues and the total count."""
    cursor.execute(ASSIGNMENT_COUNT)
    cursor.fetchall()
    cursor.execute(ASSIGNMENT_PAGE, {"limit": page_size})
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(PAGE_COLLEAGUES, {"ids": ids})
    cursor.fetchall()
    return 3


@dataclass
class Measurement:
    name: str
    target: str
    median_ms: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    floor_queries: int | None = None
    ok: bool | None = None
    note: str = ""
    runs_ms: list = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.median_ms is None or not self.floor_ms:
            return None
        return self.median_ms / self.floor_ms

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": None if self.ratio is None else round(self.ratio, 2)}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def time_floor(run, *args, repeat: int = 15) -> tuple[float, int]:
    """Median milliseconds of `run(cursor, *args)` after one warm-up, and its query count."""
    with connection.cursor() as cursor:
        count = run(cursor, *args)
        times = []
        for _ in range(repeat):
            started = perf_counter()
            run(cursor, *args)
            times.append(perf_counter() - started)
    return _ms(statistics.median(times)), count


def measure_page(client, measurement, url_name, query, *, repeat, warmup) -> Measurement:
    """Median server time of GET url_name?query (after warm-ups) and its query count."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        measurement.note = "saknas ännu"
        return measurement
    try:
        for _ in range(warmup):
            client.get(url, query)
        with CaptureQueriesContext(connection) as queries:
            started = perf_counter()
            response = client.get(url, query)
            first = perf_counter() - started
        measurement.queries = len(queries)
        measurement.details = {"url": url, "query": query, "status": response.status_code}
        if response.status_code != 200:
            measurement.note = f"HTTP {response.status_code}"
            return measurement
        measurement.details["bytes"] = len(response.content)
        measurement.details["with_query_capture_ms"] = _ms(first)
        times = []
        for _ in range(repeat):
            started = perf_counter()
            client.get(url, query)
            times.append(perf_counter() - started)
    except Exception as error:  # a page under construction: report it and measure the rest
        measurement.note = f"fel: {type(error).__name__}: {error}"[:200]
        return measurement
    measurement.runs_ms = [_ms(t) for t in times]
    measurement.median_ms = _ms(statistics.median(times))
    return measurement


def _report_builder():
    """(reporting.workbook.build_workbook, "") or (None, why not)."""
    try:
        module = importlib.import_module("reporting.workbook")
    except ModuleNotFoundError as error:
        if error.name == "reporting.workbook":
            return None, "saknas ännu"
        return None, f"fel vid import: {error}"
    except Exception as error:
        return None, f"fel vid import: {type(error).__name__}: {error}"[:200]
    build = getattr(module, "build_workbook", None)
    return (build, "") if callable(build) else (None, "saknas ännu")


def measure_report(measurement, year: int, tertial: int, *, repeat: int) -> Measurement:
    """Median time of build_workbook(year, tertial) including writing the file, and its query count."""
    build, why = _report_builder()
    if build is None:
        measurement.note = why
        return measurement

    def run():
        result = build(year, tertial)
        if hasattr(result, "save"):  # an openpyxl Workbook: the file is what the user gets
            buffer = io.BytesIO()
            result.save(buffer)
            result = buffer.getvalue()
        return result

    try:
        with CaptureQueriesContext(connection) as queries:
            started = perf_counter()
            content = run()
            first = perf_counter() - started
        measurement.queries = len(queries)
        measurement.details = {"first_run_ms": _ms(first), "bytes": len(content) if content else 0}
        times = []
        for _ in range(repeat):
            started = perf_counter()
            run()
            times.append(perf_counter() - started)
    except Exception as error:
        measurement.note = f"fel: {type(error).__name__}: {error}"[:200]
        return measurement
    measurement.runs_ms = [_ms(t) for t in times]
    measurement.median_ms = _ms(statistics.median(times))
    return measurement


def measure(year: int, *, repeat: int = 15, warmup: int = 2, report_repeat: int = 3, stdout=print) -> list:
    """Every measurement for a year, as the bench chef, with DEBUG off and any host allowed."""
    chef = User.objects.get(username=CHEF_USERNAME)
    client = Client()
    client.force_login(chef)
    # A page under construction that fails is reported in the table, not as a logged traceback.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            return _measure_all(client, year, repeat, warmup, report_repeat, stdout)
    finally:
        request_log.setLevel(level)


def _measure_all(client, year, repeat, warmup, report_repeat, stdout) -> list:
    from assignments.views.assignments import AssignmentListView

    page_size = AssignmentListView.paginate_by
    stdout("Mäter golven (SQL-frågorna ensamma) …")
    dash_floor = time_floor(dashboard_floor, year, repeat=repeat)
    list_floor = time_floor(assignment_list_floor, page_size, repeat=repeat)
    survey_floor = time_floor(survey_results_floor, year, repeat=repeat)

    stdout(f"Mäter instrumentpanelen {year} …")
    dashboard = measure_page(
        client,
        Measurement(
            f"Instrumentpanel helår {year}",
            f"≤ {DASHBOARD_MS} ms, ≤ {DASHBOARD_QUERIES} frågor, ≤ {DASHBOARD_RATIO:g} × golv",
        ),
        "reporting-dashboard",
        {"ar": year, "period": "year"},
        repeat=repeat,
        warmup=warmup,
    )
    dashboard.floor_ms, dashboard.floor_queries = dash_floor
    if dashboard.median_ms is not None:
        dashboard.ok = (
            dashboard.median_ms <= DASHBOARD_MS
            and dashboard.queries <= DASHBOARD_QUERIES
            and dashboard.ratio <= DASHBOARD_RATIO
        )

    stdout(f"Bygger tertialrapport T3 {year} …")
    report = measure_report(
        Measurement(f"Tertialrapport T3 {year} (bygge)", f"≤ {REPORT_MS // 1000} s"),
        year,
        3,
        repeat=report_repeat,
    )
    report.floor_ms, report.floor_queries = dash_floor
    if report.median_ms is not None:
        report.ok = report.median_ms <= REPORT_MS

    stdout("Mäter uppdragslistan …")
    listing = measure_page(
        client,
        Measurement(f"Uppdragslista (sida 1, {page_size} rader)", f"≤ {LIST_MS} ms"),
        "assignment-list",
        {},
        repeat=repeat,
        warmup=warmup,
    )
    listing.floor_ms, listing.floor_queries = list_floor
    if listing.median_ms is not None:
        listing.ok = listing.median_ms <= LIST_MS

    stdout(f"Mäter enkätresultaten {year} …")
    survey = measure_page(
        client,
        Measurement(f"Enkätresultat helår {year}", f"≤ {LIST_MS} ms"),
        "survey-results",
        {"year": year, "period": "year"},
        repeat=repeat,
        warmup=warmup,
    )
    survey.floor_ms, survey.floor_queries = survey_floor
    if survey.median_ms is not None:
        survey.ok = survey.median_ms <= LIST_MS
    return [dashboard, report, listing, survey]


def format_table(rows: list) -> str:
    header = ["Mätning", "Median ms", "Frågor", "Golv ms", "Kvot", "Mål", "OK?"]
    lines = []
    for m in rows:
        lines.append(
            [
                m.name,
                f"{m.median_ms:.1f}" if m.median_ms is not None else (m.note or "–"),
                "–" if m.queries is None else str(m.queries),
                f"{m.floor_ms:.1f} ({m.floor_queries} fr.)" if m.floor_ms is not None else "–",
                "–" if m.ratio is None else f"{m.ratio:.1f} ×",
                m.target,
                "–" if m.ok is None else ("ja" if m.ok else "NEJ"),
            ]
        )
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 3, 4}

    def render(row):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(row) for row in lines)])
