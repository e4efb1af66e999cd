"""The pages the bench measures, as the demo head sees them, and each page's figures as the page
itself has them (to check its floor against).

A page is viewed as a head's browser views it: the dashboard's plan section, when the dashboard
loads it with htmx (`hx-get` to reporting-plan), is fetched too, with the same query, and counted
with the page. The page's figures are read from the very responses the page renders — the test
client keeps each template's context when templates are rendered the way the test runner renders
them — from the API's JSON and from the report's workbook, never from its HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.db.models import Count
from django.template import Template
from django.test.utils import instrumented_test_render
from django.urls import reverse

from assignments.models import Assignment, Organisation, Package
from planning.models import Plan
from rekrytering.periods import CUMULATIVE, default_period, period, tertial_of

from . import floors

DASHBOARD_MS, DASHBOARD_QUERIES, DASHBOARD_RATIO = 300, 30, 2.0
PLAN_QUERIES = 30
REPORT_MS, REPORT_QUERIES = 10_000, 60
LIST_MS, LIST_LAST_RATIO = 150, 1.3
SURVEY_MS = 150
# The load page and the suggestions (the registration page's panel, fetched as the user types,
# and its API): as fast as the list and the survey results, in a fixed number of queries, flat in
# history. Like those pages, and unlike the dashboard, no ratio to the floor is a target: their
# floors are a few milliseconds of SQL, and the request's own cost (session, user, middleware, the
# base template: some 5 ms) would dominate any ratio. The load page is 6 queries: the session and
# the user, then the load selector's four (open assignments, their colleagues, absence,
# consultants). The suggestions are 14: the session and the user, the package and the
# organisation, the competence map (allowed consultants, their lines, known organisations, areas),
# the load's four, the closed assignments with the organisation and the customer scores.
LOAD_MS, LOAD_QUERIES = LIST_MS, 6
SUGGESTIONS_MS, SUGGESTIONS_QUERIES = LIST_MS, 14
PANEL_QUERIES = SUGGESTIONS_QUERIES + 1  # the panel also reads the package's standard schedule
GROWTH = 1.3
KINDS = ("dashboard", "plan", "report", "list-first", "list-last", "survey", "api", "load", "suggestions")


@dataclass
class Page:
    """One measured page: how to view it (timed), its floor, and how to read its figures."""

    key: str
    kind: str  # one of KINDS: the growth is per kind
    name: str
    run: Callable[[], object]
    floor: Callable | None = None  # floor(cursor) → the page's figures from plain SQL
    figures: Callable[[], object] | None = None  # → the page's figures, as the page has them
    limits: dict = field(default_factory=dict)  # ms, queries, ratio, first_page
    covers: str = ""  # what the floor's comparison covers, when not every figure
    error: str = ""  # why the page could not be set up


class PageError(Exception):
    pass


class Visit:
    """GET of a page (and of the dashboard's plan section when the page loads it with htmx)."""

    def __init__(self, client, url: str, query: dict | None = None):
        self.client, self.url, self.query = client, url, dict(query or {})
        self.follow: str | None = None

    def look(self) -> Visit:
        """The first view: whether the page loads the plan section by a request of its own."""
        response = self._get(self.url)
        plan = reverse("reporting-plan")
        if re.search(rf'hx-get="{re.escape(plan)}[?"]', response.content.decode()):
            self.follow = plan
        return self

    def _get(self, url, **headers):
        response = self.client.get(url, self.query, headers=headers or None)
        if response.status_code != 200:
            raise PageError(f"HTTP {response.status_code} från {url}")
        return response

    def __call__(self) -> list:
        responses = [self._get(self.url)]
        if self.follow:
            responses.append(self._get(self.follow, HX_Request="true"))
        return responses


@contextmanager
def rendered_contexts():
    """Let the test client keep each response's template contexts, as the test runner does."""
    original = Template._render
    Template._render = instrumented_test_render
    try:
        yield
    finally:
        Template._render = original


def _rows(table) -> list[list]:
    return [list(row) for row in table.rows]


def dashboard_figures(responses) -> dict:
    """The dashboard's figures from its context and the plan section's."""
    context = responses[0].context
    data = context["data"]
    tables = {key: _rows(table) for key, table in data["tables"].items()}
    plan = data.get("plan")
    for response in responses[1:]:
        tables |= {key: _rows(table) for key, table in response.context["tables"].items()}
        plan = response.context["plan"]
    if "ekonomi-ar" in tables:  # its last column names the source in words, not a figure
        tables["ekonomi-ar"] = [row[:-1] for row in tables["ekonomi-ar"]]
    if "bedomningar" in tables:  # in the database's order
        tables["bedomningar"] = sorted(tables["bedomningar"])
    prognosis = data["economy"]["prognosis"]
    return {
        "keys": dict(data["keys"]),
        "share_without_letter": data["assignments"]["share_without_letter"],
        "share_screening": data["assignments"]["share_screening"],
        "share_assignment_time": data["time"]["share_assignment_time"],
        "entered": sorted(data["economy"]["entered"]),
        "forecast": {
            "value": prognosis.value,
            "so_far": prognosis.so_far,
            "ongoing": prognosis.ongoing,
            "remaining": prognosis.remaining,
            "factor": prognosis.factor,
        },
        "follow_ups": dict(data["follow_ups"]),
        "consultants": [user.pk for user in context["consultants"]],
        "units": [unit.pk for unit in context["units"]],
        "tables": tables,
        "plan": None if plan is None else {"met": plan["met"], "not_met": plan["not_met"]},
    }


def plan_follow_up_figures(responses) -> dict:
    context = responses[0].context
    rows = context["rows"]
    return {
        "goals": [[row["goal"].pk, row["goal"].tree_depth] for row in rows],
        "indicators": [
            [item["indicator"].pk, item["result"].value, item["result"].value_yes, item["result"].met]
            for row in rows
            for item in row["indicators"]
        ],
        "activities": [
            [item["activity"].pk, item["status"]["shown"], item["comment"]["shown"]]
            for row in rows
            for item in row["activities"]
        ],
        "assessments": {
            row["goal"].pk: [row["assessment"]["shown"], row["analysis"]["shown"]] for row in rows
        },
        "locked": context["locked"],
    }


def _choices(field_, *, model: bool) -> list:
    if model:
        return sorted(field_.queryset.values_list("pk", flat=True))
    return [tuple(choice) for choice in field_.choices if choice[0] != ""]


def survey_results_figures(responses) -> dict:
    context = responses[0].context
    results = {}
    for r in context["results"]:
        results[r.kind] = {
            "responses": r.responses,
            "sent": r.sent,
            "answered": r.answered,
            "response_rate": r.response_rate,
            "questions": {q["key"]: {k: v for k, v in q.items() if k != "key"} for q in r.questions},
            "nps": None if r.nps is None else (r.nps.promoters, r.nps.passives, r.nps.detractors),
            "pooled_mean": r.pooled_mean,
            "share_satisfied": r.share_satisfied,
        }
    previous = {
        kind: {
            "responses": h.responses,
            "response_rate": h.response_rate,
            "nps": h.nps,
            "share_satisfied": h.share_satisfied,
            "mean": h.mean,
            "sent": h.sent,
            "answered": h.answered,
        }
        for kind, h in context["previous"].items()
    }
    fields = context["form"].fields
    return {
        "results": results,
        "previous": previous,
        "comments": [
            [c.pk, c.text, c.response.kind, c.response.answered_label, c.is_quote]
            for c in context["comments"]
        ],
        "choices": {
            "consultant": _choices(fields["consultant"], model=True),
            "organisation": _choices(fields["organisation"], model=True),
            "sector": _choices(fields["sector"], model=True),
            "unit": _choices(fields["unit"], model=True),
            "package": _choices(fields["package"], model=False),
        },
    }


def assignment_list_figures(responses) -> dict:
    context = responses[0].context
    rows = list(context["assignments"])
    fields = context["filter"].form.fields
    return {
        "total": context["total"],
        "numbers": [a.number for a in rows],
        "colleagues": sum(len(a.colleagues.all()) for a in rows),
        "choices": {
            "consultant": _choices(fields["consultant"], model=True),
            "organisation": _choices(fields["organisation"], model=True),
            "sector": _choices(fields["sector"], model=True),
            "unit": _choices(fields["unit"], model=True),
            "year": sorted(int(code) for code, _label in _choices(fields["year"], model=False)),
            "package": _choices(fields["package"], model=False),
        },
    }


def _load_cell(cell) -> list:
    return [cell.monday, cell.capacity, cell.planned, cell.free]


def load_figures(responses) -> dict:
    """The load page's figures: each consultant's hours per week (capacity, planned, free), the
    department's totals and the heat map's table."""
    context = responses[0].context
    load = context["load"]
    return {
        "mondays": list(load.mondays),
        "rows": [
            [
                row.user.pk,
                row.user.get_full_name() or row.user.username,
                row.weekly_hours,
                row.assignment_share,
                [_load_cell(cell) for cell in row.cells],
            ]
            for row in load.rows
        ],
        "totals": [_load_cell(cell) for cell in load.totals],
        "heat": _rows(context["table"]),
    }


SUGGESTION_FIELDS = (
    "wished",
    "allowed",
    "manager_certified",
    "free_hours",
    "organisation_assignments",
    "knows_organisation",
    "satisfaction_responses",
    "satisfaction_mean",
    "works_in_district",
)


def suggestions_panel_figures(responses) -> dict:
    """The registration page's panel: the ranked consultants with their reasons' fields."""
    context = responses[0].context
    return {
        "needed_by": context["needed_by"],
        "ranked": [
            {"rank": s.rank, "id": s.user.pk, "name": s.name, "username": s.user.username}
            | {name: getattr(s, name) for name in SUGGESTION_FIELDS}
            for s in context["ranked"]
        ],
    }


def suggestions_api_figures(responses) -> dict:
    """The suggestions API's JSON less each reasons sentence (its fields are compared)."""
    data = responses[0].json()
    consultants = []
    for row in data["consultants"]:
        row = {key: value for key, value in row.items() if key != "reasons"}
        if row["free_hours"] is not None:
            row["free_hours"] = Decimal(row["free_hours"])
        consultants.append(row)
    return data | {"consultants": consultants}


def report_figures(content: bytes) -> dict:
    """The tertial report's figures as its workbook holds them."""
    from openpyxl import load_workbook

    from reporting.figures import KEY_FIGURES
    from reporting.tertial import key_figures

    wb = load_workbook(BytesIO(content))
    # The summary names each figure in Swedish only (Nyckeltal | Värde): its key is found by the name.
    key_of = {
        figure.label: figure.key for figure in key_figures(dict.fromkeys(k for k, _label in KEY_FIGURES))
    }
    keys = {}
    for label, value in wb["Sammanfattning"].iter_rows(min_row=2, max_col=2, values_only=True):
        if not label:
            break
        keys[key_of[label]] = value
    economy, header = {}, False
    for label, value in wb["Ekonomi"].iter_rows(min_col=1, max_col=2, values_only=True):
        if label == "Nyckeltal":
            header = True
        elif header and not label:
            break
        elif header:
            economy[label] = value
    surveys = {}
    for title in floors.REPORT_SHEETS.values():
        sheet = list(wb[title].iter_rows(min_row=2, max_col=3, values_only=True))
        rows, i = {}, 0
        while i < len(sheet) and sheet[i][0]:
            rows[sheet[i][0]] = [sheet[i][1], sheet[i][2]]
            i += 1
        questions = [row for row in sheet[i + 2 :] if row[0]]
        surveys[title] = {"rows": rows, "questions": len(questions)}

    def count(title, column):
        return sum(1 for row in wb[title].iter_rows(min_row=2, values_only=True) if row[column])

    return {
        "keys": keys,
        "economy": economy,
        "surveys": surveys,
        "indicators": count("Indikatorer", 1),
        "activities": count("Aktiviteter", 1),
        "quotes": count("Citat", 2),
    }


def report_floor_as_cells(figures: dict) -> dict:
    """The report floor's figures as the workbook's cells hold them (numbers as Excel numbers)."""

    def cell(key, value):
        if value is None:
            return None
        return int(value) if key in floors.COUNT_KEYS else float(value)

    surveys = {
        title: {"rows": {label: [cell("", v) for v in values] for label, values in sheet["rows"].items()}}
        | {"questions": sheet["questions"]}
        for title, sheet in figures["surveys"].items()
    }
    return figures | {
        "keys": {key: cell(key, value) for key, value in figures["keys"].items()},
        "economy": {label: cell("", value) for label, value in figures["economy"].items()},
        "surveys": surveys,
    }


# --- The pages of a run --------------------------------------------------------------------


def _http(key, kind, name, visit: Visit, read, floor=None, limits=None, covers="") -> Page:
    def figures():
        with rendered_contexts():
            responses = visit()
        return read(responses)

    return Page(key, kind, name, visit, floor, figures if read else None, limits or {}, covers)


def _label(p) -> str:
    """The period as a row names it: "helår 2025", "jan–aug 2026", "T2 2025"."""
    return p.label if p.label.startswith("T") else p.label[0].lower() + p.label[1:]


def _dashboard(client, key, name, p, query, today) -> Page:
    return _http(
        key,
        "dashboard",
        name,
        Visit(client, reverse("reporting-dashboard"), query).look(),
        dashboard_figures,
        lambda cursor: floors.dashboard(cursor, p, today),
        {"ms": DASHBOARD_MS, "queries": DASHBOARD_QUERIES, "ratio": DASHBOARD_RATIO},
    )


def _plan_page(client, key, plan: Plan, tertial: int, today) -> Page:
    return _http(
        key,
        "plan",
        f"Planens uppföljning T{tertial} {plan.year}",
        Visit(client, reverse("plan-follow-up", args=[plan.pk, tertial])).look(),
        plan_follow_up_figures,
        lambda cursor: floors.plan_follow_up(cursor, plan.pk, tertial, today),
        {"queries": PLAN_QUERIES},
        "indikatorernas utfall och uppfyllelse, målen, aktiviteterna och bedömningarna; "
        "inte förklaringstexterna",
    )


def _report(key, year: int, tertial: int, today) -> Page:
    from reporting.workbook import build_workbook

    return Page(
        key,
        "report",
        f"Tertialrapport T{tertial} {year} (bygge)",
        lambda: build_workbook(year, tertial),
        lambda cursor: floors.report(cursor, year, tertial, today),
        lambda: report_figures(build_workbook(year, tertial)),
        {"ms": REPORT_MS, "queries": REPORT_QUERIES},
        "sammanfattningens nyckeltal, ekonomibladet, enkätbladens huvudrader och antal frågor, antal "
        "indikatorer, aktiviteter och citat; golvet räknar allt som instrumentpanelen för perioden "
        "räknar, men inte att skriva arbetsboken",
    )


def _list(client, key, kind, name, page_number: int, limits) -> Page:
    from assignments.views.assignments import AssignmentListView

    size = AssignmentListView.paginate_by
    query = {"page": page_number} if page_number > 1 else {}
    return _http(
        key,
        kind,
        name,
        Visit(client, reverse("assignment-list"), query).look(),
        assignment_list_figures,
        lambda cursor: floors.assignment_list(cursor, page_number, size),
        limits,
        "radernas nummer i ordning, antal och kolleger, filtrens val",
    )


def _survey(client, key, name, p, query, today) -> Page:
    return _http(
        key,
        "survey",
        name,
        Visit(client, reverse("survey-results"), query).look(),
        survey_results_figures,
        lambda cursor: floors.survey_results(cursor, p, today),
        {"ms": SURVEY_MS},
    )


def _api(client, key, year: int, tertial: int, today) -> Page:
    visit = Visit(client, reverse("api-report-summary"), {"year": year, "tertial": tertial}).look()
    return _http(
        key,
        "api",
        f"Nyckeltals-API T{tertial} {year}",
        visit,
        lambda responses: responses[0].json(),
        lambda cursor: floors.summary(cursor, year, CUMULATIVE[tertial], today),
    )


def _load_page(client, key: str, today: date) -> Page:
    from assignments.selectors import LOAD_WEEKS

    return _http(
        key,
        "load",
        f"Beläggning {LOAD_WEEKS} veckor",
        Visit(client, reverse("reporting-load")).look(),
        load_figures,
        lambda cursor: floors.load(cursor, today, LOAD_WEEKS),
        {"ms": LOAD_MS, "queries": LOAD_QUERIES},
    )


SUGGESTED_LEVEL = Assignment.Level.CHEF.value
SUGGESTED_PACKAGE = "chef"
SUGGESTIONS_COVER = "rangordningen och varje konsults skäl som fält; inte skälen som meningar"


def suggestion_request(today: date) -> tuple:
    """The request the bench asks suggestions for: a manager recruitment (the chefspaket of this
    year's price list, else the newest earlier one) for the city district with the most
    assignments, ordered today."""
    package = (
        Package.objects.filter(code=SUGGESTED_PACKAGE, price_list__year__lte=today.year, is_hourly_rate=False)
        .order_by("-price_list__year")
        .first()
    )
    organisation = (
        Organisation.objects.filter(kind=Organisation.Kind.SDF)
        .annotate(n=Count("assignments"))
        .order_by("-n", "name")
        .first()
    )
    if package is None or organisation is None:
        raise PageError("inget chefspaket eller ingen stadsdelsförvaltning i data")
    return package, organisation


def _suggestions_panel(client, key: str, today: date) -> Page:
    package, organisation = suggestion_request(today)
    query = {
        "package": package.pk,
        "organisation": organisation.pk,
        "level": SUGGESTED_LEVEL,
        "ordered_on": today.isoformat(),
    }
    return _http(
        key,
        "suggestions",
        f"Förslag på konsult (panelen), chefsrekrytering för {organisation.name}",
        Visit(client, reverse("assignment-suggestions"), query).look(),
        suggestions_panel_figures,
        lambda cursor: floors.suggestions_panel(
            cursor, package.pk, SUGGESTED_LEVEL, organisation.pk, today, today
        ),
        {"ms": SUGGESTIONS_MS, "queries": PANEL_QUERIES},
        SUGGESTIONS_COVER,
    )


def _suggestions_api(client, key: str, today: date) -> Page:
    package, organisation = suggestion_request(today)
    needed = floors.needed_by(today, today)
    query = {
        "package": package.code,
        "level": SUGGESTED_LEVEL,
        "organisation": organisation.pk,
        "needed_by": needed.isoformat(),
    }
    return _http(
        key,
        "suggestions",
        f"Förslags-API, chefsrekrytering för {organisation.name}",
        Visit(client, reverse("api-assignment-suggestions"), query).look(),
        suggestions_api_figures,
        lambda cursor: floors.suggestions_api(
            cursor, package.code, SUGGESTED_LEVEL, organisation.pk, needed, today
        ),
        {"ms": SUGGESTIONS_MS, "queries": SUGGESTIONS_QUERIES},
        SUGGESTIONS_COVER,
    )


def last_list_page() -> int:
    from assignments.views.assignments import AssignmentListView

    return max(1, -(-Assignment.objects.count() // AssignmentListView.paginate_by))


def head_pages(client, year: int, today: date, *, only=None) -> list[Page]:
    """The main table's pages: each of the heavy pages for the last full year, the default
    period and a tertial, as the demo head sees them."""
    default = default_period(today)
    tertial = period(year, "T2")
    whole = period(year, "year")
    pages = {
        "dashboard-year": lambda: _dashboard(
            client,
            "dashboard-year",
            f"Instrumentpanel {_label(whole)}",
            whole,
            {"ar": year, "period": "year"},
            today,
        ),
        "dashboard-default": lambda: _dashboard(
            client, "dashboard-default", f"Instrumentpanel standard ({_label(default)})", default, {}, today
        ),
        "dashboard-tertial": lambda: _dashboard(
            client,
            "dashboard-tertial",
            f"Instrumentpanel {_label(tertial)}",
            tertial,
            {"ar": year, "period": "T2"},
            today,
        ),
    }
    pages |= _plan_pages(client, year, today)
    pages |= {
        "report": lambda: _report("report", year, 3, today),
        "list-first": lambda: _list(
            client, "list-first", "list-first", "Uppdragslista sida 1", 1, {"ms": LIST_MS}
        ),
    }
    last = last_list_page()
    pages["list-last"] = lambda: _list(
        client,
        "list-last",
        "list-last",
        f"Uppdragslista sida {last} (sista)",
        last,
        {"ms": LIST_MS, "first_page": LIST_LAST_RATIO},
    )
    pages |= {
        "survey-year": lambda: _survey(
            client,
            "survey-year",
            f"Enkätresultat {_label(whole)}",
            whole,
            {"year": year, "period": "year"},
            today,
        ),
        "survey-tertial": lambda: _survey(
            client,
            "survey-tertial",
            f"Enkätresultat {_label(tertial)}",
            tertial,
            {"year": year, "period": "T2"},
            today,
        ),
        "api": lambda: _api(client, "api", year, 3, today),
        # The load and the suggestions are about the coming weeks from today, whatever the year.
        "load": lambda: _load_page(client, "load", today),
        "suggestions": lambda: _suggestions_panel(client, "suggestions", today),
        "suggestions-api": lambda: _suggestions_api(client, "suggestions-api", today),
    }
    return _build(pages, only)


def _plan_pages(client, year: int, today: date) -> dict:
    pages = {}
    plan = Plan.objects.filter(year=year, unit__isnull=True).first()
    if plan is not None:
        pages["plan-year"] = lambda: _plan_page(client, "plan-year", plan, 3, today)
    current = Plan.objects.filter(year=today.year, unit__isnull=True).first()
    if current is not None:
        pages["plan-current"] = lambda: _plan_page(client, "plan-current", current, tertial_of(today), today)
    return pages


def growth_pages(client, today: date, *, only=None) -> list[Page]:
    """The pages measured in both the 1-year and the 30-year data set: the current year's default
    period of each kind (a 1-year data set has no full year behind it)."""
    default = default_period(today)
    tertial = tertial_of(today)
    last = last_list_page()
    pages = {
        "dashboard": lambda: _dashboard(
            client, "dashboard", f"Instrumentpanel standard ({_label(default)})", default, {}, today
        ),
        "report": lambda: _report("report", today.year, tertial, today),
        "list-first": lambda: _list(client, "list-first", "list-first", "Uppdragslista sida 1", 1, {}),
        "list-last": lambda: _list(client, "list-last", "list-last", "Uppdragslista sista sidan", last, {}),
        "survey": lambda: _survey(
            client, "survey", f"Enkätresultat standard ({_label(default)})", default, {}, today
        ),
        "api": lambda: _api(client, "api", today.year, tertial, today),
        "load": lambda: _load_page(client, "load", today),
        "suggestions": lambda: _suggestions_panel(client, "suggestions", today),
    }
    current = Plan.objects.filter(year=today.year, unit__isnull=True).first()
    if current is not None:
        pages["plan"] = lambda: _plan_page(client, "plan", current, tertial, today)
    return _build(pages, only)


def _build(pages: dict, only) -> list[Page]:
    """Each page whose key is in `only` (all when None); one that cannot be set up is reported."""
    built = []
    for key, make in pages.items():
        if only is not None and key not in only:
            continue
        try:
            built.append(make())
        except Exception as error:  # a page under construction: report it and measure the rest
            kind = key if key in KINDS else key.split("-")[0]
            built.append(Page(key, kind, key, None, error=f"fel: {type(error).__name__}: {error}"[:200]))
    return built
