"""Reference data (units, organisations, sectors, the 2021 price list) and demo data.

Idempotent: reference data is created or left as it is, and activity is generated only for
years that have no assignments yet. All people are fictional.
"""

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .models import (
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

DATA = Path(__file__).resolve().parent / "data"

SECTORS = [
    "Förskola",
    "Skola",
    "Äldreomsorg",
    "Socialtjänst",
    "Funktionsnedsättning",
    "Administration",
    "Ekonomi",
    "HR",
    "IT",
    "Kultur och fritid",
    "Stadsmiljö och teknik",
    "Kommunikation",
]
TIME_CATEGORIES = ["Intern tid", "Utveckling", "Utbildning", "Kundmöten och marknadsföring", "Administration"]

# (username, first name, last name, initials, role, unit)
DEMO_USERS = [
    ("konsult", "Klara", "Konsultsson", "KK", User.Role.KONSULT, "Enhet 1"),
    ("samordnare", "Sam", "Ordnarsson", "SO", User.Role.SAMORDNARE, "Enhet 1"),
    ("chef", "Cecilia", "Chefsdotter", "CC", User.Role.CHEF, "Enhet 1"),
    ("admin", "Adam", "Administratör", "AA", User.Role.ADMIN, None),
    ("alva.berg", "Alva", "Berg", "AB", User.Role.KONSULT, "Enhet 1"),
    ("bo.dahl", "Bo", "Dahl", "BD", User.Role.KONSULT, "Enhet 1"),
    ("cornelia.ek", "Cornelia", "Ek", "CE", User.Role.KONSULT, "Enhet 1"),
    ("david.falk", "David", "Falk", "DF", User.Role.KONSULT, "Enhet 1"),
    ("elin.gran", "Elin", "Gran", "EG", User.Role.KONSULT, "Enhet 1"),
    ("filip.holm", "Filip", "Holm", "FH", User.Role.KONSULT, "Enhet 2"),
    ("greta.ivarsson", "Greta", "Ivarsson", "GI", User.Role.KONSULT, "Enhet 2"),
    ("hugo.jarl", "Hugo", "Jarl", "HJ", User.Role.KONSULT, "Enhet 2"),
    ("ines.kvist", "Ines", "Kvist", "IK", User.Role.KONSULT, "Enhet 2"),
    ("jonas.lind", "Jonas", "Lind", "JL", User.Role.KONSULT, "Enhet 2"),
    ("karin.mark", "Karin", "Mark", "KM", User.Role.SAMORDNARE, "Enhet 2"),
    ("lova.nyman", "Lova", "Nyman", "LNY", User.Role.KONSULT, "Enhet 1"),
    ("malte.ohlin", "Malte", "Ohlin", "MO", User.Role.KONSULT, "Enhet 1"),
    ("nora.palm", "Nora", "Palm", "NP", User.Role.KONSULT, "Enhet 1"),
    ("otto.rask", "Otto", "Rask", "OR", User.Role.KONSULT, "Enhet 1"),
    ("petra.sjo", "Petra", "Sjö", "PS", User.Role.KONSULT, "Enhet 2"),
    ("rami.tall", "Rami", "Tall", "RT", User.Role.KONSULT, "Enhet 2"),
    ("sanna.ulv", "Sanna", "Ulv", "SU", User.Role.KONSULT, "Enhet 2"),
    ("tim.vik", "Tim", "Vik", "TV", User.Role.KONSULT, "Enhet 2"),
    ("ulla.wall", "Ulla", "Wall", "UW", User.Role.KONSULT, "Enhet 2"),
    ("leo.nord", "Leo", "Nord", "LN", User.Role.CHEF, "Enhet 2"),
]

# The 2026 catalogue (sources/002), priced for 2025; later years rise about 3.5 % a year.
# code, name, price 2025, unit, standard hours, manager, whole process,
# surveys (customer, candidate, match, training)
CATALOGUE = [
    ("chef", "Chefspaket", 36000, "uppdrag", 36, True, True, (True, True, True, False)),
    ("stora", "Stora paketet", 27000, "uppdrag", 30, False, True, (True, True, True, False)),
    ("lilla", "Lilla paketet", 12000, "uppdrag", 14, False, False, (True, False, False, False)),
    ("omtag", "Omtag", 11000, "uppdrag", 12, False, False, (True, True, False, False)),
    ("kbr", "KBR-utbildning", 16000, "tillfalle", 10, False, False, (False, False, False, True)),
    ("screening", "Screeningpaket", 9000, "uppdrag", 8, False, False, (True, False, False, False)),
    ("second_opinion", "Second opinion", 8500, "uppdrag", 9, False, False, (True, False, False, False)),
    ("search", "Searchpaket", 7500, "uppdrag", 8, False, False, (True, False, False, False)),
    ("referens", "Referenstagning", 450, "kandidat", None, False, False, (False, False, False, False)),
    ("ovrig", "Övrig tjänst", 950, "timme", None, False, False, (False, False, False, False)),
]
DESCRIPTIONS = {
    "chef": "Stöd genom hela rekryteringsprocessen vid chefsrekrytering.",
    "stora": "Stöd genom hela rekryteringsprocessen vid medarbetarrekrytering.",
    "lilla": "Stöd i annonsframtagande, urval samt avslut av rekryteringsprocessen.",
    "omtag": "Stöd då en rekrytering behöver göras om för att ingen kandidat anställts.",
    "kbr": "Utbildning i kompetensbaserad rekrytering.",
    "screening": "Screeningtester på en större grupp kandidater som sökt en tjänst.",
    "second_opinion": "Stöd i slutbedömningen av slutkandidater med arbetspsykologiska testverktyg.",
    "search": "Stöd i uppsökande av potentiella kandidater på LinkedIn.",
    "referens": "Digital referenstagning, per kandidat.",
    "ovrig": "Stöd som säljs på timarvode: volymprojekt, legitimationskontroller, annonsskrivning.",
}
# Relative demand per package (about 1 000 assignments a year in all).
MIX = {
    "stora": 42,
    "chef": 14,
    "lilla": 12,
    "omtag": 4,
    "kbr": 2,
    "screening": 5,
    "second_opinion": 6,
    "search": 4,
    "referens": 6,
    "ovrig": 5,
}

ROLES = {
    "Förskola": ["Förskollärare", "Barnskötare", "Förskolechef"],
    "Skola": ["Lärare i matematik", "Speciallärare", "Rektor", "Skolkurator"],
    "Äldreomsorg": ["Undersköterska", "Enhetschef äldreboende", "Sjuksköterska"],
    "Socialtjänst": ["Socialsekreterare", "Gruppledare socialtjänst", "Familjebehandlare"],
    "Funktionsnedsättning": ["Stödassistent", "Enhetschef LSS", "Boendestödjare"],
    "Administration": ["Handläggare", "Registrator", "Administratör", "Avdelningschef"],
    "Ekonomi": ["Controller", "Ekonom", "Redovisningsekonom"],
    "HR": ["HR-specialist", "Lönespecialist", "HR-chef"],
    "IT": ["Systemförvaltare", "IT-samordnare", "Verksamhetsutvecklare"],
    "Kultur och fritid": ["Bibliotekarie", "Fritidsledare"],
    "Stadsmiljö och teknik": ["Projektledare", "Trafikplanerare", "Fastighetsförvaltare"],
    "Kommunikation": ["Kommunikatör", "Webbredaktör"],
}
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Sara",
    "Johan",
    "Emma",
    "Anders",
    "Lina",
    "Per",
    "Ida",
    "Nils",
    "Maja",
    "Oskar",
    "Sofia",
    "Gustav",
    "Elsa",
    "Axel",
    "Tove",
    "Viktor",
    "Moa",
    "Ali",
    "Leila",
    "Samir",
]
LAST_NAMES = [
    "Andersson",
    "Bergström",
    "Carlsson",
    "Danielsson",
    "Eklund",
    "Forsberg",
    "Gunnarsson",
    "Hedlund",
    "Isaksson",
    "Jakobsson",
    "Karlsson",
    "Lundqvist",
    "Magnusson",
    "Nyberg",
    "Olofsson",
    "Persson",
    "Sandberg",
    "Törnqvist",
    "Wikström",
    "Öberg",
]


def _round_price(value: float) -> Decimal:
    step = 50 if value < 2000 else 500
    return Decimal(int(round(value / step) * step))


def _seed_users(stdout):
    units = {unit.name: unit for unit in Unit.objects.all()}
    for username, first, last, initials, role, unit in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "initials": initials,
                "role": role,
                "unit": units.get(unit),
                "email": f"{username}@example.org",
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
            },
        )
        if created:
            user.set_password("demo")
            user.save(update_fields=["password"])
    stdout(f"Användare: {len(DEMO_USERS)} (lösenord demo)")


def _seed_registers(stdout):
    with open(DATA / "organisationer.csv", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(rows):
        Organisation.objects.get_or_create(name=row["name"], defaults={"kind": row["kind"]})
    for name in SECTORS:
        Sector.objects.get_or_create(name=name)
    for name in TIME_CATEGORIES:
        TimeCategory.objects.get_or_create(name=name)
    stdout(f"Organisationer: {Organisation.objects.count()}, verksamheter: {Sector.objects.count()}")


def _seed_price_list_2021():
    price_list, _created = PriceList.objects.get_or_create(year=2021)
    with open(DATA / "prislista-2021.csv", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(rows):
        code = row["code"]
        whole = code in ("stora", "chef", "hogre_chef", "larare")
        Package.objects.get_or_create(
            price_list=price_list,
            code=code,
            defaults={
                "name": row["name"],
                "price": Decimal(row["price_sek"]),
                "unit": row["unit"],
                "standard_hours": Decimal(row["standard_hours"]) if row["standard_hours"] else None,
                "is_manager_recruitment": code in ("chef", "hogre_chef"),
                "is_whole_process": whole,
                "is_hourly_rate": code == "ovrig_hr",
                "sends_customer_survey": row["unit"] == "uppdrag",
                "sends_candidate_survey": whole,
                "sends_match_survey": whole,
                "sends_training_evaluation": code == "kbr",
            },
        )


def _seed_price_list(year):
    price_list, _created = PriceList.objects.get_or_create(year=year)
    factor = 1.035 ** (year - 2025)
    for code, name, price, unit, hours, manager, whole, surveys in CATALOGUE:
        Package.objects.get_or_create(
            price_list=price_list,
            code=code,
            defaults={
                "name": name,
                "description": DESCRIPTIONS[code],
                "price": _round_price(price * factor),
                "unit": unit,
                "standard_hours": Decimal(hours) if hours else None,
                "is_manager_recruitment": manager,
                "is_whole_process": whole,
                "is_hourly_rate": code == "ovrig",
                "sends_customer_survey": surveys[0],
                "sends_candidate_survey": surveys[1],
                "sends_match_survey": surveys[2],
                "sends_training_evaluation": surveys[3],
            },
        )
    return price_list


def _seed_budget(year, price_list):
    ftes = Decimal("21.25") if year < 2026 else Decimal("23")
    revenue = Decimal("21636000") if year < 2026 else Decimal("24000000")
    budget, created = Budget.objects.get_or_create(
        year=year, defaults={"ftes": ftes, "revenue": revenue, "costs": revenue + Decimal("1000000")}
    )
    if created:
        for package in price_list.packages.all():
            count = {"ovrig": 2400, "referens": 120}.get(package.code, MIX[package.code] * 9)
            BudgetLine.objects.create(budget=budget, package=package, planned_count=Decimal(count))


def _generate_year(year, today, rng, stdout):
    """Assignments ordered in the year (up to today), with hours, closings and invoices."""
    if Assignment.objects.filter(ordered_on__year=year).exists():
        return 0
    packages = {p.code: p for p in Package.objects.filter(price_list__year=year)}
    consultants = list(User.objects.filter(role__in=[User.Role.KONSULT, User.Role.SAMORDNARE]))
    organisations = list(Organisation.objects.all())
    sectors = list(Sector.objects.all())
    sector_by_name = {s.name: s for s in sectors}
    categories = list(TimeCategory.objects.all())
    managers = list(Manager.objects.select_related("organisation"))
    codes, weights = zip(*MIX.items(), strict=True)

    end = min(date(year, 12, 31), today)
    days = (end - date(year, 1, 1)).days + 1
    count = int(950 * days / 365)
    assignments, colleague_links, number = [], [], 0
    for _ in range(count):
        ordered = date(year, 1, 1) + timedelta(days=rng.randrange(days))
        while ordered.weekday() >= 5:
            ordered -= timedelta(days=1)
        if ordered.year != year:
            ordered = date(year, 1, 2)
        code = rng.choices(codes, weights)[0]
        package = packages[code]
        org = rng.choice(organisations)
        if not managers or rng.random() < 0.35:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            manager = Manager(
                name=f"{first} {last}",
                organisation=org,
                email=f"{first}.{last}.{len(managers)}@example.org".lower()
                .replace("å", "a")
                .replace("ä", "a")
                .replace("ö", "o"),
            )
            manager.save()
            managers.append(manager)
        else:
            manager = rng.choice(managers)
            org = manager.organisation
        sector_name = rng.choice(SECTORS)
        if org.kind == Organisation.Kind.SDF and rng.random() < 0.6:
            sector_name = rng.choice(["Förskola", "Äldreomsorg", "Socialtjänst", "Funktionsnedsättning"])
        sector = sector_by_name.get(sector_name) or rng.choice(sectors)
        level = Assignment.Level.CHEF if package.is_manager_recruitment else Assignment.Level.MEDARBETARE
        if level == Assignment.Level.CHEF and rng.random() < 0.15:
            level = Assignment.Level.HOGRE_CHEF
        role_title = rng.choice(ROLES.get(sector.name, ["Handläggare"]))
        if level != Assignment.Level.MEDARBETARE:
            role_title = rng.choice(
                ["Enhetschef", "Biträdande rektor", "Avdelningschef", "Förvaltningschef"]
                if level == Assignment.Level.HOGRE_CHEF or rng.random() < 0.5
                else ["Enhetschef", "Rektor", "Förskolechef"]
            )
        quantity = Decimal("1")
        if package.unit == Package.PriceUnit.TIMME:
            quantity = Decimal(rng.choice([10, 20, 40, 80, 120]))
        elif package.unit == Package.PriceUnit.KANDIDAT:
            quantity = Decimal(rng.randint(2, 4))
        price = (package.price * quantity).quantize(Decimal("0.01"))
        responsible = rng.choice(consultants)
        age = (today - ordered).days
        duration = rng.randint(35, 80)
        extra = Decimal(rng.choice([0, 0, 0, 0, 2, 4, 6]))
        a = Assignment(
            number="",
            organisation=org,
            manager=manager,
            role_title=role_title,
            level=level,
            sector=sector,
            package=package,
            quantity=quantity,
            price=price,
            extra_hours=extra,
            responsible=responsible,
            ordered_on=ordered,
            started_on=ordered + timedelta(days=rng.randint(0, 7)),
            applicants=rng.randint(8, 180) if package.is_whole_process or code == "lilla" else None,
            personal_letter=rng.random() < 0.35,
            screening=rng.random() < 0.3,
            psychometric_tests=package.is_whole_process and rng.random() < 0.7,
            search=code == "search" or rng.random() < 0.05,
            references_checked=rng.randint(1, 3) if package.is_whole_process else None,
        )
        if age > duration:
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
                a.hires = rng.randint(5, 40) if code == "ovrig" else 1
                a.candidate_start = a.closed_on + timedelta(days=rng.randint(30, 90))
                # Contact data is kept only while the candidate survey may still be answered.
                if today - a.closed_on < timedelta(days=30) and package.sends_candidate_survey:
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    a.candidate_name = f"{first} {last}"
                    a.candidate_email = f"kandidat{rng.randint(1000, 9999)}@example.org"
            else:
                a.hires = 0
            a.invoiced_on = a.closed_on + timedelta(days=rng.randint(1, 14))
            if a.invoiced_on > today:
                a.invoiced_on = None
            else:
                a.invoiced_amount = a.default_invoice_amount(packages["ovrig"].price)
        else:
            a.status = Assignment.Status.PAGAENDE if age > 5 else Assignment.Status.FORFRAGAN
            if a.status == Assignment.Status.FORFRAGAN:
                a.started_on = None
        if a.started_on and a.started_on > today:
            a.started_on = today
        assignments.append(a)
        if rng.random() < 0.15:
            colleague_links.append((a, rng.choice(consultants)))

    assignments.sort(key=lambda a: a.ordered_on)
    for a in assignments:
        number += 1
        a.number = f"{year}-{number:04d}"
    AssignmentSequence.objects.update_or_create(year=year, defaults={"last": number})
    created = bulk_create_with_history(assignments, Assignment, batch_size=500)
    # bulk_create on SQLite and PostgreSQL returns primary keys.
    through = Assignment.colleagues.through
    through.objects.bulk_create(
        [through(assignment_id=a.pk, user_id=u.pk) for a, u in colleague_links if a.responsible_id != u.pk],
        ignore_conflicts=True,
    )

    entries = []
    for a in created:
        if a.status == Assignment.Status.FORFRAGAN:
            continue
        standard = float(a.package.standard_hours or (a.quantity if a.package.unit == "timme" else 4))
        finish = a.closed_on or today
        target = standard * rng.uniform(0.75, 1.25)
        if not a.closed_on:
            target *= min(1.0, (today - a.ordered_on).days / 50)
        span = max((finish - a.started_on).days, 1)
        logged = 0.0
        while logged < target:
            hours = min(rng.choice([1, 1.5, 2, 2.5, 3, 4]), target - logged + 0.5)
            hours = max(0.5, round(hours * 2) / 2)
            day = a.started_on + timedelta(days=rng.randrange(span))
            if day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)
            entries.append(TimeEntry(user=a.responsible, date=day, hours=Decimal(str(hours)), assignment=a))
            logged += hours
    # Non-assignment time: about 30 % of a week per consultant.
    week = date(year, 1, 1)
    while week <= end:
        for consultant in consultants:
            for _ in range(rng.randint(2, 4)):
                day = week + timedelta(days=rng.randrange(5))
                if day <= end and day.year == year:
                    entries.append(
                        TimeEntry(
                            user=consultant,
                            date=day,
                            hours=Decimal(rng.choice([1, 2, 3, 4])),
                            category=rng.choice(categories),
                        )
                    )
        week += timedelta(days=7)
    TimeEntry.objects.bulk_create(entries, batch_size=2000)
    stdout(f"{year}: {len(created)} uppdrag, {len(entries)} tidrapporter")
    return len(created)


@transaction.atomic
def load_registers(stdout=print):
    """The reference data a new installation starts from; safe in production and to run again."""
    for name in ("Enhet 1", "Enhet 2"):
        Unit.objects.get_or_create(name=name)
    _seed_registers(stdout)
    _seed_price_list_2021()


@transaction.atomic
def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    rng = random.Random(today.year)
    load_registers(stdout)
    _seed_users(stdout)
    for year in (today.year - 1, today.year):
        price_list = _seed_price_list(year)
        _seed_budget(year, price_list)
    for year in (today.year - 1, today.year):
        _generate_year(year, today, rng, stdout)
    # The demo konsult always has something to work on.
    konsult = User.objects.get(username="konsult")
    ongoing = Assignment.objects.filter(responsible=konsult).exclude(status=Assignment.Status.AVSLUTAD)
    stdout(f"Konsult har {ongoing.count()} pågående uppdrag.")
