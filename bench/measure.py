"""The bench's timings: each page against its floor, interleaved, and each page's growth from a
1-year to a 30-year data set.

A page and its floor are timed in turn — page, floor, page, floor … — after warm-ups, so that a
machine's load falls on both alike; the ratio is the page's median over its floor's. Before the
timing the floor's figures are checked against the page's (a floor that computes other figures
is no floor: the table says so). The growth is timed the same way, the page in the 1-year data
set and in the 30-year one in turn. The targets are bench.pages' constants.
"""

from __future__ import annotations

import logging
import math
import statistics
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from time import perf_counter

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from assignments.models import User
from rekrytering import sqlcache

from . import floors
from .pages import GROWTH, Page

CHEF_USERNAME = "chef"  # a demo user (assignments.demo.DEMO_USERS): the pages are measured as a head


@dataclass
class Step:
    """One timed thing of an interleaved round, with what to do, untimed, before it."""

    run: Callable[[], object]
    prepare: Callable[[], object] | None = None


def interleave(steps: list[Step], *, pairs: int, warmup: int = 0, clock=perf_counter) -> list[list[float]]:
    """Run the steps in turn, A B A B …, `warmup` rounds untimed and then `pairs` timed; returns
    each step's seconds, run by run."""
    times = [[] for _ in steps]
    for round_ in range(warmup + pairs):
        for i, step in enumerate(steps):
            if step.prepare is not None:
                step.prepare()
            started = clock()
            step.run()
            elapsed = clock() - started
            if round_ >= warmup:
                times[i].append(elapsed)
    return times


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank: of fewer than 20 runs, the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Measurement:
    key: str
    kind: str
    name: str
    limits: dict = field(default_factory=dict)
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    floor_queries: int | None = None
    floor_ok: bool | None = None  # the floor's figures equal the page's
    cold_ms: float | None = None  # the page with no compiled SQL kept (rekrytering.sqlcache)
    growth: float | None = None
    first_page_ratio: float | None = None  # the list's last page against its first
    note: str = ""
    covers: str = ""
    runs_ms: list = field(default_factory=list)
    floor_runs_ms: list = field(default_factory=list)
    cold_runs_ms: list = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.median_ms is None or not self.floor_ms or self.floor_ok is False:
            return None
        return round(self.median_ms / self.floor_ms, 2)

    def misses(self) -> list[str]:
        """Each target not reached, in words; a floor that is not the page's, too."""
        found = []
        limits = self.limits
        if self.median_ms is None:
            return [self.note or "ej mätt"]
        if self.floor_ok is False:
            found.append("golvet stämmer inte")
        if "ms" in limits and self.median_ms > limits["ms"]:
            found.append(f"{self.median_ms:.0f} ms > {limits['ms']}")
        if "queries" in limits and self.queries is not None and self.queries > limits["queries"]:
            found.append(f"{self.queries} frågor > {limits['queries']}")
        if "ratio" in limits and self.ratio is not None and self.ratio > limits["ratio"]:
            found.append(f"{self.ratio:.1f} × golvet > {limits['ratio']:g}")
        first = limits.get("first_page")
        if first and self.first_page_ratio is not None and self.first_page_ratio > first:
            found.append(f"{self.first_page_ratio:.2f} × sida 1 > {first:g}")
        if self.growth is not None and self.growth > GROWTH:
            found.append(f"tillväxt {self.growth:.2f} × > {GROWTH:g}")
        return found

    @property
    def ok(self) -> bool | None:
        if self.median_ms is None:
            return None
        return not self.misses()

    def target(self) -> str:
        words = []
        if "ms" in self.limits:
            ms = self.limits["ms"]
            words.append(f"≤ {ms // 1000} s" if ms >= 1000 else f"≤ {ms} ms")
        if "queries" in self.limits:
            words.append(f"≤ {self.limits['queries']} frågor")
        if "ratio" in self.limits:
            words.append(f"≤ {self.limits['ratio']:g} × golv")
        if "first_page" in self.limits:
            words.append(f"≤ {self.limits['first_page']:g} × sida 1")
        if self.growth is not None:
            words.append(f"tillväxt ≤ {GROWTH:g} ×")
        return ", ".join(words) or "–"

    def as_dict(self) -> dict:
        return asdict(self) | {
            "ratio": self.ratio,
            "ok": self.ok,
            "misses": self.misses(),
            "target": self.target(),
        }


def _count_queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def _floor_run(floor):
    def run():
        with connection.cursor() as cursor:
            return floor(cursor)

    return run


def check_floor(page: Page) -> str | None:
    """Where the floor's figures first differ from the page's; None when they are the same."""
    figures = page.figures()
    found = _floor_run(page.floor)()
    if page.kind == "report":
        from .pages import report_floor_as_cells

        found = report_floor_as_cells(found)
    return floors.first_difference(figures, found)


def measure_page(page: Page, *, pairs: int, warmup: int) -> Measurement:
    """The page's median and p95 and its floor's median, interleaved, and both query counts."""
    m = Measurement(page.key, page.kind, page.name, dict(page.limits), covers=page.covers)
    if page.error:
        m.note = page.error
        return m
    try:
        if page.floor is not None and page.figures is not None:
            difference = check_floor(page)
            m.floor_ok = difference is None
            if difference:
                m.note = f"golvet stämmer inte: {difference}"[:300]
        m.queries = _count_queries(page.run)
        steps = [Step(page.run)]
        if page.floor is not None:
            floor = _floor_run(page.floor)
            m.floor_queries = _count_queries(floor)
            steps.append(Step(floor))
        # The page once more as its first view on a connection: with no compiled SQL kept.
        steps.append(Step(page.run, prepare=sqlcache.clear))
        times = interleave(steps, pairs=pairs, warmup=warmup)
    except Exception as error:  # a page under construction: report it and measure the rest
        m.note = f"fel: {type(error).__name__}: {error}"[:300]
        return m
    m.runs_ms = [_ms(t) for t in times[0]]
    m.median_ms, m.p95_ms = _ms(statistics.median(times[0])), _ms(p95(times[0]))
    if page.floor is not None:
        m.floor_runs_ms = [_ms(t) for t in times[1]]
        m.floor_ms = _ms(statistics.median(times[1]))
    m.cold_runs_ms = [_ms(t) for t in times[-1]]
    m.cold_ms = _ms(statistics.median(times[-1]))
    if hasattr(page.run, "follow"):
        m.details["plan_request"] = page.run.follow is not None
    return m


@dataclass
class Growth:
    kind: str
    name: str
    small_ms: float | None = None
    large_ms: float | None = None
    small_queries: int | None = None
    large_queries: int | None = None
    note: str = ""

    @property
    def growth(self) -> float | None:
        if not self.small_ms or self.large_ms is None:
            return None
        return round(self.large_ms / self.small_ms, 2)

    @property
    def ok(self) -> bool | None:
        return None if self.growth is None else self.growth <= GROWTH

    def as_dict(self) -> dict:
        return asdict(self) | {"growth": self.growth, "ok": self.ok}


def measure_growth(small: list[Page], large: list[Page], use_small, use_large, *, pairs, warmup) -> list:
    """Each page kind in the small and the large data set in turn (switching databases untimed)."""
    by_kind = {page.kind: page for page in large}
    found = []
    for page in small:
        other = by_kind.get(page.kind)
        g = Growth(page.kind, page.name)
        found.append(g)
        if other is None or page.error or other.error:
            g.note = page.error or (other.error if other else "saknas i den stora datamängden")
            continue
        try:
            use_small()
            g.small_queries = _count_queries(page.run)
            use_large()
            g.large_queries = _count_queries(other.run)
            times = interleave(
                [Step(page.run, use_small), Step(other.run, use_large)], pairs=pairs, warmup=warmup
            )
        except Exception as error:
            g.note = f"fel: {type(error).__name__}: {error}"[:300]
            continue
        finally:
            use_small()
        g.small_ms, g.large_ms = _ms(statistics.median(times[0])), _ms(statistics.median(times[1]))
    return found


def head_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username=CHEF_USERNAME))
    return client


class quiet_pages:
    """DEBUG off and any host allowed, as served; a failing page is a row in the table, not a
    logged traceback; the login's audit line and missing static files stay out of the output."""

    def __enter__(self):
        self.settings = override_settings(DEBUG=False, ALLOWED_HOSTS=["*"])
        self.settings.enable()
        self.loggers = {name: logging.getLogger(name) for name in ("django.request", "rekrytering.audit")}
        self.levels = {name: log.level for name, log in self.loggers.items()}
        for log in self.loggers.values():
            log.setLevel(logging.CRITICAL)
        self.warnings = warnings.catch_warnings()
        self.warnings.__enter__()
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        return self

    def __exit__(self, *exc):
        self.warnings.__exit__(*exc)
        for name, log in self.loggers.items():
            log.setLevel(self.levels[name])
        self.settings.disable()


def measure_pages(pages: list[Page], *, pairs: int, warmup: int, stdout=print) -> list[Measurement]:
    rows = []
    for page in pages:
        stdout(f"Mäter {page.name} …")
        rows.append(measure_page(page, pairs=pairs, warmup=warmup))
    first = next((m for m in rows if m.kind == "list-first" and m.median_ms), None)
    for m in rows:
        if m.kind == "list-last" and first and m.median_ms is not None:
            m.first_page_ratio = round(m.median_ms / first.median_ms, 2)
    return rows


def attach_growth(rows: list[Measurement], growth: list[Growth]) -> None:
    """Each row's growth is its kind's (measured on the current year's default period)."""
    by_kind = {g.kind: g.growth for g in growth if g.growth is not None}
    for m in rows:
        m.growth = by_kind.get(m.kind)


# --- The tables ----------------------------------------------------------------------------


def _render(header: list[str], lines: list[list[str]], right: set[int], markdown: bool) -> str:
    if markdown:
        rule = ["---:" if i in right else "---" for i in range(len(header))]
        return "\n".join("| " + " | ".join(row) + " |" for row in [header, rule, *lines])
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

    def render(row):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(row) for row in lines)])


def _num(value, digits=1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_table(rows: list[Measurement], *, markdown: bool = False) -> str:
    header = [
        "Sida",
        "Median ms",
        "p95 ms",
        "Kall ms",
        "Frågor",
        "Golv ms (frågor)",
        "Kvot",
        "Tillväxt",
        "Mål",
        "OK?",
    ]
    lines = []
    for m in rows:
        if m.floor_ms is None:
            floor = "–"
        else:
            floor = f"{m.floor_ms:.1f} ({m.floor_queries})" + (" ≠" if m.floor_ok is False else "")
        lines.append(
            [
                m.name,
                _num(m.median_ms) if m.median_ms is not None else "ej mätt",
                _num(m.p95_ms),
                _num(m.cold_ms),
                "–" if m.queries is None else str(m.queries),
                floor,
                "–" if m.ratio is None else f"{m.ratio:.1f} ×",
                "–" if m.growth is None else f"{m.growth:.2f} ×",
                m.target(),
                "–" if m.ok is None else ("ja" if m.ok else "NEJ"),
            ]
        )
    return _render(header, lines, {1, 2, 3, 4, 5, 6, 7}, markdown)


def format_growth(growth: list[Growth], *, markdown: bool = False) -> str:
    header = ["Sida (innevarande år)", "1 år ms (frågor)", "30 år ms (frågor)", "Tillväxt", "Mål", "OK?"]
    lines = [
        [
            g.name,
            "–" if g.small_ms is None else f"{g.small_ms:.1f} ({g.small_queries})",
            "–" if g.large_ms is None else f"{g.large_ms:.1f} ({g.large_queries})",
            "–" if g.growth is None else f"{g.growth:.2f} ×",
            f"≤ {GROWTH:g} ×",
            "–" if g.ok is None else ("ja" if g.ok else "NEJ"),
        ]
        for g in growth
    ]
    return _render(header, lines, {1, 2, 3}, markdown)


def format_notes(rows: list[Measurement], growth: list[Growth] = ()) -> list[str]:
    """The notes under the tables: misses, mismatches and errors, and what a floor covers."""
    notes, covers = [], {}
    for m in rows:
        misses = [miss for miss in m.misses() if miss != "golvet stämmer inte"]
        if m.note:
            notes.append(f"{m.name}: {m.note}")
        if misses and m.median_ms is not None:
            notes.append(f"{m.name}: {'; '.join(misses)}")
        if m.covers:
            covers.setdefault(m.covers, []).append(m.name)
    for text, names in covers.items():
        notes.append(f"{', '.join(names)}: golvet jämförs i {text}")
    for g in growth:
        if g.note:
            notes.append(f"Tillväxt, {g.name}: {g.note}")
    return notes
