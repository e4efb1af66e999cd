"""Agreement: each figure is equal wherever it appears.

On a seeded register (three years, every package of each year's price list, invoiced, booked and
open assignments, hours) with the demo's survey loader on top (customer, candidate and match
surveys with invitations) and the demo's economy (budgets, monthly costs, entered outcomes), every
key figure is read from

- the dashboard tile (the rendered page and its context),
- the dashboard's "Sammandrag per år" table,
- the tertial report workbook, read back with openpyxl,
- the summary API,
- the plan measure (planning.measures.compute),

for every period (T1, T2, T3, cumulative and not, helår) and compared.
"""

import random
import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from assignments import demo as assignment_demo
from assignments.models import Assignment, Manager, Organisation, Package, Sector, TimeCategory, Unit, User
from planning.measures import compute
from rekrytering.periods import period
from reporting import demo as reporting_demo
from reporting.figures import KEY_FIGURES
from reporting.models import YearOutcome
from reporting.workbook import build_workbook
from surveys import demo as survey_demo
from surveys.models import Kind
from tests.factories import AssignmentFactory, TimeEntryFactory
from tests.reporting.workbooks import summary_values

TODAY = date(2026, 6, 15)  # T2 2026 is running; 2024 and 2025 have ended
YEARS = (2024, 2025, 2026)
DASHBOARD_CODES = ("cum1", "cum2", "year", "T2", "T3")
# The summary API's (tertial, cumulative) and the dashboard period with the same span.
API_PERIODS = {
    (1, True): "cum1",
    (2, True): "cum2",
    (3, True): "year",
    (1, False): "cum1",
    (2, False): "T2",
    (3, False): "T3",
}
TILES = {
    "intakter": "kpi-intakter",
    "resultat": "kpi-resultat",
    "intakter_prognos_ar": "kpi-prognos",
    "intakt_per_arsarbetare": "kpi-intakt-per-arsarbetare",
}
MEASURES = {
    "uppdrag_bestallda": ("ordered", {}),
    "uppdrag_avslutade": ("closed", {}),
    "nya_bestallare": ("new_managers", {}),
    "intakter": ("revenue", {}),
    "intakt_per_arsarbetare": ("revenue_per_fte", {}),
    "kund_nps": ("nps", {"kind": Kind.KUND}),
    "kund_andel_nojda": ("share_satisfied", {"kind": Kind.KUND}),
    "kund_snittbetyg": ("pooled_mean", {"kind": Kind.KUND}),
    "kund_svarsfrekvens": ("response_rate", {"kind": Kind.KUND}),
    "kandidat_svarsfrekvens": ("response_rate", {"kind": Kind.KANDIDAT}),
    "matchning_svarsfrekvens": ("response_rate", {"kind": Kind.MATCHNING}),
}


def _generate_register(seed: int = 12):
    """A seeded register: 50 assignments a year over every package, closed, invoiced (some at an
    amount of their own), booked and open, with extra hours and reported time."""
    rng = random.Random(seed)
    for name in ("Enhet 1", "Enhet 2"):
        Unit.objects.get_or_create(name=name)
    assignment_demo.seed_users(lambda line: None)
    assignment_demo._seed_registers(lambda line: None)
    consultants = list(User.objects.filter(role__in=[User.Role.KONSULT, User.Role.SAMORDNARE]))
    organisations = list(Organisation.objects.order_by("name")[:30])
    sectors = list(Sector.objects.all())
    category = TimeCategory.objects.first()
    managers = [
        Manager.objects.create(name=f"Chef {i}", email=f"chef{i}@example.org", organisation=org)
        for i, org in enumerate(organisations * 2)
    ]
    for year in YEARS:
        price_list = assignment_demo.seed_price_list(year)
        assignment_demo.seed_budget(year, price_list)
        packages = list(Package.objects.filter(price_list=price_list, is_hourly_rate=False).order_by("code"))
        rate = Package.objects.get(price_list=price_list, is_hourly_rate=True).price
        last = min(date(year, 12, 31), TODAY)
        for i in range(50):
            package = packages[i % len(packages)]  # every package every year
            ordered = date(year, 1, 1) + timedelta(days=rng.randint(0, (last - date(year, 1, 1)).days))
            manager = rng.choice(managers)
            extra = Decimal(rng.choice([0, 0, 0, 2, 4.5]))
            fields = {
                "number": f"{year}-{i + 1:04d}",
                "package": package,
                "price": package.price,
                "extra_hours": extra,
                "organisation": manager.organisation,
                "manager": manager,
                "sector": rng.choice(sectors),
                "responsible": rng.choice(consultants),
                "ordered_on": ordered,
                "personal_letter": rng.random() < 0.4,
                "screening": rng.random() < 0.3,
                "psychometric_tests": rng.random() < 0.6,
            }
            closed = ordered + timedelta(days=rng.randint(15, 110))
            if closed <= TODAY and rng.random() < 0.9:
                fields |= {
                    "status": Assignment.Status.AVSLUTAD,
                    "outcome": rng.choice(
                        [Assignment.Outcome.TILLSATT] * 5 + [Assignment.Outcome.EJ_TILLSATT]
                    ),
                    "closed_on": closed,
                    "candidate_name": "Kandidat Testsson",
                    "candidate_email": f"kandidat{year}{i}@example.org",
                    "candidate_start": closed + timedelta(days=30),
                }
                invoiced = closed + timedelta(days=rng.randint(3, 40))
                if invoiced <= TODAY and rng.random() < 0.8:
                    amount = package.price + extra * rate
                    if rng.random() < 0.15:
                        amount = (amount * Decimal("0.9")).quantize(Decimal("1"))  # a discount invoiced
                    fields |= {"invoiced_on": invoiced, "invoiced_amount": amount}
            else:
                fields["status"] = rng.choice([Assignment.Status.PAGAENDE, Assignment.Status.FORFRAGAN])
            assignment = AssignmentFactory(**fields)
            end = fields.get("closed_on", TODAY)
            for _ in range(rng.randint(0, 3)):
                day = ordered + timedelta(days=rng.randint(0, max(0, (end - ordered).days)))
                TimeEntryFactory(
                    user=assignment.responsible,
                    assignment=assignment,
                    date=min(day, TODAY),
                    hours=Decimal(rng.randint(2, 30)) / 2,
                )
        for user in consultants[:5]:
            TimeEntryFactory(
                user=user, assignment=None, category=category, date=date(year, 3, 3), hours=Decimal("6.5")
            )


@pytest.fixture
def generated(db, settings):
    settings.REPORTING_DECEMBER_SHARE = 0.22
    with freeze_time(TODAY):
        _generate_register()
        survey_demo.load_demo(stdout=lambda line: None, today=TODAY)
        reporting_demo.load_demo(stdout=lambda line: None, today=TODAY)
        # One closed year wholly counted from the register, one with part of its outcome entered.
        YearOutcome.objects.filter(year=2024).delete()
        YearOutcome.objects.filter(year=2025).update(costs=None)
        yield


def _shown(text: str) -> Decimal | None:
    """A tile's number as shown ("1 234 567 kr"), or None for "–"."""
    match = re.search(r"-?[\d\s\u00a0\u202f]+(,\d+)?", text)
    if "–" in text or not match:
        return None
    return Decimal(re.sub(r"[\s\u00a0\u202f]", "", match.group()).replace(",", "."))


def _same(a, b, where: str):
    """Equal as numbers (Excel and JSON hold floats), None only beside None."""
    if a is None or b is None:
        assert a is None and b is None, where
        return
    assert abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.000001"), where


@pytest.mark.django_db
def test_every_figure_agrees_everywhere(client, generated):
    with freeze_time(TODAY):
        chef = User.objects.get(username="chef")
        client.force_login(chef)
        token = Token.objects.create(user=chef)
        tiles, nonzero = {}, 0
        for year in YEARS:
            for code in DASHBOARD_CODES:
                response = client.get("/rapporter/", {"ar": year, "period": code})
                assert response.status_code == 200
                data = response.context["data"]
                keys = data["keys"]
                tiles[(year, code)] = keys
                html = response.content.decode()
                # The tile as rendered is the figure, rounded to whole kronor.
                for key, element in TILES.items():
                    text = re.search(rf'id="{element}">(.*?)</dd>', html, re.S).group(1)
                    shown = _shown(re.sub(r"<[^>]+>", "", text))
                    expected = None if keys[key] is None else keys[key].quantize(Decimal("1"))
                    assert shown == expected, (year, code, key)
                # The year table's rows are the whole-year tiles (checked below for each year).
                table = {row[0]: row for row in data["tables"]["ekonomi-ar"].rows}
                tiles[(year, code, "table")] = table
                # The time table's hours per closed assignment are the plan's mean-hours measure.
                chosen = period(year, code)
                codes = {p.name: p.code for p in Package.objects.filter(price_list__year=year)}
                for name, closed, _hours, mean, _standard in data["tables"]["tid-paket"].rows:
                    measured = compute("mean_hours", chosen, {"package": codes[name]})
                    assert measured.value == mean, (year, code, name)
                    assert compute("closed", chosen, {"package": codes[name]}).value == closed
                # The plan's measures.
                for key, (measure, filters) in MEASURES.items():
                    _same(compute(measure, chosen, filters).value, keys[key], (year, code, key))
                nonzero += sum(1 for value in keys.values() if value)

        for year in YEARS:
            whole = tiles[(year, "year")]
            # Prognos helår is made from today: the same whatever the period viewed.
            assert {tiles[(year, code)]["intakter_prognos_ar"] for code in DASHBOARD_CODES} == {
                whole["intakter_prognos_ar"]
            }
            for code in DASHBOARD_CODES:
                row = tiles[(year, code, "table")][str(year)]
                for column, key in ((3, "intakter"), (4, "intakt_per_arsarbetare"), (6, "kostnader")):
                    _same(row[column], whole[key], (year, code, key))
                _same(row[7], whole["resultat"], (year, code, "resultat"))
            # The table of a later year shows this year's row the same.
            if year + 1 in YEARS:
                later = tiles[(year + 1, "year", "table")][str(year)]
                assert later == tiles[(year, "year", "table")][str(year)]

        for year in YEARS:
            for (tertial, cumulative), code in API_PERIODS.items():
                api = client.get(
                    "/api/v1/reports/summary/",
                    {"year": year, "tertial": tertial, "cumulative": str(cumulative).lower()},
                    HTTP_AUTHORIZATION=f"Token {token.key}",
                ).json()
                for key, _label in KEY_FIGURES:
                    _same(api[key], tiles[(year, code)][key], (year, tertial, cumulative, key))
            for tertial in (1, 2, 3):
                code = API_PERIODS[(tertial, True)]
                sheet = load_workbook(BytesIO(build_workbook(year, tertial)))["Sammanfattning"]
                found = summary_values(sheet)
                assert set(found) == {key for key, _label in KEY_FIGURES}
                for key, value in found.items():
                    _same(value, tiles[(year, code)][key], (year, tertial, "workbook", key))

    # The comparisons compared something: figures of every kind, the published 2025 intäkter.
    assert nonzero > 100
    full_2025 = tiles[(2025, "year")]
    assert full_2025["intakter"] == Decimal("24451000")  # entered outcome
    assert full_2025["kostnader"] and full_2025["kostnader"] != Decimal("22857000")  # counted
    assert tiles[(2024, "year")]["intakter"] and tiles[(2024, "year")]["intakter"] < Decimal("5000000")
    running = tiles[(2026, "cum2")]
    for key in ("uppdrag_bestallda", "intakter", "resultat", "intakter_prognos_ar", "kund_nps"):
        assert running[key], key
    assert tiles[(2026, "T3")]["intakter"] is None  # T3 2026 has not begun
