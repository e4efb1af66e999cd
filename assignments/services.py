"""Everything that changes the assignment register. Views, API, commands and tasks call these."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rekrytering import audit
from rekrytering.audit import log_change
from rekrytering.celery import enqueue_on_commit
from rekrytering.numbers import format_hours, format_number

from .models import (
    CENT,
    DEFAULT_ASSIGNMENT_SHARE,
    DEFAULT_WEEKLY_HOURS,
    MONEY,
    STEP_ORDER,
    ZERO,
    Assignment,
    AssignmentSequence,
    AssignmentStep,
    Budget,
    BudgetLine,
    ConsultantCapacity,
    ConsultantCompetence,
    ImportJob,
    Manager,
    Organisation,
    Package,
    PriceList,
    SavedFilter,
    StandardScheduleStep,
    Step,
    TimeCategory,
    TimeEntry,
    User,
)
from .permissions import can_change_responsibility, can_edit_assignment, can_log_time_on
from .selectors import api_token_expires_at, hours_total, standard_schedule_dates
from .signals import assignment_closed


def next_assignment_number(year: int) -> str:
    """The next free number of the year, `2026-0142`. Call inside a transaction."""
    seq, _created = AssignmentSequence.objects.select_for_update().get_or_create(year=year)
    # Numbers may also arrive by import; never hand out one that is taken.
    while True:
        seq.last += 1
        number = f"{year}-{seq.last:04d}"
        if not Assignment.objects.filter(number=number).exists():
            break
    seq.save(update_fields=["last"])
    return number


def reserve_imported_number(number: str) -> None:
    """Keep the sequence ahead of a number that came from the Access database."""
    try:
        year_text, serial_text = number.split("-", 1)
        year, serial = int(year_text), int(serial_text)
    except ValueError:
        return
    seq, _created = AssignmentSequence.objects.select_for_update().get_or_create(year=year)
    if serial > seq.last:
        seq.last = serial
        seq.save(update_fields=["last"])


def hourly_rate(year: int) -> Decimal | None:
    package = Package.objects.filter(price_list__year=year, is_hourly_rate=True).only("price").first()
    return package.price if package else None


def get_or_create_manager(*, name: str, email: str, organisation: Organisation) -> Manager:
    """The manager with this e-mail, or a new one in the organisation. An existing one is not moved."""
    email = email.strip().lower()
    manager = Manager.objects.filter(email=email).first()
    if manager is None:
        manager = Manager.objects.create(name=name.strip(), email=email, organisation=organisation)
    return manager


NOT_ON_IT = gettext_lazy("Du kan bara registrera uppdrag som du själv arbetar i.")
RESPONSIBILITY_LOCKED = gettext_lazy(
    "Bara samordnare, chef och administratör ändrar ansvarig och medarbetande konsulter i ett "
    "uppdrag: kundenkätens svar räknas för den ansvariga konsulten."
)
RESPONSIBLE_ALSO_COLLEAGUE = gettext_lazy("Den ansvariga konsulten ska inte också stå som medarbetande.")
INACTIVE_COLLEAGUE = gettext_lazy("En av de medarbetande konsulterna är inte aktiv.")


def check_responsibility(
    *, by: User, assignment: Assignment | None = None, responsible: User | None = None, colleagues=None
) -> dict:
    """The one rule on who is on an assignment; the form, the API and the services call it.

    Samordnare, chef and admin set the responsible consultant and the colleagues freely. Anyone else
    registering an assignment must be on it, and editing one leaves both as they are: customer
    survey responses count for the responsible consultant, so no one moves an assignment (or its
    results) on their own. `responsible` and `colleagues` None mean "as stored" (for a new
    assignment: `by`, and nobody). The stored values are read from the database, since a form may
    already have copied its data onto the instance.

    Raises PermissionDenied, or ValidationError when the responsible consultant is also a colleague.
    Returns what changes, as {field: (before, after)} with user ids (an empty dict: nothing).
    """
    stored, stored_colleagues = None, frozenset()
    if assignment is not None and assignment.pk:
        stored = Assignment.objects.filter(pk=assignment.pk).values_list("responsible_id", flat=True).first()
        stored_colleagues = frozenset(
            Assignment.colleagues.through.objects.filter(assignment_id=assignment.pk).values_list(
                "user_id", flat=True
            )
        )
    new = responsible.pk if responsible is not None else (stored if stored is not None else by.pk)
    new_colleagues = frozenset(c.pk for c in colleagues) if colleagues is not None else stored_colleagues
    changes = {}
    if stored is not None and new != stored:
        changes["responsible"] = (stored, new)
    if stored is not None and new_colleagues != stored_colleagues:
        changes["colleagues"] = (stored_colleagues, new_colleagues)
    if not can_change_responsibility(by):
        if stored is None and by.pk != new and by.pk not in new_colleagues:
            raise PermissionDenied(NOT_ON_IT)
        if changes:
            raise PermissionDenied(RESPONSIBILITY_LOCKED)
    if new in new_colleagues:
        raise ValidationError({"colleagues": RESPONSIBLE_ALSO_COLLEAGUE})
    # A consultant who has left stays on old assignments but is not added anew.
    if colleagues is not None and any(not c.is_active and c.pk not in stored_colleagues for c in colleagues):
        raise ValidationError({"colleagues": INACTIVE_COLLEAGUE})
    return changes


def _log_responsibility_change(assignment: Assignment, by: User, changes: dict) -> None:
    """The audit line of a changed responsible or colleagues, by username, written after commit."""
    as_sets = {
        field: tuple(v if isinstance(v, frozenset) else frozenset({v}) for v in pair)
        for field, pair in changes.items()
    }
    ids = set().union(*(before | after for before, after in as_sets.values()))
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))

    def show(pks):
        return ",".join(sorted(names.get(pk, str(pk)) for pk in pks)) or "none"

    details = {field: f"{show(before)}->{show(after)}" for field, (before, after) in as_sets.items()}
    number = assignment.number
    transaction.on_commit(
        lambda: log_change(user=by, action="assignment_responsibility", assignment=number, **details)
    )


@transaction.atomic
def create_assignment(*, by: User, colleagues=(), **fields) -> Assignment:
    """Register a new assignment; the price defaults from the order year's price list."""
    assignment = Assignment(**fields)
    if assignment.price is None and assignment.package_id:
        assignment.price = assignment.list_price
    check_responsibility(by=by, responsible=fields.get("responsible"), colleagues=colleagues)
    if not assignment.responsible_id:
        assignment.responsible = by
    assignment.number = next_assignment_number(assignment.ordered_on.year)
    assignment.full_clean()
    assignment._history_user = by
    assignment.save()
    if colleagues:
        assignment.colleagues.set(colleagues)
    if not assignment.is_closed:
        apply_standard_schedule(assignment, by=by)
    return assignment


@transaction.atomic
def update_assignment(assignment: Assignment, *, by: User, colleagues=None, **fields) -> Assignment:
    if not can_edit_assignment(by, assignment):
        raise PermissionDenied(_("Du har inte behörighet att ändra uppdraget."))
    changes = check_responsibility(
        by=by, assignment=assignment, responsible=fields.get("responsible"), colleagues=colleagues
    )
    # As stored: a ModelForm has already put the form's values on the instance.
    # Locked: two corrections at once move the tidplan one after the other, each from the date before.
    old_ordered_on = (
        Assignment.objects.select_for_update().values_list("ordered_on", flat=True).get(pk=assignment.pk)
    )
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.full_clean()
    assignment._history_user = by
    assignment.save()
    assignment.tidplan_moved = 0  # days the tidplan moved with a corrected order date
    if assignment.ordered_on != old_ordered_on:
        assignment.tidplan_moved = move_tidplan(assignment, old_ordered_on=old_ordered_on, by=by)
    if "colleagues" in changes:
        assignment.colleagues.set(colleagues)
    if changes:
        _log_responsibility_change(assignment, by, changes)
    return assignment


@transaction.atomic
def save_assignment(
    assignment: Assignment | None = None,
    *,
    by: User,
    colleagues=(),
    new_manager_name: str = "",
    new_manager_email: str = "",
    **fields,
) -> Assignment:
    """Register (`assignment` None) or change an assignment as the form gives it: with a new
    ordering manager, typed in by name and e-mail, when none was chosen."""
    if fields.get("manager") is None:
        fields["manager"] = get_or_create_manager(
            name=new_manager_name, email=new_manager_email, organisation=fields["organisation"]
        )
    if assignment is None:
        return create_assignment(by=by, colleagues=colleagues, **fields)
    return update_assignment(assignment, by=by, colleagues=colleagues, **fields)


@transaction.atomic
def close_assignment(
    assignment: Assignment,
    *,
    by: User,
    outcome: str,
    closed_on: date,
    hires: int | None = None,
    candidate_name: str = "",
    candidate_email: str = "",
    candidate_start: date | None = None,
    invoiced_on: date | None = None,
    invoiced_amount: Decimal | None = None,
    close_reason: str = "",
) -> Assignment:
    """Close an assignment with its outcome; a hire records the candidate (kept only for the surveys),
    a closing without a hire may say why (close_reason, counted in the omtag follow-up)."""
    if not can_edit_assignment(by, assignment):
        raise PermissionDenied(_("Du har inte behörighet att avsluta uppdraget."))
    if assignment.is_closed:
        raise ValidationError(_("Uppdraget är redan avslutat."))
    errors = {}
    if outcome not in Assignment.Outcome.values:
        errors["outcome"] = _("Välj ett utfall.")
    if closed_on > timezone.localdate():
        errors["closed_on"] = _("Avslutsdatum kan inte ligga i framtiden.")
    if invoiced_amount is not None and invoiced_on is None:
        errors["invoiced_on"] = _("Ange fakturadatum när du anger fakturerat belopp.")
    if outcome == Assignment.Outcome.TILLSATT:
        if not candidate_start:
            errors["candidate_start"] = _("Ange tillträdesdatum för den tillsatta kandidaten.")
        if candidate_name.strip() and not candidate_email.strip():
            errors["candidate_email"] = _("Ange kandidatens e-post för kandidatenkäten.")
        if hires is None:
            hires = 1
    else:
        candidate_name, candidate_email, candidate_start = "", "", None
        hires = 0 if hires is None else hires
    if close_reason and close_reason not in Assignment.CloseReason.values:
        errors["close_reason"] = _("Välj ett av skälen i listan.")
    elif close_reason and outcome == Assignment.Outcome.TILLSATT:
        errors["close_reason"] = _("Ett skäl anges bara när ingen tillsattes.")
    assignment.status = Assignment.Status.AVSLUTAD
    assignment.outcome = outcome
    assignment.close_reason = close_reason if close_reason in Assignment.CloseReason.values else ""
    assignment.closed_on = closed_on
    assignment.hires = hires
    assignment.candidate_name = candidate_name.strip()
    assignment.candidate_email = candidate_email.strip().lower()
    assignment.candidate_start = candidate_start
    if invoiced_on is not None:
        assignment.invoiced_on = invoiced_on
        if invoiced_amount is None:
            invoiced_amount = assignment.default_invoice_amount(hourly_rate(assignment.year))
    if invoiced_amount is not None:
        assignment.invoiced_amount = invoiced_amount
    if assignment.started_on is None:
        assignment.started_on = assignment.ordered_on
    # The closing's own checks and the assignment's rules, all said at once. On refusal the
    # instance holds the refused closing: the caller reloads it.
    try:
        assignment.full_clean()
    except ValidationError as refused:
        errors = {**refused.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    assignment._history_user = by
    assignment.save()
    assignment_closed.send(sender=Assignment, assignment=assignment, by=by)
    return assignment


# How far ahead time may be logged, and the most hours one day holds: the time rules that depend on
# today or on a user's other entries, said here once for the pages, the week grid and the API.
TIME_DAYS_AHEAD = 7
ABSENCE_DAYS_AHEAD = 366
DAY_MAX_HOURS = Decimal("24")


def day_name(day: date) -> str:
    """`Måndag 7 december`."""
    return capfirst(date_format(day, "l j F"))


def time_date_problem(day: date, category: TimeCategory | None = None) -> str | None:
    """Time is logged when it is done, a week ahead at most; absence (semester, ledighet) may be
    entered up to a year ahead, so the load's coming weeks know of it."""
    if category is not None and category.is_absence:
        if day > timezone.localdate() + timedelta(days=ABSENCE_DAYS_AHEAD):
            return _(
                "%(day)s ligger mer än ett år fram i tiden. Planerad frånvaro läggs in högst ett år framåt."
            ) % {"day": capfirst(date_format(day, "l j F Y"))}
        return None
    if day > timezone.localdate() + timedelta(days=TIME_DAYS_AHEAD):
        return _("%(day)s ligger mer än %(days)s dagar fram i tiden. Rapportera tiden när den är gjord.") % {
            "day": day_name(day),
            "days": TIME_DAYS_AHEAD,
        }
    return None


def day_hours_problem(day: date, total: Decimal) -> str | None:
    if total > DAY_MAX_HOURS:
        return _("%(day)s får %(hours)s sammanlagt, men en dag har högst %(max)s timmar.") % {
            "day": day_name(day),
            "hours": format_hours(total),
            "max": format_number(DAY_MAX_HOURS),
        }
    return None


def _check_time_entry(entry: TimeEntry) -> None:
    """The entry's own rules (full_clean), its date and its day's total, all said at once."""
    errors = {}
    try:
        entry.full_clean()
    except ValidationError as refused:
        errors = refused.message_dict
    if entry.date and "date" not in errors:
        problem = time_date_problem(entry.date, entry.category)
        if problem:
            errors["date"] = [problem]
    if entry.date and entry.hours is not None and "hours" not in errors:
        others = TimeEntry.objects.filter(user_id=entry.user_id, date=entry.date).exclude(pk=entry.pk)
        problem = day_hours_problem(entry.date, hours_total(others) + entry.hours)
        if problem:
            errors["hours"] = [problem]
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class WeekCell:
    """One changed cell of the week grid: the hours of an assignment or category on a day.

    `hours` None means the cell was emptied (its entry goes). `key` is the caller's name for the
    cell; the errors of save_week are keyed by it.
    """

    key: str
    date: date
    hours: Decimal | None
    assignment: Assignment | None = None
    category: TimeCategory | None = None

    @property
    def slot(self):
        return (
            self.assignment.pk if self.assignment else None,
            self.category.pk if self.category else None,
            self.date,
        )


@transaction.atomic
def save_week(*, user: User, by: User | None = None, cells: list[WeekCell]) -> dict[str, int]:
    """Save the changed cells of a week grid in one go: an emptied cell deletes its entry, a new value
    creates or changes one. Every cell is checked (the entry's own rules, how far ahead, each day's
    total with the user's other hours) before anything is written; refused, nothing is saved and the
    ValidationError is keyed by the cells' keys. A cell holding more than one entry is not changed here
    (the list of entries changes those one by one).

    A fixed number of queries however many cells: the day's entries are read once, locked, and written
    back in bulk, with their history. Returns how many entries were created, changed and deleted.
    """
    by = by or user
    if by != user and not by.is_admin:
        raise PermissionDenied(_("Du kan bara rapportera din egen tid."))
    for assignment in {cell.assignment for cell in cells if cell.assignment is not None}:
        if not can_log_time_on(user, assignment):
            raise PermissionDenied(
                _("Du kan bara rapportera tid på uppdrag som du arbetar i (%(number)s).")
                % {"number": assignment.number}
            )
    days = {cell.date for cell in cells}
    stored = list(TimeEntry.objects.select_for_update().filter(user=user, date__in=days).order_by("id"))
    by_slot = {}
    for entry in stored:
        by_slot.setdefault((entry.assignment_id, entry.category_id, entry.date), []).append(entry)
    errors, created, changed, deleted = {}, [], [], []
    for cell in cells:
        found = by_slot.get(cell.slot, [])
        if len(found) > 1:
            errors[cell.key] = [_("Rutan har flera tidrapporter; ändra dem en och en i listan.")]
            continue
        entry = found[0] if found else None
        if cell.hours is None:
            if entry is not None:
                deleted.append(entry)
            continue
        if entry is not None and entry.hours == cell.hours:
            continue
        if entry is None:
            entry = TimeEntry(user=user, date=cell.date, assignment=cell.assignment, category=cell.category)
            created.append(entry)
        else:
            changed.append(entry)
        entry.hours = cell.hours
        problems = []
        try:
            # The references were chosen from the grid's own rows: no need to look each one up again.
            entry.clean_fields(exclude=["user", "assignment", "category"])
            entry.clean()
        except ValidationError as refused:
            problems.extend(message for messages in refused.message_dict.values() for message in messages)
        problem = time_date_problem(cell.date, cell.category)
        if problem:
            problems.append(problem)
        if problems:
            errors[cell.key] = problems
    # Each day's total as it would be saved.
    gone = {entry.pk for entry in deleted}
    totals = {}
    for entry in [*stored, *created]:
        if entry.pk is None or entry.pk not in gone:
            totals[entry.date] = totals.get(entry.date, ZERO) + entry.hours
    for cell in cells:
        problem = day_hours_problem(cell.date, totals.get(cell.date, ZERO))
        if problem and cell.hours is not None and cell.key not in errors:
            errors[cell.key] = [problem]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if created:
        TimeEntry.objects.bulk_create(created)
    if changed:
        TimeEntry.objects.bulk_update(changed, ["hours"])
    if deleted:
        # A plain DELETE: simple-history would write each entry's history with a query of its own;
        # the history rows are written below, in one go with the others. Nothing refers to a TimeEntry.
        TimeEntry.objects.filter(pk__in=gone)._raw_delete(TimeEntry.objects.db)
    History = TimeEntry.history.model
    history = [
        History(
            history_date=now,
            history_user=by,
            history_change_reason="",
            history_type=kind,
            **{field.attname: getattr(entry, field.attname) for field in History.tracked_fields},
        )
        for kind, entries in (("+", created), ("~", changed), ("-", deleted))
        for entry in entries
    ]
    if history:
        History.objects.bulk_create(history)
    return {"created": len(created), "changed": len(changed), "deleted": len(deleted)}


@transaction.atomic
def log_time(
    *,
    user: User,
    by: User | None = None,
    date: date,
    hours: Decimal,
    assignment=None,
    category=None,
    comment: str = "",
) -> TimeEntry:
    by = by or user
    if by != user and not by.is_admin:
        raise PermissionDenied(_("Du kan bara rapportera din egen tid."))
    if assignment is not None and not can_log_time_on(user, assignment):
        raise PermissionDenied(_("Du kan bara rapportera tid på uppdrag som du arbetar i."))
    entry = TimeEntry(
        user=user, date=date, hours=hours, assignment=assignment, category=category, comment=comment
    )
    _check_time_entry(entry)
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def update_time_entry(entry: TimeEntry, *, by: User, **fields) -> TimeEntry:
    if entry.user_id != by.pk and not by.is_admin:
        raise PermissionDenied(_("Du kan bara ändra din egen tid."))
    for name, value in fields.items():
        setattr(entry, name, value)
    if entry.assignment is not None and not can_log_time_on(entry.user, entry.assignment):
        raise PermissionDenied(_("Du kan bara rapportera tid på uppdrag som du arbetar i."))
    _check_time_entry(entry)
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def delete_time_entry(entry: TimeEntry, *, by: User) -> None:
    if entry.user_id != by.pk and not by.is_admin:
        raise PermissionDenied(_("Du kan bara ta bort din egen tid."))
    entry._history_user = by
    entry.delete()


@transaction.atomic
def save_filter(*, user: User, name: str, query: str) -> SavedFilter:
    """Save the assignment list's filter (a query string) under a name of the user's own."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Ge filtret ett namn.")})
    if not query:
        raise ValidationError(
            {"query": _("Det finns inget filter att spara: välj något att filtrera på och tryck Filtrera.")}
        )
    # Lock the user's row: two saves at once neither pass the limit nor collide on the name.
    User.objects.select_for_update().filter(pk=user.pk).first()
    mine = SavedFilter.objects.filter(user=user)
    if mine.filter(name__iexact=name).exists():
        message = _("Du har redan ett sparat filter som heter ”%(name)s”. Välj ett annat namn.")
        raise ValidationError({"name": message % {"name": name}})
    if mine.count() >= SavedFilter.MAX_PER_USER:
        raise ValidationError(
            {
                "name": _("Du kan ha högst %(max)s sparade filter. Ta bort ett först.")
                % {"max": SavedFilter.MAX_PER_USER}
            }
        )
    return SavedFilter.objects.create(user=user, name=name, query=query)


@transaction.atomic
def delete_filter(saved: SavedFilter, *, by: User) -> None:
    if saved.user_id != by.pk:
        raise PermissionDenied(_("Du kan bara ta bort dina egna sparade filter."))
    saved.delete()


@transaction.atomic
def save_package(package: Package | None = None, *, by: User | None = None, **fields) -> Package:
    """Create or change a package of a price list; Package.clean says what the list refuses."""
    package = package or Package()
    for name, value in fields.items():
        setattr(package, name, value)
    package.full_clean()
    package._history_user = by
    package.save()
    return package


def save_register_entry(entry, *, by: User | None = None):
    """Save an organisation, manager, sector, time category or user as its form checked it."""
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def save_capacity(user: User, *, weekly_hours: Decimal, assignment_share: Decimal, by: User | None = None):
    """Set a consultant's working hours per week and share for assignments (the load reads them).

    A consultant without a row has the defaults; a row is written (with its history) only when
    the values change, so saving a user form untouched leaves no trace.
    """
    capacity = ConsultantCapacity.objects.select_for_update().filter(user=user).first()
    current = (
        (capacity.weekly_hours, capacity.assignment_share)
        if capacity
        else (DEFAULT_WEEKLY_HOURS, DEFAULT_ASSIGNMENT_SHARE)
    )
    if (weekly_hours, assignment_share) == current:
        return capacity
    capacity = capacity or ConsultantCapacity(user=user)
    capacity.weekly_hours, capacity.assignment_share = weekly_hours, assignment_share
    capacity.full_clean()
    capacity._history_user = by
    capacity.save()
    return capacity


@transaction.atomic
def save_competence(
    user: User,
    *,
    package_codes,
    manager_certified: bool,
    test_certified: bool,
    known_sectors,
    known_organisations,
    areas,
    wishes: str = "",
    by: User | None = None,
) -> ConsultantCompetence:
    """Set a consultant's line in the competence map (kompetenskarta).

    One history record per save that changes something (the many-to-many fields are set with
    history off, then the row is saved once with them all), none for an unchanged save.
    """
    from .competence import COMPETENCE_ROLES, package_names

    errors = {}
    if not user.is_active or user.role not in COMPETENCE_ROLES:
        errors["user"] = _(
            "Kompetenskartan gäller aktiva rekryteringskonsulter och samordnare, inte %(name)s."
        ) % {"name": user}
    codes = sorted({str(code).strip() for code in package_codes if str(code).strip()})
    names = package_names()
    unknown = [code for code in codes if code not in names]
    if unknown:
        errors["package_codes"] = _("Paketkoden %(codes)s finns inte i någon prislista.") % {
            "codes": ", ".join(unknown)
        }
    areas = list(areas)
    not_districts = [str(o) for o in areas if o.kind != Organisation.Kind.SDF]
    if not_districts:
        names = ", ".join(not_districts)
        errors["areas"] = _("%(names)s är inte en stadsdelsförvaltning.") % {"names": names}
    wishes = (wishes or "").strip()
    if len(wishes) > 1000:
        count = len(wishes)
        errors["wishes"] = _("Önskemålen får vara högst 1 000 tecken (nu %(count)s).") % {"count": count}
    if errors:
        raise ValidationError(errors)

    competence = ConsultantCompetence.objects.select_for_update().filter(user=user).first()
    known_sectors, known_organisations = list(known_sectors), list(known_organisations)
    wanted = {
        "package_codes": codes,
        "manager_certified": bool(manager_certified),
        "test_certified": bool(test_certified),
        "wishes": wishes,
    }
    wanted_sets = {
        "known_sectors": {s.pk for s in known_sectors},
        "known_organisations": {o.pk for o in known_organisations},
        "areas": {o.pk for o in areas},
    }
    if competence is not None:
        current = {name: getattr(competence, name) for name in wanted}
        current_sets = {name: {o.pk for o in getattr(competence, name).all()} for name in wanted_sets}
        if current == wanted and current_sets == wanted_sets:
            return competence
    competence = competence or ConsultantCompetence(user=user)
    for name, value in wanted.items():
        setattr(competence, name, value)
    competence.full_clean(exclude=["user"])
    competence.skip_history_when_saving = True
    try:
        competence.save()
        competence.known_sectors.set(known_sectors)
        competence.known_organisations.set(known_organisations)
        competence.areas.set(areas)
    finally:
        del competence.skip_history_when_saving
    competence._history_user = by
    competence.save()
    return competence


def delete_register_entry(entry) -> None:
    """Delete a sector or time category; one in use is refused (make it inactive instead)."""
    try:
        entry.delete()
    except ProtectedError:
        raise ValidationError(
            _("%(name)s används och kan inte tas bort. Gör den inaktiv i stället.") % {"name": entry}
        ) from None


@transaction.atomic
def start_import(*, upload, by: User) -> ImportJob:
    """Store the upload as an import job; the worker checks and imports it after commit."""
    from .tasks import run_import

    job = ImportJob.objects.create(file=upload, original_name=upload.name[:255], created_by=by)
    enqueue_on_commit(run_import, job.pk)
    return job


@transaction.atomic
def confirm_import(job: ImportJob, *, by: User) -> ImportJob:
    """Import again the file of a job that stopped only for confirmations (look-alike names,
    price lists made from the file), with what that job listed confirmed: a new job, so the first
    keeps what it found and the second who confirmed it. The first job's copy of the file goes.

    Raises ValidationError when the job awaits no confirmation (already confirmed, or not so)."""
    from .tasks import run_import

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.awaits_confirmation:
        raise ValidationError(
            _("Importen väntar inte på någon bekräftelse. Ladda upp filen igen om du vill importera den.")
        )
    with job.file.open("rb") as handle:
        data = handle.read()
    confirmed = ImportJob(original_name=job.original_name, created_by=by, confirmed=job.confirmation)
    confirmed.file.save(job.original_name, ContentFile(data), save=False)
    confirmed.save()
    ImportJob.objects.filter(pk=job.pk).update(file="")
    storage, name = job.file.storage, job.file.name
    transaction.on_commit(lambda: storage.delete(name))
    enqueue_on_commit(run_import, confirmed.pk)
    return confirmed


# Steps a raised price is rounded to: whole kronor, tens, hundreds.
PRICE_STEPS = (1, 10, 100)
MAX_PRICE = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT


@dataclass(frozen=True)
class PriceChange:
    """One package of a price list being copied: its price now and in the new year's list."""

    package: Package
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


def raised_price(price: Decimal, *, percent: Decimal, step: int = 1) -> Decimal:
    """`price` raised by `percent` and rounded (half up) to a multiple of `step` kronor.

    A raise of 0 % keeps the price as it is (an hourly rate of 850,50 kr is not rounded away).
    """
    if step not in PRICE_STEPS:
        raise ValueError(f"step must be one of {PRICE_STEPS}")
    if not percent:
        return price
    raised = price * (Decimal(100) + percent) / Decimal(100)
    return ((raised / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(CENT)


def _check_copy_target(to_year: int) -> None:
    if PriceList.objects.filter(year=to_year).exists():
        raise ValidationError(
            _(
                "Det finns redan en prislista för %(year)s. Ändra priserna i den, "
                "eller välj ett annat år att kopiera till."
            )
            % {"year": to_year},
            code="exists",
        )


def price_list_copy_preview(
    *, from_year: int, to_year: int, percent: Decimal = ZERO, step: int = 1
) -> list[PriceChange]:
    """Each package of `from_year` with its price in the copy; saves nothing.

    Raises PriceList.DoesNotExist for an unknown `from_year`, ValidationError when `to_year`
    already has a list or a raised price would not fit the price column.
    """
    source = PriceList.objects.get(year=from_year)
    _check_copy_target(to_year)
    changes = [
        PriceChange(package, package.price, raised_price(package.price, percent=percent, step=step))
        for package in source.packages.order_by("name")
    ]
    too_high = [change.package.name for change in changes if change.new > MAX_PRICE]
    if too_high:
        raise ValidationError(
            _("Höjningen gör priset för stort för %(names)s.") % {"names": ", ".join(too_high)},
            code="too_high",
        )
    too_low = [change.package.name for change in changes if change.new < ZERO]
    if too_low:
        raise ValidationError(
            _("Sänkningen gör priset negativt för %(names)s.") % {"names": ", ".join(too_low)},
            code="too_low",
        )
    return changes


@transaction.atomic
def copy_price_list(
    *, from_year: int, to_year: int, percent: Decimal = ZERO, step: int = 1, by: User | None = None
) -> PriceList:
    """Copy a year's packages to a new year's list, prices raised by `percent` and rounded to
    `step` kronor (see `price_list_copy_preview`, which shows the same prices before saving)."""
    changes = price_list_copy_preview(from_year=from_year, to_year=to_year, percent=percent, step=step)
    target = PriceList(year=to_year)
    target._history_user = by
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:  # another admin saved that year's list a moment ago
        _check_copy_target(to_year)
        raise
    for change in changes:
        package = change.package
        package.pk = None
        package.id = None
        package._state.adding = True
        package.price_list = target
        package.price = change.new
        package._history_user = by
        package.save()
    return target


@transaction.atomic
def save_budget(
    *,
    year: int,
    ftes: Decimal,
    revenue: Decimal,
    costs: Decimal,
    planned_counts: dict[int, Decimal],
    by: User,
) -> Budget:
    """Create or update a year's budget and its volume plan (package id → planned count)."""
    if not by.is_admin:
        raise PermissionDenied(_("Bara administratörer ändrar budgeten."))
    budget = Budget.objects.filter(year=year).first() or Budget(year=year)
    budget.ftes, budget.revenue, budget.costs = ftes, revenue, costs
    budget.full_clean()
    budget._history_user = by
    budget.save()
    existing = {line.package_id: line for line in budget.lines.all()}
    for package_id, count in planned_counts.items():
        line = existing.pop(package_id, None)
        if not count:
            if line is not None:
                line._history_user = by
                line.delete()
            continue
        if line is None:
            line = BudgetLine(budget=budget, package_id=package_id)
        if line.pk and line.planned_count == count:
            continue
        line.planned_count = count
        line._history_user = by
        line.save()
    return budget


# --- API keys --------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User) -> Token:
    """A new API key for the user, replacing the old one (one key each): the caller shows it once."""
    revoked = Token.objects.filter(user=user).delete()[0]
    token = Token.objects.create(user=user)
    audit.log_api_token("created", user=user, replaced=bool(revoked), expires=api_token_expires_at(token))
    return token


@transaction.atomic
def revoke_api_token(*, user: User) -> bool:
    """Delete the user's API key; False when there was none."""
    deleted = Token.objects.filter(user=user).delete()[0] > 0
    if deleted:
        audit.log_api_token("revoked", user=user)
    return deleted


# --- Tidplan: standard schedules per package and each assignment's own -----------------------

# How far after the order a step may be planned: a tidplan runs weeks or months, and a date
# decades ahead (a typo) would spread the assignment's hours over the decades in the load.
TIDPLAN_HORIZON_DAYS = 366
CLOSED_TIDPLAN = gettext_lazy("Uppdraget är avslutat: dess tidplan kan inte längre ändras.")


@transaction.atomic
def save_standard_schedule(package_code: str, days: dict[str, int | None], *, by: User | None = None) -> int:
    """Set a package code's standard schedule: `days` maps each step (Step value) to the calendar
    days after the step before it, None for a step the package does not have. Steps dropped are
    deleted, changed ones saved (each with its history). Returns the number of steps it has.
    Only the admin changes them (`by` None: a command or the set-up)."""
    if by is not None and not by.is_admin:
        raise PermissionDenied(_("Bara administratören ändrar standardtidplanerna."))
    unknown = set(days) - set(STEP_ORDER)
    if unknown:
        raise ValidationError(_("Okänt steg: %(steps)s.") % {"steps": ", ".join(sorted(unknown))})
    rows = StandardScheduleStep.objects.select_for_update().filter(package_code=package_code)
    current = {row.step: row for row in rows}
    kept = 0
    try:
        with transaction.atomic():
            for step, value in days.items():
                row = current.get(step)
                if value is None:
                    if row is not None:
                        row._history_user = by
                        row.delete()
                    continue
                kept += 1
                if row is not None and row.days == value:
                    continue
                row = row or StandardScheduleStep(package_code=package_code, step=step)
                row.days = value
                row.full_clean(validate_unique=False)
                row._history_user = by
                row.save()
    except IntegrityError as error:  # the same new schedule saved twice at once
        raise ValidationError(
            _("Standardtidplanen sparades samtidigt av någon annan. Ladda om sidan och försök igen.")
        ) from error
    return kept


# What each change of a tidplan says in its steps' history (the assignment page's Historik).
TIDPLAN_MADE = "Tidplan gjord"
TIDPLAN_CHANGED = "Tidplan ändrad"
TIDPLAN_MOVED = "Tidplan flyttad med beställningsdatumet"


def _lock(assignment: Assignment) -> Assignment:
    """The assignment's row locked, so that two changes of its tidplan come one after the other."""
    return Assignment.objects.select_for_update().only("id", "status", "ordered_on").get(pk=assignment.pk)


@transaction.atomic
def apply_standard_schedule(assignment: Assignment, *, by: User | None = None) -> int:
    """Give an open assignment without a tidplan its package's standard schedule, counted from the
    order date; returns the number of steps made (0 when it has one, or the package has none)."""
    if _lock(assignment).is_closed:
        raise ValidationError(CLOSED_TIDPLAN)
    if assignment.steps.exists():
        return 0
    steps = [
        AssignmentStep(assignment=assignment, step=step, position=STEP_ORDER[step], planned_on=day)
        for step, _label, day in standard_schedule_dates(assignment.package.code, assignment.ordered_on)
    ]
    bulk_create_with_history(steps, AssignmentStep, default_user=by, default_change_reason=TIDPLAN_MADE)
    return len(steps)


def move_tidplan(assignment: Assignment, *, old_ordered_on: date, by: User | None = None) -> int:
    """The order date was corrected: an open tidplan none of whose steps is done yet moves with it,
    every planned date by as many days. One with a step done stays (it follows the work, not the
    order). Returns the days it moved (negative: earlier), 0 when it did not."""
    days = (assignment.ordered_on - old_ordered_on).days
    steps = list(AssignmentStep.objects.filter(assignment=assignment))
    if not days or not steps or assignment.is_closed or any(step.done_on for step in steps):
        return 0
    for step in steps:
        step.planned_on += timedelta(days=days)
    bulk_update_with_history(
        steps, AssignmentStep, ["planned_on"], default_user=by, default_change_reason=TIDPLAN_MOVED
    )
    return days


@dataclass
class TidplanRow:
    step: str
    planned_on: date | None
    done_on: date | None


def _tidplan_errors(row: TidplanRow, ordered_on: date, today: date) -> dict[str, str]:
    values = {"step": Step(row.step).label, "date": ordered_on.isoformat()}
    errors = {}
    if row.planned_on and row.planned_on < ordered_on:
        errors["planned"] = _(
            "Planerat datum för steget %(step)s kan inte vara före beställningsdatum (%(date)s)."
        )
    elif row.planned_on and row.planned_on > ordered_on + timedelta(days=TIDPLAN_HORIZON_DAYS):
        errors["planned"] = _(
            "Planerat datum för steget %(step)s kan inte ligga mer än ett år efter beställningsdatum "
            "(%(date)s)."
        )
    if row.done_on and row.done_on > today:
        errors["done"] = _("Klart-datum för steget %(step)s kan inte ligga i framtiden.")
    elif row.done_on and row.done_on < ordered_on:
        errors["done"] = _("Klart-datum för steget %(step)s kan inte vara före beställningsdatum (%(date)s).")
    return {f"{row.step}_{field}": message % values for field, message in errors.items()}


@transaction.atomic
def save_tidplan(
    assignment: Assignment, rows: list[TidplanRow], *, by: User, today: date | None = None
) -> int:
    """Adjust an open assignment's tidplan as the form gives it: a step with a planned date is kept
    or added, one without is removed; a step may be marked done (not in the future). The steps the
    change touches must lie from the order date to a year after it (a step left as it was is not
    checked again: the order date may have moved since). Refuses the whole change, with one message
    per date, when one does not; returns the number of steps that changed."""
    if not can_edit_assignment(by, assignment):
        raise PermissionDenied(_("Du har inte behörighet att ändra uppdraget."))
    locked = _lock(assignment)
    if locked.is_closed:
        raise ValidationError(CLOSED_TIDPLAN)
    today = today or timezone.localdate()
    current = {s.step: s for s in AssignmentStep.objects.filter(assignment=assignment)}
    changes, errors = [], {}
    for row in rows:
        if row.done_on and not row.planned_on:
            row.planned_on = row.done_on
        step = current.get(row.step)
        if step is None and row.planned_on is None:
            continue
        if step is not None and (step.planned_on, step.done_on) == (row.planned_on, row.done_on):
            continue
        changes.append((row, step))
        errors |= _tidplan_errors(row, locked.ordered_on, today)
    if errors:
        raise ValidationError(errors)
    for row, step in changes:
        if row.planned_on is None:
            step._history_user, step._change_reason = by, TIDPLAN_CHANGED
            step.delete()
            continue
        step = step or AssignmentStep(assignment=assignment, step=row.step)
        step.planned_on, step.done_on = row.planned_on, row.done_on
        step._history_user, step._change_reason = by, TIDPLAN_CHANGED
        step.save()
    return len(changes)
