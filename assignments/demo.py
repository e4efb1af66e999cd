"""Reference data (units, organisations, sectors, the 2021 price list) and demo data.

Idempotent: reference data is created or left as it is, and activity is generated only for
years that have no assignments yet. All people are fictional. The benchmark (bench/) builds its
ten years from the same pieces: the users, price lists, budgets and `Activity`.
"""

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import chain
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from rekrytering.demo import bulk_insert

from .models import (
    REDO_OUTCOMES,
    STEP_ORDER,
    Assignment,
    AssignmentSequence,
    AssignmentStep,
    Budget,
    BudgetLine,
    ConsultantCapacity,
    Manager,
    Organisation,
    Package,
    PriceList,
    Sector,
    StandardScheduleStep,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
    list_price,
)
from .selectors import schedule_dates

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
# Absence: time in these lowers the consultant's capacity for assignments (the load).
ABSENCE_CATEGORIES = ["Semester", "Sjukfrånvaro", "Föräldraledighet"]

# Demo capacities differing from the defaults (40 h a week, 70 % for assignments):
# username → (working hours per week, share for assignments in per cent).
DEMO_CAPACITIES = {
    "samordnare": (40, 50),  # coordination takes half the week
    "karin.mark": (40, 50),
    "alva.berg": (30, 70),  # part-time, 75 %
    "hugo.jarl": (32, 70),  # part-time, 80 %
    "nora.palm": (20, 80),  # part-time, half
    "tim.vik": (40, 85),
}
# Absence already entered for the coming days (time may be logged at most a week ahead):
# username → (category, first day from this week's Monday, number of working days).
DEMO_ABSENCE = {
    "bo.dahl": ("Semester", 0, 5),
    "ines.kvist": ("Sjukfrånvaro", 1, 2),
    "otto.rask": ("Föräldraledighet", 7, 3),
}

# The competence map: username → (certified for manager recruitments, certified in the test tools,
# city districts worked in (the start of the stadsdelsförvaltning's name), sectors known besides
# the register's count, wishes). Every consultant runs the employee packages (COMPETENCE_BASE);
# the manager-certified also the manager packages, the test-certified the test packages.
COMPETENCE_BASE = ["stora", "lilla", "omtag", "referens", "search", "larare", "ovrig_hr"]
COMPETENCE_MANAGER = ["chef", "hogre_chef"]
COMPETENCE_TESTS = ["screening", "second_opinion"]
DEMO_COMPETENCE = {
    "konsult": (False, False, ["Farsta", "Skarpnäck"], ["Förskola"], "Vill gärna pröva på chefsrekrytering."),
    "samordnare": (True, True, ["Norrmalm", "Östermalm"], [], ""),
    "alva.berg": (False, True, ["Bromma"], ["Skola"], ""),
    "bo.dahl": (False, False, ["Enskede-Årsta-Vantör"], ["Äldreomsorg"], ""),
    "cornelia.ek": (True, True, ["Rinkeby-Kista", "Spånga-Tensta"], ["Socialtjänst"], ""),
    "david.falk": (False, False, ["Hägersten-Älvsjö"], [], "Mer IT- och ekonomirekryteringar."),
    "elin.gran": (False, False, ["Södermalm"], ["Förskola", "Skola"], ""),
    "filip.holm": (True, True, ["Hässelby-Vällingby"], ["Stadsmiljö och teknik"], ""),
    "greta.ivarsson": (True, False, ["Kungsholmen", "Norrmalm"], ["Administration", "HR"], ""),
    "hugo.jarl": (False, False, ["Skärholmen"], [], ""),
    "ines.kvist": (False, False, ["Farsta"], ["Äldreomsorg"], "Vill arbeta mer med äldreomsorgen."),
    "jonas.lind": (False, True, ["Bromma", "Hässelby-Vällingby"], [], ""),
    "karin.mark": (True, True, ["Södermalm"], [], ""),
    "lova.nyman": (False, False, ["Spånga-Tensta"], ["Funktionsnedsättning"], ""),
    "malte.ohlin": (True, False, ["Östermalm"], ["Kultur och fritid"], ""),
    "nora.palm": (False, False, ["Kungsholmen"], [], ""),
    "otto.rask": (False, False, ["Enskede-Årsta-Vantör", "Skarpnäck"], [], ""),
    "petra.sjo": (True, True, ["Hägersten-Älvsjö", "Skärholmen"], ["Socialtjänst"], "Fler screeninguppdrag."),
    "rami.tall": (False, False, ["Rinkeby-Kista"], [], ""),
    "sanna.ulv": (False, False, ["Farsta"], ["Förskola"], ""),
    "tim.vik": (False, True, ["Södermalm"], ["IT"], ""),
    "ulla.wall": (True, True, ["Bromma", "Kungsholmen"], [], ""),
}

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
# Relative demand per package code (about 1 000 assignments a year in all), the 2021 price list's
# own codes too; a code missing from a year's price list is not sold that year.
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
    "hogre_chef": 3,
    "larare": 3,
    "ovrig_hr": 5,
}
# Hours an assignment takes when its package gives no standard hours (the 2021 list gives few).
DEFAULT_HOURS = {"lilla": 14, "omtag": 12, "hogre_chef": 40, "second_opinion": 9, "search": 8, "larare": 10}

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


def ascii_name(text: str) -> str:
    """A name as it goes into a fictional address: "Åsa Öberg" → "asa.oberg"."""
    return text.lower().replace("å", "a").replace("ä", "a").replace("ö", "o").replace(" ", ".")


def seed_users(stdout=print, *, password: str | None = "demo"):
    """The demo users (DEMO_USERS); `password` None leaves them without one that works."""
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
            user.set_password(password)  # None: an unusable password
            user.save(update_fields=["password"])
    stdout(f"Användare: {len(DEMO_USERS)}" + (f" (lösenord {password})" if password else ""))


def _seed_registers(stdout):
    with open(DATA / "organisationer.csv", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(rows):
        Organisation.objects.get_or_create(name=row["name"], defaults={"kind": row["kind"]})
    for name in SECTORS:
        Sector.objects.get_or_create(name=name)
    for name in TIME_CATEGORIES:
        TimeCategory.objects.get_or_create(name=name)
    for name in ABSENCE_CATEGORIES:
        TimeCategory.objects.get_or_create(name=name, defaults={"is_absence": True})
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


def seed_price_list(year: int) -> PriceList:
    """The year's price list: the one it has (2021's from its source), else the 2026 catalogue
    priced for the year."""
    existing = PriceList.objects.filter(year=year).first()
    if existing is not None:
        return existing
    price_list = PriceList.objects.create(year=year)
    factor = 1.035 ** (year - 2025)
    Package.objects.bulk_create(
        Package(
            price_list=price_list,
            code=code,
            name=name,
            description=DESCRIPTIONS[code],
            price=_round_price(price * factor),
            unit=unit,
            standard_hours=Decimal(hours) if hours else None,
            is_manager_recruitment=manager,
            is_whole_process=whole,
            is_hourly_rate=code == "ovrig",
            sends_customer_survey=surveys[0],
            sends_candidate_survey=surveys[1],
            sends_match_survey=surveys[2],
            sends_training_evaluation=surveys[3],
        )
        for code, name, price, unit, hours, manager, whole, surveys in CATALOGUE
    )
    return price_list


def seed_budget(year: int, price_list: PriceList, *, revenue: Decimal | None = None) -> Budget:
    """The year's budget (left as it is if there is one): counts planned per package by MIX, and
    the revenue given, else what the planned counts come to at the year's prices."""
    existing = Budget.objects.filter(year=year).first()
    if existing is not None:
        return existing
    lines = [
        (package, Decimal({"timme": 2400, "kandidat": 120}.get(package.unit, MIX.get(package.code, 1) * 9)))
        for package in price_list.packages.all()
    ]
    if revenue is None:
        revenue = sum((package.price * count for package, count in lines), Decimal("0"))
    budget = Budget.objects.create(
        year=year,
        ftes=Decimal("21.25") if year < 2026 else Decimal("23"),
        revenue=revenue,
        costs=revenue + Decimal("1000000"),
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, package=package, planned_count=count) for package, count in lines
    )
    return budget


DAY_HOURS = 9.0  # the most the demo logs on one person's day (the week grid refuses over 24)


class Activity:
    """Fictional assignments with colleagues, closings, invoices and hours: the demo's and the
    benchmark's alike. `rng` decides everything; nothing happens after `today`.

    The consultants and coordinators do the work; a share of the assignments comes from a new
    manager (`new_manager_share`), the rest from one who has ordered before.
    """

    def __init__(self, rng: random.Random, today: date, *, new_manager_share: float = 0.35):
        self.rng, self.today = rng, today
        self.new_manager_share = new_manager_share
        self.consultants = list(
            User.objects.filter(role__in=[User.Role.KONSULT, User.Role.SAMORDNARE]).order_by("id")
        )
        self.organisations = list(Organisation.objects.order_by("id"))
        self.sectors = {s.name: s for s in Sector.objects.all()}
        # Absence is the demo's own (seed_absence), not spread at random over the years.
        self.categories = list(TimeCategory.objects.filter(is_absence=False).order_by("id"))
        self.managers = list(Manager.objects.select_related("organisation").order_by("id"))
        self.colleague_ids = defaultdict(list)  # assignment id → the colleagues' user ids
        self.day_hours = defaultdict(float)  # (user id, day) → hours logged so far, at most DAY_HOURS

    def _fits(self, user_id: int, day: date, hours: float) -> bool:
        """Whether `hours` more on `day` keep the person's day at DAY_HOURS or less (and count them)."""
        if self.day_hours[(user_id, day)] + hours > DAY_HOURS:
            return False
        self.day_hours[(user_id, day)] += hours
        return True

    def assignments(self, year: int, count: int) -> list[Assignment]:
        """`count` assignments ordered in `year` (up to today), saved with their numbers, their
        history and their colleagues."""
        rng = self.rng
        packages = {p.code: p for p in Package.objects.filter(price_list__year=year)}
        hourly = next((p for p in packages.values() if p.is_hourly_rate), None)
        codes = [code for code in packages if code in MIX]
        weights = [MIX[code] for code in codes]
        days = (min(date(year, 12, 31), self.today) - date(year, 1, 1)).days + 1
        new_managers, assignments, links = [], [], []
        for _ in range(count):
            package = packages[rng.choices(codes, weights)[0]]
            assignments.append(self._assignment(year, days, package, hourly, new_managers))
            if rng.random() < 0.15:
                links.append((assignments[-1], rng.choice(self.consultants)))
        Manager.objects.bulk_create(new_managers, batch_size=1000)
        assignments.sort(key=lambda a: a.ordered_on)
        for number, a in enumerate(assignments, start=1):
            a.number = f"{year}-{number:04d}"
        AssignmentSequence.objects.update_or_create(year=year, defaults={"last": len(assignments)})
        # bulk_create on SQLite and PostgreSQL returns primary keys.
        created = bulk_create_with_history(assignments, Assignment, batch_size=1000)
        through = Assignment.colleagues.through
        rows = [through(assignment_id=a.pk, user_id=u.pk) for a, u in links if a.responsible_id != u.pk]
        through.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            self.colleague_ids[row.assignment_id].append(row.user_id)
        return created

    def _manager(self, new_managers: list) -> Manager:
        rng = self.rng
        if self.managers and rng.random() >= self.new_manager_share:
            return rng.choice(self.managers)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        manager = Manager(
            name=f"{first} {last}",
            organisation=rng.choice(self.organisations),
            email=f"{ascii_name(first)}.{ascii_name(last)}.{len(self.managers)}@example.org",
        )
        self.managers.append(manager)
        new_managers.append(manager)
        return manager

    def _assignment(self, year, days, package, hourly, new_managers) -> Assignment:
        rng, today = self.rng, self.today
        ordered = date(year, 1, 1) + timedelta(days=rng.randrange(days))
        while ordered.weekday() >= 5:
            ordered -= timedelta(days=1)
        if ordered.year != year:
            ordered = date(year, 1, 2)
        code, whole = package.code, package.is_whole_process
        manager = self._manager(new_managers)
        org = manager.organisation
        sector_name = rng.choice(SECTORS)
        if org.kind == Organisation.Kind.SDF and rng.random() < 0.6:
            sector_name = rng.choice(["Förskola", "Äldreomsorg", "Socialtjänst", "Funktionsnedsättning"])
        sector = self.sectors[sector_name]
        level = Assignment.Level.CHEF if package.is_manager_recruitment else Assignment.Level.MEDARBETARE
        if code == "hogre_chef" or (level == Assignment.Level.CHEF and rng.random() < 0.15):
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
        a = Assignment(
            organisation=org,
            manager=manager,
            role_title=role_title,
            level=level,
            sector=sector,
            package=package,
            quantity=quantity,
            price=list_price(package, quantity),
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
            self._close(a, ordered + timedelta(days=duration), hourly)
        else:
            a.status = (
                Assignment.Status.PAGAENDE if (today - ordered).days > 5 else Assignment.Status.FORFRAGAN
            )
            if a.status == Assignment.Status.FORFRAGAN:
                a.started_on = None
        if a.started_on and a.started_on > today:
            a.started_on = today
        return a

    def _close(self, a: Assignment, closed_on: date, hourly: Package | None):
        rng, package = self.rng, a.package
        a.status = Assignment.Status.AVSLUTAD
        a.closed_on = closed_on
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
            if package.sends_candidate_survey:
                # The survey demo removes it again as the services do once the survey is over.
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                a.candidate_name = f"{first} {last}"
                a.candidate_email = f"kandidat{rng.randint(1000, 9999)}@example.org"
        else:
            a.hires = 0
            # Why, as the consultant says at close (most do); drawn apart from `rng`, so the rest of
            # the data stays as it was.
            why = random.Random(f"{a.ordered_on}:{a.role_title}:{a.manager.name}")
            a.close_reason = why.choices([*CLOSE_REASONS, ""], weights=[30, 20, 25, 10, 5, 10])[0]
        invoiced = a.closed_on + timedelta(days=rng.randint(1, 14))
        if invoiced <= self.today:
            a.invoiced_on = invoiced
            a.invoiced_amount = a.default_invoice_amount(hourly.price if hourly else None)

    def time_entries(self, assignments) -> Iterator[TimeEntry]:
        """The hours of each started assignment, about its package's standard hours (and its extra
        hours), by its responsible consultant and now and then a colleague."""
        rng, today = self.rng, self.today
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
            if not a.closed_on:
                target *= min(1.0, (today - a.ordered_on).days / 50)
            span = max(((a.closed_on or today) - a.started_on).days, 1)
            # The working days from the start (not a weekend day moved back before it), and no more
            # hours than a working day holds: a person's day stays within DAY_HOURS.
            days = [a.started_on + timedelta(days=k) for k in range(span)]
            days = [day for day in days if day.weekday() < 5]
            if not days:
                continue
            target = min(target, DAY_HOURS / 2 * len(days))
            colleagues = self.colleague_ids.get(a.pk, ())
            logged = 0.0
            while logged < target:
                hours = min(rng.choice([1, 1.5, 2, 2.5, 3, 4]), target - logged + 0.5)
                hours = max(0.5, round(hours * 2) / 2)
                day = rng.choice(days)
                user_id = rng.choice(colleagues) if colleagues and rng.random() < 0.3 else a.responsible_id
                logged += hours
                if self._fits(user_id, day, hours):
                    yield TimeEntry(user_id=user_id, date=day, hours=Decimal(str(hours)), assignment=a)

    def other_time(self, start: date, end: date) -> Iterator[TimeEntry]:
        """Time not tied to an assignment, `start` to `end`: a few entries a week per consultant."""
        rng = self.rng
        week = start - timedelta(days=start.weekday())
        while week <= end:
            for consultant in self.consultants:
                for _ in range(rng.randint(2, 4)):
                    day = week + timedelta(days=rng.randrange(5))
                    hours = rng.choice([1, 2, 3, 4])
                    category = rng.choice(self.categories)
                    if start <= day <= end and self._fits(consultant.pk, day, hours):
                        yield TimeEntry(user=consultant, date=day, hours=Decimal(hours), category=category)
            week += timedelta(days=7)


CLOSE_REASONS = list(Assignment.CloseReason.values)


def link_redos(stdout=print) -> int:
    """Each demo assignment of the Omtag package redoes an earlier one that closed without a hire
    (the same organisation's where there is one), as a consultant registers it with *Omtag av*."""
    pool = list(
        Assignment.objects.filter(outcome__in=REDO_OUTCOMES, redos__isnull=True)
        .order_by("closed_on", "pk")
        .values_list("pk", "closed_on", "organisation_id")
    )
    redos = list(
        Assignment.objects.filter(package__code="omtag", redo_of__isnull=True).order_by("ordered_on", "pk")
    )
    linked = []
    for redo in redos:
        earlier = [item for item in pool if item[1] <= redo.ordered_on and item[0] != redo.pk]
        if not earlier:
            continue
        chosen = next((item for item in reversed(earlier) if item[2] == redo.organisation_id), earlier[-1])
        pool.remove(chosen)
        redo.redo_of_id = chosen[0]
        linked.append(redo)
    Assignment.objects.bulk_update(linked, ["redo_of"], batch_size=500)
    stdout(f"{len(linked)} omtag kopplade till uppdraget de gör om.")
    return len(linked)


def seed_capacities(stdout=print):
    """DEMO_CAPACITIES: a few part-timers and coordinators with less time for assignments."""
    users = User.objects.filter(username__in=DEMO_CAPACITIES)
    for user in users:
        weekly, share = DEMO_CAPACITIES[user.username]
        ConsultantCapacity.objects.get_or_create(
            user=user, defaults={"weekly_hours": Decimal(weekly), "assignment_share": Decimal(share)}
        )
    stdout(f"Kapaciteter: {len(users)} som avviker från 40 h × 70 %")


def seed_competence(stdout=print):
    """DEMO_COMPETENCE through services.save_competence (so the history starts); a consultant
    who already has a line in the map is left as they are."""
    from .competence import package_names
    from .services import save_competence

    sectors = {s.name: s for s in Sector.objects.all()}
    districts = list(Organisation.objects.filter(kind=Organisation.Kind.SDF))
    codes = package_names()
    users = User.objects.filter(username__in=DEMO_COMPETENCE, competence__isnull=True)
    for user in users:
        manager, tests, areas, known, wishes = DEMO_COMPETENCE[user.username]
        wanted = (
            COMPETENCE_BASE + (COMPETENCE_MANAGER if manager else []) + (COMPETENCE_TESTS if tests else [])
        )
        save_competence(
            user,
            package_codes=[code for code in wanted if code in codes],
            manager_certified=manager,
            test_certified=tests,
            known_sectors=[sectors[name] for name in known if name in sectors],
            known_organisations=[],
            areas=[d for d in districts if any(d.name.startswith(area) for area in areas)],
            wishes=wishes,
        )
    stdout(f"Kompetenskarta: {len(users)} konsulter")


def seed_absence(today: date, stdout=print):
    """DEMO_ABSENCE, from this week's Monday, on weekdays no more than a week ahead (the time
    rules); left as it is when the consultant already has absence this week."""
    monday = today - timedelta(days=today.weekday())
    categories = {c.name: c for c in TimeCategory.objects.filter(is_absence=True)}
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ABSENCE)}
    entries = []
    for username, (category, offset, days) in DEMO_ABSENCE.items():
        user = users.get(username)
        if (
            user is None
            or TimeEntry.objects.filter(user=user, category__is_absence=True, date__gte=monday).exists()
        ):
            continue
        day, added = monday + timedelta(days=offset), 0
        while added < days and day <= today + timedelta(days=7):
            if day.weekday() < 5:
                entry = TimeEntry(user=user, date=day, hours=Decimal("8"), category=categories[category])
                entries.append(entry)
                added += 1
            day += timedelta(days=1)
    TimeEntry.objects.bulk_create(entries)
    stdout(f"Frånvaro: {len(entries)} dagar")


# Standard schedules (standardtidplaner): package code → (step, calendar days after the step
# before it). Whole-process recruitments run about two months from order to decision, manager
# recruitments longer; the partial packages only have their own steps.
STANDARD_SCHEDULES = {
    "stora": [("startmote", 7), ("annons", 7), ("sista_ansokan", 21), ("intervjuer", 10),
              ("tester", 7), ("referenser", 5), ("beslut", 5)],
    "larare": [("startmote", 7), ("annons", 7), ("sista_ansokan", 21), ("intervjuer", 10),
               ("referenser", 7), ("beslut", 5)],
    "chef": [("startmote", 7), ("annons", 10), ("sista_ansokan", 21), ("intervjuer", 14),
             ("tester", 10), ("referenser", 7), ("beslut", 7)],
    "hogre_chef": [("startmote", 10), ("annons", 10), ("sista_ansokan", 28), ("intervjuer", 14),
                   ("tester", 10), ("referenser", 7), ("beslut", 10)],
    "lilla": [("startmote", 5), ("annons", 5), ("sista_ansokan", 21), ("beslut", 14)],
    "omtag": [("startmote", 5), ("annons", 5), ("sista_ansokan", 21), ("intervjuer", 10),
              ("referenser", 5), ("beslut", 5)],
    "screening": [("startmote", 5), ("tester", 14), ("beslut", 5)],
    "second_opinion": [("startmote", 5), ("tester", 10), ("beslut", 5)],
    "search": [("startmote", 5), ("intervjuer", 21), ("beslut", 7)],
    "referens": [("referenser", 7)],
}  # fmt: skip


def seed_standard_schedules(stdout=print) -> int:
    """STANDARD_SCHEDULES for a new installation: only while no standard schedule has ever been
    saved (one the admin changed, or emptied on purpose, is left as it is)."""
    if StandardScheduleStep.objects.exists() or StandardScheduleStep.history.exists():
        stdout("Standardtidplaner: finns redan")
        return 0
    rows = [
        StandardScheduleStep(package_code=code, step=step, position=STEP_ORDER[step], days=days)
        for code, steps in STANDARD_SCHEDULES.items()
        for step, days in steps
    ]
    StandardScheduleStep.objects.bulk_create(rows)
    stdout(f"Standardtidplaner: {len({row.package_code for row in rows})} paket")
    return len(rows)


def seed_tidplans(today: date, rng: random.Random, stdout=print) -> int:
    """A tidplan for each open assignment without one, from its package's standard schedule: the
    steps planned before today done (a few days early or late), except in about one assignment in
    six, which is behind: its latest step planned before today is not done yet, so the start page
    shows late steps."""
    schedules = {}
    for step in StandardScheduleStep.objects.order_by("package_code", "position"):
        schedules.setdefault(step.package_code, []).append((step.step, step.days))
    open_assignments = (
        Assignment.objects.exclude(status=Assignment.Status.AVSLUTAD)
        .filter(steps__isnull=True)
        .order_by("pk")
        .values_list("pk", "package__code", "ordered_on")
    )
    rows = []
    for pk, code, ordered_on in open_assignments:
        planned = schedule_dates(schedules.get(code, []), ordered_on)
        past = sum(day < today for _step, _label, day in planned)
        done_count = past - 1 if past and rng.random() < 1 / 6 else past
        for index, (step, _label, day) in enumerate(planned):
            done_on = None
            if index < done_count:
                done_on = min(today, max(ordered_on, day + timedelta(days=rng.randint(-2, 4))))
            rows.append(
                AssignmentStep(
                    assignment_id=pk, step=step, position=STEP_ORDER[step], planned_on=day, done_on=done_on
                )
            )
    AssignmentStep.objects.bulk_create(rows, batch_size=2000)
    stdout(f"Tidplaner: {len(rows)} steg")
    return len(rows)


@transaction.atomic
def load_registers(stdout=print):
    """The reference data a new installation starts from; safe in production and to run again."""
    for name in ("Enhet 1", "Enhet 2"):
        Unit.objects.get_or_create(name=name)
    _seed_registers(stdout)
    _seed_price_list_2021()
    seed_standard_schedules(stdout)


@transaction.atomic
def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    load_registers(stdout)
    seed_users(stdout)
    for year in (today.year - 1, today.year):
        revenue = Decimal("21636000") if year < 2026 else Decimal("24000000")
        seed_budget(year, seed_price_list(year), revenue=revenue)
    activity = Activity(random.Random(today.year), today)
    for year in (today.year - 1, today.year):
        if Assignment.objects.filter(ordered_on__year=year).exists():
            continue
        start, end = date(year, 1, 1), min(date(year, 12, 31), today)
        created = activity.assignments(year, int(950 * ((end - start).days + 1) / 365))
        entries = bulk_insert(
            TimeEntry, chain(activity.time_entries(created), activity.other_time(start, end))
        )
        stdout(f"{year}: {len(created)} uppdrag, {entries} tidrapporter")
    link_redos(stdout)

    seed_capacities(stdout)
    seed_competence(stdout)
    seed_absence(today, stdout)
    seed_tidplans(today, random.Random(today.toordinal()), stdout)
    # The demo konsult always has something to work on.
    konsult = User.objects.get(username="konsult")
    ongoing = Assignment.objects.filter(responsible=konsult).exclude(status=Assignment.Status.AVSLUTAD)
    stdout(f"Konsult har {ongoing.count()} pågående uppdrag.")
