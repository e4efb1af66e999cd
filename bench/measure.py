"""The bench's timings: the department dashboard for a year, the tertial report build, the
assignment list and the survey results, each against its floor: the plain SQL queries alone that
fetch the same figures. The floor's survey thresholds are those of surveys.metrics.
"""

import logging
import statistics
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from time import perf_counter

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assignments.models import Assignment, User
from reporting.workbook import build_workbook
from surveys.metrics import DETRACTOR_MAX, PROMOTER_MIN, SATISFIED_MIN
from surveys.models import Question
from surveys.selectors import SENT_STATES

CHEF_USERNAME = "chef"  # a demo user (assignments.demo.DEMO_USERS): the pages are measured as a head

DASHBOARD_MS, DASHBOARD_QUERIES, DASHBOARD_RATIO = 300, 30, 3.0
REPORT_MS = 10_000
LIST_MS = 150

_COUNTS_BY = """
    SELECT {key},
           COUNT(*) FILTER (WHERE a.ordered_on BETWEEN %(start)s AND %(end)s) AS ordered,
           COUNT(*) FILTER (
               WHERE a.status = %(closed)s AND a.closed_on BETWEEN %(start)s AND %(end)s
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
     WHERE a.status = %(closed)s AND a.closed_on BETWEEN %(start)s AND %(end)s
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
           COUNT(*) FILTER (WHERE an.number >= %(satisfied_min)s) AS satisfied,
           COUNT(*) FILTER (WHERE an.yes) AS yes,
           COUNT(*) FILTER (WHERE an.number >= %(promoter_min)s) AS promoters,
           COUNT(*) FILTER (WHERE an.number <= %(detractor_max)s) AS detractors
      FROM surveys_answer an
      JOIN surveys_response r ON r.id = an.response_id
     WHERE r.answered_on BETWEEN %(previous_start)s AND %(end)s AND an.type <> %(text)s
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
     WHERE NOT i.shared AND i.status = ANY(%(sent_states)s)
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
     WHERE an.type = %(text)s AND an.text <> '' AND r.answered_on BETWEEN %(start)s AND %(end)s
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


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


def _params(year: int) -> dict:
    """The floor queries' parameters: the year's bounds, and the thresholds and states the figures
    are defined by (surveys.metrics, surveys.selectors), never numbers of the bench's own."""
    return {
        "year": year,
        "start": date(year, 1, 1),
        "end": date(year, 12, 31),
        "previous_start": date(year - 1, 1, 1),
        "previous_start_at": _aware(date(year - 1, 1, 1)),
        "after_end_at": _aware(date(year + 1, 1, 1)),
        "tz": settings.TIME_ZONE,
        "closed": Assignment.Status.AVSLUTAD.value,
        "satisfied_min": SATISFIED_MIN,
        "promoter_min": PROMOTER_MIN,
        "detractor_max": DETRACTOR_MAX,
        "text": Question.Type.TEXT.value,
        "sent_states": [state.value for state in SENT_STATES],
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


def measure_report(measurement, year: int, tertial: int, *, repeat: int) -> Measurement:
    """Median time of build_workbook(year, tertial), the finished .xlsx file, and its query count."""
    try:
        with CaptureQueriesContext(connection) as queries:
            started = perf_counter()
            content = build_workbook(year, tertial)
            first = perf_counter() - started
        measurement.queries = len(queries)
        measurement.details = {"first_run_ms": _ms(first), "bytes": len(content)}
        times = []
        for _ in range(repeat):
            started = perf_counter()
            build_workbook(year, tertial)
            times.append(perf_counter() - started)
    except Exception as error:
        measurement.note = f"fel: {type(error).__name__}: {error}"[:200]
        return measurement
    measurement.runs_ms = [_ms(t) for t in times]
    measurement.median_ms = _ms(statistics.median(times))
    return measurement


def measure(year: int, *, repeat: int = 15, warmup: int = 2, report_repeat: int = 3, stdout=print) -> list:
    """Every measurement for a year, as the demo chef, with DEBUG off and any host allowed."""
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
