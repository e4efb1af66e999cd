"""Time reporting: my week as a grid of hours, one entry with a comment, edit and delete."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekrytering.inputs import parse_id
from rekrytering.numbers import format_hours
from rekrytering.redirects import next_url, safe_next
from rekrytering.web import apply_service_errors

from .. import selectors, services
from ..forms import TimeEntryForm, WeekGridForm
from ..permissions import can_log_time_on


def _week_start(request):
    raw = request.GET.get("vecka", "")
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        messages.warning(request, _("Okänt datum %(value)s; visar innevarande vecka.") % {"value": raw[:20]})
        day = timezone.localdate()
    return selectors.week_bounds(day)


def _week_url(day, also=None):
    url = f"{reverse('time-week')}?vecka={day.isoformat()}"
    return f"{url}&uppdrag={also}" if also else url


def _grid(request, monday, sunday, also, data=None):
    """The week grid's form: the user's rows for the week, with `also` (an assignment id) when they
    may log time on it."""
    assignments = list(selectors.week_grid_assignments(request.user, monday, sunday, also=also))
    if also is not None:
        refused = [a for a in assignments if a.pk == also and not can_log_time_on(request.user, a)]
        for assignment in refused:
            assignments.remove(assignment)
            if data is None:
                messages.info(
                    request,
                    _("Du kan bara rapportera tid på uppdrag som du arbetar i (%(number)s).")
                    % {"number": assignment.number},
                )
    return WeekGridForm(
        data,
        monday=monday,
        assignments=assignments,
        categories=selectors.week_grid_categories(request.user, monday, sunday),
        entries=list(selectors.time_entries_between(request.user, monday, sunday)),
    )


def _render_week(request, grid, monday, sunday, also):
    today = timezone.localdate()
    entries = grid.entries
    if also is not None:
        # Opened from an assignment: the cursor waits in its row, on today (or the week's Monday).
        focus = f"a{also}_{(today if monday <= today <= sunday else monday):%Y%m%d}"
        if focus in grid.fields:
            grid.fields[focus].widget.attrs["autofocus"] = True
    rows = grid.bound_rows()
    groups = [
        (label, [row for row in rows if bool(row["assignment"]) == on_assignment])
        for label, on_assignment in ((_("Uppdrag"), True), (_("Tid utanför uppdrag"), False))
    ]
    return render(
        request,
        "assignments/time_week.html",
        {
            "nav": "time",
            "grid": grid,
            "groups": [group for group in groups if group[1]],
            "days": grid.days,
            "today": today,
            "also": also,
            "entries": entries,
            "week_total": sum((e.hours for e in entries), 0),
            "day_totals": [(day, sum((e.hours for e in entries if e.date == day), 0)) for day in grid.days],
            "monday": monday,
            "sunday": sunday,
            "week_number": monday.isocalendar().week,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "days_ahead": services.TIME_DAYS_AHEAD,
        },
    )


@login_required
def week(request):
    """My week: the grid of hours per assignment and category and day, and the week's entries."""
    monday, sunday = _week_start(request)
    also = parse_id(request.GET.get("uppdrag"))
    return _render_week(request, _grid(request, monday, sunday, also), monday, sunday, also)


@login_required
@require_POST
def week_save(request):
    """Save the week grid: every changed cell at once, or nothing with the errors on the grid."""
    try:
        day = date.fromisoformat(request.POST.get("vecka", ""))
    except ValueError:
        messages.error(request, _("Veckan saknas eller är fel; inget sparades."))
        return redirect("time-week")
    monday, sunday = selectors.week_bounds(day)
    also = parse_id(request.POST.get("uppdrag"))
    grid = _grid(request, monday, sunday, also, data=request.POST)
    if grid.is_valid():
        changed = grid.changed_cells()
        try:
            saved = services.save_week(user=request.user, cells=changed)
        except ValidationError as error:
            apply_service_errors(grid, error)
        except PermissionDenied as error:
            grid.add_error(None, str(error))
        else:
            if not changed:
                messages.info(
                    request, _("Inget ändrades vecka %(week)s.") % {"week": monday.isocalendar().week}
                )
            else:
                messages.success(
                    request,
                    _(
                        "Vecka %(week)s är sparad. Nya tidrapporter: %(created)s, ändrade: %(changed)s, "
                        "borttagna: %(deleted)s."
                    )
                    % {"week": monday.isocalendar().week, **saved},
                )
            return redirect(_week_url(monday, also))
    return _render_week(request, grid, monday, sunday, also)


@login_required
def entry_create(request):
    initial = {"assignment": parse_id(request.GET.get("uppdrag"))}
    form = TimeEntryForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.log_time(
                user=request.user,
                date=data["date"],
                hours=data["hours"],
                assignment=data["assignment"],
                category=data["category"],
                comment=data["comment"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("assignment", str(error))
        else:
            messages.success(
                request,
                _("%(hours)s rapporterade %(date)s.")
                % {"hours": format_hours(entry.hours), "date": entry.date.isoformat()},
            )
            return redirect(next_url(request, _week_url(entry.date)))
    return render(
        request, "assignments/time_form.html", {"nav": "time", "form": form, "next": safe_next(request) or ""}
    )


@login_required
def entry_edit(request, pk):
    entry = get_object_or_404(selectors.time_entries(), pk=pk)
    if entry.user_id != request.user.pk and not request.user.is_admin:
        raise PermissionDenied(_("Du kan bara ändra din egen tid."))
    form = TimeEntryForm(request.POST or None, instance=entry, user=entry.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_time_entry(
                entry,
                by=request.user,
                **{k: form.cleaned_data[k] for k in ("date", "hours", "assignment", "category", "comment")},
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("assignment", str(error))
        else:
            messages.success(request, _("Tidrapporten är ändrad."))
            return redirect(_week_url(entry.date))
    return render(request, "assignments/time_form.html", {"nav": "time", "form": form, "entry": entry})


@login_required
@require_POST
def entry_delete(request, pk):
    entry = get_object_or_404(selectors.time_entries(), pk=pk)
    day = entry.date
    services.delete_time_entry(entry, by=request.user)
    messages.success(request, _("Tidrapporten är borttagen."))
    return redirect(next_url(request, _week_url(day)))
