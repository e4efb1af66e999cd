"""Suggestions when an assignment is registered: who could take it, ranked, each with the reasons.

The customer's wished consultant comes first when there is one (also when the competence map does
not allow them the package; the reasons say so). Then those the map allows for the package and
level (competence.consultants_allowed), ranked by
  1. free capacity: the free hours (selectors.consultant_load) from this week to the week of the
     date the assignment is needed by, in whole hours;
  2. experience: closed assignments as responsible with this organisation, and whether the map
     names the organisation as known;
  3. the customers' satisfaction (the mean of the customer survey's scale questions over the last
     two years), only for a consultant with at least SURVEY_MIN_GROUP responses: a figure from fewer
     answers is neither shown nor used. Candidate answers are never used;
  4. geography: the organisation is a city district the consultant works in.
A fixed number of queries, however many consultants and assignments.

Who may see what: a konsult sees their own load and the department's totals, never a colleague's
(permissions.sees_everyones_load). Asked by a konsult (`viewer`), a colleague's free hours are left
out of the reasons and the fields; the ranking is the same.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db.models import Count

from rekrytering.numbers import format_number
from rekrytering.periods import Period
from surveys.selectors import customer_scores_by_consultant

from .competence import COMPETENCE_ROLES, _district, consultants_allowed
from .models import (
    MANAGER_LEVELS,
    ZERO,
    Assignment,
    AssignmentSuggestion,
    ConsultantCompetence,
    Organisation,
    Package,
    User,
)
from .permissions import sees_everyones_load
from .selectors import LOAD_WEEKS_MAX, consultant_load, monday_of

SATISFACTION_YEARS = 2
SEPARATOR = " · "


@dataclass
class Suggestion:
    user: User
    rank: int = 0
    wished: bool = False
    allowed: bool = True
    manager_certified: bool = False
    free_hours: Decimal = ZERO
    organisation_assignments: int = 0
    knows_organisation: bool = False
    satisfaction_responses: int | None = None  # None: fewer than SURVEY_MIN_GROUP (not shown)
    satisfaction_mean: float | None = None
    works_in_district: str = ""
    hours_hidden: bool = False  # a colleague's free hours, asked by a konsult
    reasons: list[str] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return SEPARATOR.join(self.reasons)

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    def sort_key(self):
        return (
            not self.wished,
            -int(self.free_hours.to_integral_value(ROUND_FLOOR)),
            -self.organisation_assignments,
            not self.knows_organisation,
            -(self.satisfaction_mean if self.satisfaction_mean is not None else -1),
            not self.works_in_district,
            self.name.lower(),
        )


def _weeks_until(today: date, needed_by: date) -> int:
    """This week to the week of `needed_by`, at least 1 and at most the load's maximum."""
    weeks = (monday_of(needed_by) - monday_of(today)).days // 7 + 1
    return max(1, min(weeks, LOAD_WEEKS_MAX))


def satisfaction_period(today: date) -> Period:
    start = date(today.year - SATISFACTION_YEARS, today.month, 1)
    return Period(today.year, "suggestions", start, today, f"{start}–{today}")


def _hours(value: Decimal) -> str:
    return format_number(value.to_integral_value(ROUND_FLOOR), 0)


def suggest_consultants(
    *,
    package: Package,
    level: str,
    organisation: Organisation,
    needed_by: date,
    wished: User | None = None,
    today: date,
    viewer: User | None = None,
) -> list[Suggestion]:
    """The ranked consultants for a new assignment (see the module's docstring); `viewer`, the person
    asking, decides whose free hours are shown."""
    hide_others = viewer is not None and not sees_everyones_load(viewer)
    allowed = consultants_allowed(package, level)
    people = {user.pk: Suggestion(user) for user in allowed}
    if wished is not None:
        if wished.pk in people:
            people[wished.pk].wished = True
        else:
            people[wished.pk] = Suggestion(wished, wished=True, allowed=False)
    ids = list(people)
    if not ids:
        return []
    competences = {
        c.pk: c
        for c in ConsultantCompetence.objects.filter(pk__in=ids).prefetch_related(
            "known_organisations", "areas"
        )
    }
    load = consultant_load(today, weeks=_weeks_until(today, needed_by))
    last = monday_of(needed_by)
    free = {
        row.user.pk: sum((cell.free for cell in row.cells if cell.monday <= last), ZERO) for row in load.rows
    }
    done = dict(
        Assignment.objects.filter(
            status=Assignment.Status.AVSLUTAD, organisation=organisation, responsible_id__in=ids
        )
        .order_by()
        .values("responsible_id")
        .annotate(n=Count("pk"))
        .values_list("responsible_id", "n")
    )
    scores = customer_scores_by_consultant(satisfaction_period(today), ids)
    needs_certificate = package.is_manager_recruitment or level in MANAGER_LEVELS
    level_label = Assignment.Level(level).label if level in Assignment.Level.values else level
    for pk, s in people.items():
        competence = competences.get(pk)
        s.manager_certified = bool(competence and competence.manager_certified)
        s.free_hours = free.get(pk, ZERO)
        s.organisation_assignments = done.get(pk, 0)
        if competence is not None:
            s.knows_organisation = any(o.pk == organisation.pk for o in competence.known_organisations.all())
            if organisation.kind == Organisation.Kind.SDF and any(
                o.pk == organisation.pk for o in competence.areas.all()
            ):
                s.works_in_district = _district(organisation.name)
        score = scores.get(pk)
        if score and score["responses"] >= settings.SURVEY_MIN_GROUP and score["mean"] is not None:
            s.satisfaction_responses = score["responses"]
            s.satisfaction_mean = round(float(score["mean"]), 1)
        s.hours_hidden = hide_others and pk != viewer.pk
        s.reasons = _reasons(s, package, level_label, needs_certificate, needed_by, organisation)
    ranked = sorted(people.values(), key=Suggestion.sort_key)
    for rank, s in enumerate(ranked, start=1):
        s.rank = rank
    return ranked


def _reasons(s, package, level_label, needs_certificate, needed_by, organisation) -> list[str]:
    reasons = []
    if s.wished:
        reasons.append("Kundens önskemål")
        if not s.allowed:
            reasons.append(
                f"får enligt kompetenskartan inte driva {package.name} på nivån {level_label.lower()}"
            )
    if s.allowed:
        if needs_certificate:
            reasons.append("Certifierad för chefsrekrytering")
        else:
            reasons.append(f"Får driva {package.name}")
    if not s.hours_hidden:
        reasons.append(f"{_hours(s.free_hours)} lediga timmar före {needed_by.isoformat()}")
    if s.organisation_assignments:
        reasons.append(f"{s.organisation_assignments} uppdrag hos {organisation.name}")
    elif s.knows_organisation:
        reasons.append(f"känner {organisation.name}")
    if s.satisfaction_mean is not None:
        mean = format_number(Decimal(str(s.satisfaction_mean)), 1)
        reasons.append(f"kundnöjdhet {mean} ({s.satisfaction_responses} svar)")
    if s.works_in_district:
        reasons.append(f"arbetar i {s.works_in_district}")
    reasons[0] = reasons[0][:1].upper() + reasons[0][1:]
    return reasons


SHOWN_ON_PAGE = 5  # the registration page's panel shows the top five


def parse_shown(raw: str) -> list[int]:
    """The ranking the registration page says it showed ("12,7,3"): active consultants (the map's
    roles), in order, no repeats, at most SHOWN_ON_PAGE. Anything else is dropped: the suggestion
    is advice and never stops a registration. One query (none for an empty value)."""
    ids = []
    for part in (raw or "").split(",")[:SHOWN_ON_PAGE]:
        part = part.strip()
        if part.isdigit() and len(part) < 19 and int(part) not in ids:
            ids.append(int(part))
    if not ids:
        return []
    known = set(
        User.objects.filter(pk__in=ids, is_active=True, role__in=COMPETENCE_ROLES).values_list(
            "pk", flat=True
        )
    )
    return [pk for pk in ids if pk in known]


def record_shown(assignment: Assignment, raw: str) -> AssignmentSuggestion | None:
    """Keep what was suggested when `assignment` was registered (see parse_shown)."""
    ids = parse_shown(raw)
    if not ids:
        return None
    return AssignmentSuggestion.objects.create(assignment=assignment, suggested=ids)


def suggestion_summary(assignment: Assignment) -> dict | None:
    """For the detail page: the names suggested at registration, in order, and the one chosen
    (the responsible now). Two queries at most."""
    row = AssignmentSuggestion.objects.filter(assignment=assignment).first()
    if row is None:
        return None
    users = User.objects.in_bulk(row.suggested)
    names = [str(users[pk]) for pk in row.suggested if pk in users]
    chosen = assignment.responsible
    return {
        "names": names,
        "chosen": str(chosen) if chosen else "",
        "followed": assignment.responsible_id in row.suggested,
        "rank": row.suggested.index(assignment.responsible_id) + 1
        if assignment.responsible_id in row.suggested
        else None,
    }
