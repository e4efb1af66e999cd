"""Read-side queries the pages, the API and the reports share."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower, TruncWeek
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rekrytering.numbers import format_hours, format_number

from .models import (
    CENT,
    DEFAULT_ASSIGNMENT_SHARE,
    DEFAULT_WEEKLY_HOURS,
    ZERO,
    Assignment,
    AssignmentStep,
    Budget,
    ConsultantCapacity,
    ImportJob,
    Organisation,
    Package,
    PriceList,
    SavedFilter,
    StandardScheduleStep,
    Step,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
)
from .signals import assignment_history_events

HOURS_FIELD = DecimalField(max_digits=9, decimal_places=2)


# The list's order, newest first; the index assignment_list_order serves it in either direction.
LIST_ORDER = ("-ordered_on", "-number")
# What a row of the list page shows (assignment_list.html, _status.html), and no more.
LIST_ROW_FIELDS = (
    "number",
    "ordered_on",
    "role_title",
    "level",
    "status",
    "outcome",
    "price",
    "sector__name",
    "organisation__name",
    "manager__name",
    "package__name",
    "responsible__username",
    "responsible__first_name",
    "responsible__last_name",
)


def _colleagues():
    return Prefetch(
        "colleagues", queryset=User.objects.only("id", "username", "first_name", "last_name", "initials")
    )


def assignment_list(*, search: str = "", queryset=None):
    """Assignments with everything a list row shows, in a fixed number of queries."""
    qs = queryset if queryset is not None else Assignment.objects.all()
    qs = qs.select_related(
        "organisation", "manager", "package", "package__price_list", "responsible", "sector"
    ).prefetch_related(_colleagues())
    return search_assignments(qs, search)


def assignment_list_ids(queryset=None):
    """The ids of the (filtered) assignments in the list's order, which a page of the list is cut from.

    Without filters, a slice of it is read from the index assignment_list_order alone: no joins,
    no sort, no table rows, however many years the register holds.
    """
    qs = queryset if queryset is not None else Assignment.objects.all()
    return qs.order_by(*LIST_ORDER).values_list("pk", flat=True)


def assignment_list_rows(ids):
    """The list rows of these assignments in the order of `ids`: two queries (rows, colleagues)."""
    if not ids:
        return []
    rows = (
        Assignment.objects.filter(pk__in=ids)
        .select_related("organisation", "manager", "package", "responsible", "sector")
        .only(*LIST_ROW_FIELDS)
        .prefetch_related(_colleagues())
        .order_by()  # put in the ids' order below
    )
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def search_assignments(qs, search: str):
    """Every word must match the number, role title, organisation or manager."""
    terms = Q()
    for word in search.split():
        terms &= (
            Q(number__icontains=word)
            | Q(role_title__icontains=word)
            | Q(organisation__name__icontains=word)
            | Q(manager__name__icontains=word)
            | Q(manager__email__icontains=word)
        )
    return qs.filter(terms) if terms else qs


def with_logged_hours(qs):
    return qs.annotate(
        logged_hours=Coalesce(Sum("time_entries__hours"), Value(ZERO), output_field=HOURS_FIELD)
    )


def assignment_detail(pk):
    return assignment_list().get(pk=pk)


def hours_per_consultant(assignment):
    return (
        TimeEntry.objects.filter(assignment=assignment)
        .values("user__id", "user__first_name", "user__last_name", "user__username")
        .annotate(hours=Sum("hours"))
        .order_by("user__first_name", "user__last_name")
    )


def assignment_history(assignment, limit=100):
    """Changes to the assignment, to who is on it, to the hours on it and what other apps report
    (signals.assignment_history_events: the surveys' changed invitations), newest first.

    Consecutive history records are compared in memory, the colleagues of all records are read in
    one query, and related objects are looked up once per model, so the page runs the same few
    queries however long the history is.
    """
    records = list(
        assignment.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    records.reverse()
    colleagues = _colleagues_by_record(records)
    colleagues_field = Assignment._meta.get_field("colleagues")
    diffs = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None and record.history_type == "~":
            changes = [
                (change.field, change.old, change.new)
                for change in record.diff_against(previous, excluded_fields=["colleagues"]).changes
            ]
            before, after = colleagues[previous.history_id], colleagues[record.history_id]
            if before != after:
                changes.append(("colleagues", before, after))
            if not changes:
                continue
        diffs.append((record, changes))
    labels = _RelatedLabels()
    for _record, changes in diffs:
        for name, old, new in changes:
            if name == "colleagues":
                labels.want_users(old | new)
            else:
                labels.want(Assignment._meta.get_field(name), old, new)
    events = []
    for record, changes in diffs:
        shown = []
        for name, old, new in changes:
            field = Assignment._meta.get_field(name)
            if field is colleagues_field:
                shown.append((str(field.verbose_name), labels.show_users(old), labels.show_users(new)))
                continue
            shown.append((str(field.verbose_name), labels.show(field, old), labels.show(field, new)))
        events.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": {"+": "Skapat", "~": "Ändrat", "-": "Borttaget"}[record.history_type],
                "changes": shown,
            }
        )
    time_records = (
        TimeEntry.history.filter(assignment_id=assignment.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    for record in time_records:
        verb = {"+": "Tid rapporterad", "~": "Tid ändrad", "-": "Tid borttagen"}[record.history_type]
        events.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": verb,
                "changes": [
                    ("Datum och timmar", "", f"{record.date:%Y-%m-%d}: {format_hours(record.hours)}")
                ],
            }
        )
    events.extend(_tidplan_events(assignment, limit))
    reported = assignment_history_events.send(sender=Assignment, assignment=assignment, limit=limit)
    for _receiver, found in reported:
        events.extend(found)
    events.sort(key=lambda e: e["when"], reverse=True)
    return events[:limit]


TIDPLAN_CHANGE_GAP = timedelta(seconds=5)  # a save of the editor (or a registration) is one event


def _tidplan_events(assignment, limit):
    """The tidplan's changes for the assignment's history (one query): the step records one change
    made (by one person, with one reason, services.TIDPLAN_*) make one event, each step a line with
    what it was and what it became."""
    records = list(
        AssignmentStep.history.filter(assignment_id=assignment.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit * len(Step.values)]
    )
    records.reverse()
    last = {}  # the step's previous record, by the step row's id
    events = []
    for record in records:
        label, before = Step(record.step).label, last.get(record.id)
        last[record.id] = record
        if record.history_type == "+":
            line = (label, "", _step_text(record))
        elif record.history_type == "-":
            line = (label, _step_text(record), "borttaget")
        else:
            line = (label, _step_text(before) if before else "", _step_text(record))
            if line[1] == line[2]:
                continue
        what = record.history_change_reason or "Tidplan ändrad"
        event = events[-1] if events else None
        if (
            event is not None
            and (event["who"], event["what"]) == (record.history_user, what)
            and record.history_date - event["when"] <= TIDPLAN_CHANGE_GAP
        ):
            event["changes"].append(line)
            continue
        events.append(
            {"when": record.history_date, "who": record.history_user, "what": what, "changes": [line]}
        )
    return events


def _step_text(record) -> str:
    text = f"planerat {record.planned_on:%Y-%m-%d}"
    return f"{text}, klart {record.done_on:%Y-%m-%d}" if record.done_on else text


def _colleagues_by_record(records) -> dict:
    """The colleagues' user ids as each history record saw them, by history_id (one query)."""
    found = {record.history_id: frozenset() for record in records}
    if not records:
        return found
    # simple-history's copy of the colleagues, one row per colleague and history record.
    through = apps.get_model("assignments", "HistoricalAssignment_colleagues")
    rows = through.objects.filter(history_id__in=list(found)).values_list("history_id", "user_id")
    grouped = {}
    for history_id, user_id in rows:
        grouped.setdefault(history_id, set()).add(user_id)
    found.update({pk: frozenset(ids) for pk, ids in grouped.items()})
    return found


class _RelatedLabels:
    """Collects the related ids a history shows and fetches their names with one query per model."""

    def __init__(self):
        self.wanted = {}
        self.names = None

    def want(self, field, *values):
        if field.is_relation and not field.many_to_many:
            self.wanted.setdefault(field.related_model, set()).update(
                v for v in values if v not in (None, "")
            )

    def want_users(self, ids):
        self.wanted.setdefault(User, set()).update(ids)

    def show_users(self, ids):
        field = Assignment._meta.get_field("responsible")
        return ", ".join(sorted(self.show(field, pk) for pk in ids)) or "–"

    def show(self, field, value):
        if value is None or value == "":
            return "–"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            if self.names is None:
                self.names = {}
                for model, ids in self.wanted.items():
                    objects = model._default_manager.filter(pk__in=ids)
                    if model is Package:
                        objects = objects.select_related("price_list")
                    self.names.update({(model, obj.pk): str(obj) for obj in objects})
            return self.names.get((field.related_model, value), f"#{value}")
        if isinstance(value, bool):
            return "Ja" if value else "Nej"
        if isinstance(value, Decimal):
            return format_number(value)
        return str(value)


def my_ongoing_assignments(user, today: date) -> list:
    """The user's open assignments (responsible or colleague), oldest first, with the hours logged
    and the tidplan's next step (with_next_step): its name `next_step_label` and whether it is
    late, `next_step_overdue` (as `tidplan` marks a step)."""
    assignments = list(
        with_next_step(
            with_logged_hours(
                assignment_list(
                    queryset=Assignment.objects.filter(Q(responsible=user) | Q(colleagues=user))
                    .exclude(status=Assignment.Status.AVSLUTAD)
                    .distinct()
                )
            )
        ).order_by("ordered_on")
    )
    for assignment in assignments:
        assignment.next_step_label = Step(assignment.next_step).label if assignment.next_step else ""
        assignment.next_step_overdue = is_overdue(assignment.next_step_on, None, today)
    return assignments


def saved_filters(user):
    return SavedFilter.objects.filter(user=user).only("id", "name", "query").order_by(Lower("name"))


def week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def week_grid_assignments(user, monday: date, sunday: date, *, also=None):
    """The assignment rows of a consultant's week grid: their open assignments (responsible or
    colleague), those they logged time on that week, and `also` (an id: the assignment the grid was
    opened from). Each with its package, the hours logged on it by everyone so far (`logged_hours`)
    and its colleagues (whether the user may log time on it). Two queries however many rows."""
    assisted = Assignment.colleagues.through.objects.filter(user=user).values("assignment_id")
    mine_open = (Q(responsible=user) | Q(pk__in=assisted)) & ~Q(status=Assignment.Status.AVSLUTAD)
    logged_this_week = TimeEntry.objects.filter(
        user=user, date__range=(monday, sunday), assignment__isnull=False
    ).values("assignment_id")
    wanted = mine_open | Q(pk__in=logged_this_week)
    if also is not None:
        wanted |= Q(pk=also)
    logged = (
        TimeEntry.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        Assignment.objects.filter(wanted)
        .select_related("package", "organisation")
        .prefetch_related(_colleagues())
        .annotate(logged_hours=Coalesce(Subquery(logged, output_field=HOURS_FIELD), Value(ZERO)))
        .order_by("number")
    )


def week_grid_categories(user, monday: date, sunday: date):
    """The time categories of the week grid: the active ones and any the user logged time on that week."""
    used = TimeEntry.objects.filter(user=user, date__range=(monday, sunday), category__isnull=False).values(
        "category_id"
    )
    return TimeCategory.objects.filter(Q(active=True) | Q(pk__in=used)).order_by("name")


def time_entries():
    return TimeEntry.objects.select_related("assignment", "category")


def time_entries_between(user, start: date, end: date):
    return (
        TimeEntry.objects.filter(user=user, date__range=(start, end))
        .select_related("assignment", "category")
        .order_by("date", "id")
    )


def daily_hours(user, start: date, end: date):
    """Per day with time: hours on assignments and other hours, summed in SQL."""
    return list(
        TimeEntry.objects.filter(user=user, date__range=(start, end))
        .values("date")
        .annotate(
            on_assignment=Coalesce(
                Sum("hours", filter=Q(assignment__isnull=False)), Value(ZERO), output_field=HOURS_FIELD
            ),
            other=Coalesce(
                Sum("hours", filter=Q(assignment__isnull=True)), Value(ZERO), output_field=HOURS_FIELD
            ),
        )
        .order_by("date")
    )


def hours_total(qs) -> Decimal:
    return qs.aggregate(total=Coalesce(Sum("hours"), Value(ZERO), output_field=HOURS_FIELD))["total"]


def is_new_manager(assignment) -> bool:
    """True when this is the manager's first assignment: it makes them a *ny beställare*."""
    earlier = Assignment.objects.filter(manager_id=assignment.manager_id).filter(
        Q(ordered_on__lt=assignment.ordered_on)
        | Q(ordered_on=assignment.ordered_on, number__lt=assignment.number)
    )
    return not earlier.exists()


def units_with_members():
    return Unit.objects.prefetch_related(
        Prefetch("members", queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"))
    ).order_by("name")


def budget_volume_total(budget: Budget) -> Decimal:
    """Sum of planned count × package price of the budget's volume plan."""
    return budget.lines.aggregate(
        total=Coalesce(
            Sum(ExpressionWrapper(F("planned_count") * F("package__price"), output_field=HOURS_FIELD)),
            Value(ZERO),
            output_field=HOURS_FIELD,
        )
    )["total"]


def budgets_with_volume():
    """All budgets, each annotated with its volume plan total, in one query."""
    amount = ExpressionWrapper(
        F("lines__planned_count") * F("lines__package__price"), output_field=HOURS_FIELD
    )
    return Budget.objects.annotate(
        volume_total=Coalesce(Sum(amount), Value(ZERO), output_field=HOURS_FIELD)
    ).order_by("-year")


def consultant_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name")


def assignment_counts_by_status(qs):
    return qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=~Q(status=Assignment.Status.AVSLUTAD)),
        closed=Count("id", filter=Q(status=Assignment.Status.AVSLUTAD)),
    )


def api_token_expires_at(token: Token) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


def api_token_expired(token: Token, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= api_token_expires_at(token)


def api_token_status(user) -> dict | None:
    """The user's API key without the key itself: when it was made, when it expires, whether it has."""
    token = Token.objects.filter(user=user).first()
    if token is None:
        return None
    expires = api_token_expires_at(token)
    return {"created": token.created, "expires": expires, "expired": api_token_expired(token)}


# --- Register pages -------------------------------------------------------------------------


def price_lists():
    return PriceList.objects.annotate(package_count=Count("packages")).order_by("-year")


def packages_with_use(price_list: PriceList):
    """The list's packages, each with how many assignments it is on."""
    return price_list.packages.annotate(assignment_count=Count("assignments")).order_by("name")


def packages_of_year(year: int):
    return Package.objects.filter(price_list__year=year).order_by("name")


def packages():
    return Package.objects.select_related("price_list")


def package_history(price_list: PriceList, limit: int = 30):
    return (
        Package.history.filter(price_list_id=price_list.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )


def organisation_list(search: str = ""):
    organisations = Organisation.objects.annotate(
        manager_count=Count("managers", distinct=True), assignment_count=Count("assignments", distinct=True)
    ).order_by("name")
    return organisations.filter(name__icontains=search) if search else organisations


def organisation_managers(organisation: Organisation):
    return organisation.managers.annotate(assignment_count=Count("assignments")).order_by("name")


def by_name(model):
    """A simple register (sectors, time categories) in name order."""
    return model.objects.order_by("name")


def user_list(search: str = ""):
    users = User.objects.select_related("unit").order_by("-is_active", "first_name", "last_name")
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(initials__iexact=search)
        )
    return users


def budget(year: int) -> Budget | None:
    return Budget.objects.filter(year=year).first()


def budget_history(budget: Budget, limit: int = 20):
    return budget.history.select_related("history_user").order_by("-history_date")[:limit]


def years_without_budget(budget_years):
    """The price lists' years that have no budget yet."""
    return PriceList.objects.exclude(year__in=list(budget_years)).values_list("year", flat=True)


def recent_import_jobs(limit: int = 10):
    return ImportJob.objects.select_related("created_by")[:limit]


def import_jobs():
    return ImportJob.objects.select_related("created_by")


def assignment_time_entries(assignment: Assignment):
    return assignment.time_entries.select_related("user").order_by("-date", "-id")


def redos(assignment: Assignment):
    return assignment.redos.all()


def assignments_for_change():
    """Assignments as the edit and close pages load them (the package's year with it)."""
    return Assignment.objects.select_related("package__price_list")


def _year_spans(years) -> str:
    """2021, 2022, 2023, 2025 → "2021–2023, 2025"."""
    years, spans = sorted(years), []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def package_choices(year: int | None = None, keep: str = "") -> list[tuple[str, str]]:
    """The package filter's choices (value: the package code, as in saved filters and links), each
    year named as its own price list names it, in one query.

    With a year that has a price list: that list's packages by their names that year (and `keep`, a
    code chosen before, so that a saved filter stays valid). Otherwise one choice per code, named as
    the newest list names it, with the years of other names or of a code no longer sold:
    "Chefspaket (2021: Rekrytering chef)", "Lärarpaket (2021)"."""
    rows = list(
        Package.objects.order_by("-price_list__year", "name").values_list("code", "name", "price_list__year")
    )
    latest_year = max((y for _c, _n, y in rows), default=None)
    names: dict[str, dict[str, list[int]]] = {}
    for code, name, list_year in rows:
        names.setdefault(code, {}).setdefault(name, []).append(list_year)

    def overall(code: str) -> str:
        by_name = names[code]
        newest = next(iter(by_name))  # rows come newest year first
        label = newest
        if max(by_name[newest]) != latest_year:
            label += f" ({_year_spans(by_name[newest])})"
        others = [f"{_year_spans(years)}: {name}" for name, years in by_name.items() if name != newest]
        if others:
            label += f" ({'; '.join(others)})"
        return label

    of_year = {code: name for code, name, list_year in rows if list_year == year}
    if of_year:
        choices = dict(of_year)
        if keep in names and keep not in choices:
            choices[keep] = overall(keep)
    else:
        choices = {code: overall(code) for code in names}
    return sorted(choices.items(), key=lambda item: item[1].casefold())


# --- Load (beläggning) ----------------------------------------------------------------------------

LOAD_WEEKS = 8  # the coming weeks shown when none are asked for
LOAD_WEEKS_MAX = 26
# An assignment's planned end when its tidplan does not say (no steps: an older or imported one, or
# a package without a standard schedule): eight weeks after the order, the register's typical
# order-to-close time.
DEFAULT_LEAD_WEEKS = 8
LOAD_ROLES = (User.Role.KONSULT, User.Role.SAMORDNARE)
LOAD_WEEKS_MESSAGE = f"Ange antal veckor som ett heltal från 1 till {LOAD_WEEKS_MAX}."
HUNDRED = Decimal("100")


@dataclass
class LoadCell:
    """One consultant's (or the department's) hours in one ISO week."""

    monday: date
    capacity: Decimal = ZERO
    planned: Decimal = ZERO

    @property
    def free(self) -> Decimal:
        """Capacity left for new work; negative when more is planned than there is room for."""
        return self.capacity - self.planned

    @property
    def iso_week(self) -> tuple[int, int]:
        year, week, _day = self.monday.isocalendar()
        return year, week

    @property
    def utilisation(self) -> Decimal | None:
        """Planned ÷ capacity in per cent; None when there is no capacity (and nothing planned: 0)."""
        if self.capacity > 0:
            return self.planned / self.capacity * HUNDRED
        return None if self.planned > 0 else ZERO


@dataclass
class ConsultantLoad:
    user: User
    weekly_hours: Decimal
    assignment_share: Decimal
    cells: list[LoadCell]


@dataclass
class Load:
    """The coming weeks' capacity and planned hours per consultant, and the department's totals."""

    mondays: list[date]
    rows: list[ConsultantLoad]
    totals: list[LoadCell]

    def only(self, user) -> "Load":
        """The same load with only `user`'s row (the totals stay the department's)."""
        return Load(self.mondays, [r for r in self.rows if r.user.pk == user.pk], self.totals)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def planned_standard_hours(unit: str, quantity: Decimal, standard_hours: Decimal | None) -> Decimal:
    """The hours an assignment is expected to take: the package's normal time × the quantity, or
    for an hourly package the hours sold. A package without normal time plans none."""
    if unit == Package.PriceUnit.TIMME:
        return quantity
    return quantity * (standard_hours or ZERO)


def planned_end(ordered_on: date, schedule_end: date | None = None) -> date:
    """When an open assignment is planned to be done: its tidplan's latest planned step, else
    DEFAULT_LEAD_WEEKS after the order."""
    return schedule_end or ordered_on + timedelta(weeks=DEFAULT_LEAD_WEEKS)


def schedule_end_subquery():
    """The latest planned date of the outer assignment's tidplan (None without one)."""
    return Subquery(
        AssignmentStep.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(end=Max("planned_on"))
        .values("end")
    )


def has_standard_schedule(package_code: str) -> bool:
    return StandardScheduleStep.objects.filter(package_code=package_code).exists()


def schedule_dates(steps, start: date) -> list[tuple[str, str, date]]:
    """(step, its name, its date) for a schedule's (step, days after the step before) in order,
    counted from `start` (the order date)."""
    day, dates = start, []
    for step, days in steps:
        day += timedelta(days=days)
        dates.append((step, Step(step).label, day))
    return dates


def standard_schedule_dates(package_code: str, start: date) -> list[tuple[str, str, date]]:
    """The package's standard steps with their dates counted from `start` (schedule_dates). One
    query."""
    steps = StandardScheduleStep.objects.filter(package_code=package_code).order_by("position")
    return schedule_dates(steps.values_list("step", "days"), start)


def standard_end(package_code: str, ordered_on: date) -> date:
    """When an assignment of this package ordered on `ordered_on` is normally done: its standard
    schedule's last step (all its days after the order), else DEFAULT_LEAD_WEEKS. One query."""
    dates = standard_schedule_dates(package_code, ordered_on)
    return dates[-1][2] if dates else planned_end(ordered_on)


def standard_schedules() -> list[dict]:
    """Every package code (by its newest name) with its standard schedule's steps and their total
    days (None without a schedule), for the register page. Two queries."""
    from .competence import package_names

    by_code = {}
    for step in StandardScheduleStep.objects.order_by("package_code", "position"):
        by_code.setdefault(step.package_code, []).append(step)
    return [
        {
            "code": code,
            "name": name,
            "steps": by_code.get(code, []),
            "total": sum(step.days for step in by_code[code]) if code in by_code else None,
        }
        for code, name in sorted(package_names().items(), key=lambda item: item[1].casefold())
    ]


@dataclass
class TidplanStep:
    step: str
    label: str
    planned_on: date
    done_on: date | None
    is_next: bool = False
    overdue: bool = False

    @property
    def status(self) -> str:
        if self.done_on:
            return "klart"
        return "forsenat" if self.overdue else ("nasta" if self.is_next else "kommande")


def is_overdue(planned_on: date | None, done_on: date | None, today: date) -> bool:
    """A step is late when it is not done and its planned date has passed."""
    return bool(planned_on and not done_on and planned_on < today)


def tidplan(assignment, today: date) -> list[TidplanStep]:
    """An assignment's tidplan in step order: which step is next (the first not done) and which
    are overdue (not done, planned before today). One query, or none when prefetched as `steps`."""
    steps = sorted(assignment.steps.all(), key=lambda s: s.position)
    rows, found_next = [], False
    for step in steps:
        row = TidplanStep(step.step, Step(step.step).label, step.planned_on, step.done_on)
        row.overdue = is_overdue(step.planned_on, step.done_on, today)
        if not step.done_on and not found_next:
            row.is_next, found_next = True, True
        rows.append(row)
    return rows


def with_next_step(queryset):
    """Annotate each assignment with its tidplan's next step (the first not done, by the steps'
    order) and its planned date: `next_step`, `next_step_on` (None when all are done or there is
    no tidplan), and `has_tidplan`. Subqueries in the same query."""
    pending = AssignmentStep.objects.filter(assignment=OuterRef("pk"), done_on__isnull=True)
    pending = pending.order_by("position")
    return queryset.annotate(
        next_step=Subquery(pending.values("step")[:1]),
        next_step_on=Subquery(pending.values("planned_on")[:1]),
        has_tidplan=Exists(AssignmentStep.objects.filter(assignment=OuterRef("pk"))),
    )


def _open_assignment_rows():
    """Each open assignment's package terms, dates and hours logged so far (summed in SQL)."""
    logged = (
        TimeEntry.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        Assignment.objects.exclude(status=Assignment.Status.AVSLUTAD)
        .order_by()
        .annotate(
            logged=Coalesce(Subquery(logged, output_field=HOURS_FIELD), Value(ZERO)),
            schedule_end=schedule_end_subquery(),
        )
        .values(
            "pk",
            "responsible_id",
            "ordered_on",
            "schedule_end",
            "started_on",
            "quantity",
            "package__unit",
            "package__standard_hours",
            "logged",
        )
    )


def planned_hours_by_week(today: date, mondays: list[date]) -> dict[tuple[int, date], Decimal]:
    """(user id, monday) → the hours the open assignments plan for the user that week.

    Each open assignment's remaining standard hours (never below 0) are spread evenly over the
    weeks from this week (or the week it starts) to the week of its planned end (planned_end: its
    tidplan's last step, else 8 weeks after the order), and split evenly among its consultants
    (responsible and colleagues). An assignment past its planned end puts
    what remains in this week. Two queries, whatever the number of assignments.
    """
    this_monday = monday_of(today)
    rows = list(_open_assignment_rows())
    people = defaultdict(set)
    for row in rows:
        people[row["pk"]].add(row["responsible_id"])
    if rows:
        through = Assignment.colleagues.through
        for assignment_id, user_id in through.objects.filter(
            assignment__in=Assignment.objects.exclude(status=Assignment.Status.AVSLUTAD)
        ).values_list("assignment_id", "user_id"):
            people[assignment_id].add(user_id)
    planned = defaultdict(lambda: ZERO)
    for row in rows:
        standard = planned_standard_hours(
            row["package__unit"], row["quantity"], row["package__standard_hours"]
        )
        remaining = max(standard - row["logged"], ZERO)
        if remaining <= 0:
            continue
        first = max(this_monday, monday_of(row["started_on"] or row["ordered_on"]))
        last = max(first, monday_of(planned_end(row["ordered_on"], row["schedule_end"])))
        count = (last - first).days // 7 + 1
        share = remaining / count / len(people[row["pk"]])
        for monday in mondays:  # the shown weeks only, however far the planned end
            if first <= monday <= last:
                for user_id in people[row["pk"]]:
                    planned[(user_id, monday)] += share
    return planned


def absence_by_week(first: date, last: date) -> dict[tuple[int, date], Decimal]:
    """(user id, monday) → hours logged on absence categories that week, summed in SQL."""
    rows = (
        TimeEntry.objects.filter(category__is_absence=True, date__range=(first, last))
        .order_by()
        .annotate(monday=TruncWeek("date"))
        .values("user_id", "monday")
        .annotate(total=Sum("hours"))
    )
    result = {}
    for row in rows:
        monday = row["monday"]
        if isinstance(monday, datetime):
            monday = monday.date()
        result[(row["user_id"], monday)] = row["total"]
    return result


def consultant_load(today: date, *, weeks: int = LOAD_WEEKS) -> Load:
    """Capacity, planned and free hours per consultant and ISO week, this week and `weeks` - 1 more.

    Capacity = (working hours per week − absence that week) × the share for assignments, never
    below 0 (defaults 40 h and 70 % without a ConsultantCapacity row). The consultants are the
    active konsulter and samordnare, and anyone else with planned hours. Four queries in all.
    """
    if not 1 <= weeks <= LOAD_WEEKS_MAX:
        raise ValueError(f"weeks must be 1..{LOAD_WEEKS_MAX}")
    this_monday = monday_of(today)
    mondays = [this_monday + timedelta(weeks=k) for k in range(weeks)]
    planned = planned_hours_by_week(today, mondays)
    absence = absence_by_week(mondays[0], mondays[-1] + timedelta(days=6))
    planned_users = {user_id for user_id, _monday in planned}
    users = (
        User.objects.filter(Q(is_active=True, role__in=LOAD_ROLES) | Q(pk__in=planned_users))
        .select_related("capacity")
        .order_by("first_name", "last_name", "username")
    )
    rows, totals = [], [LoadCell(monday) for monday in mondays]
    for user in users:
        try:
            weekly, share = user.capacity.weekly_hours, user.capacity.assignment_share
        except ConsultantCapacity.DoesNotExist:
            weekly, share = DEFAULT_WEEKLY_HOURS, DEFAULT_ASSIGNMENT_SHARE
        cells = []
        for monday, total in zip(mondays, totals, strict=True):
            available = max(weekly - absence.get((user.pk, monday), ZERO), ZERO)
            cell = LoadCell(
                monday,
                capacity=(available * share / HUNDRED).quantize(CENT),
                planned=planned.get((user.pk, monday), ZERO).quantize(CENT),
            )
            total.capacity += cell.capacity
            total.planned += cell.planned
            cells.append(cell)
        rows.append(ConsultantLoad(user, weekly, share, cells))
    return Load(mondays, rows, totals)
