"""Time reporting: my week, quick entry, edit and delete."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekrytering.numbers import format_hours
from rekrytering.redirects import next_url, safe_next
from rekrytering.web import apply_service_errors

from .. import selectors, services
from ..forms import TimeEntryForm


def _week_start(request):
    raw = request.GET.get("vecka", "")
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        messages.warning(request, _("Okänt datum %(value)s; visar innevarande vecka.") % {"value": raw[:20]})
        day = timezone.localdate()
    return selectors.week_bounds(day)


def _week_url(day):
    return f"{reverse('time-week')}?vecka={day.isoformat()}"


@login_required
def week(request):
    monday, sunday = _week_start(request)
    entries = list(selectors.time_entries_between(request.user, monday, sunday))
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_entries = [e for e in entries if e.date == day]
        days.append({"date": day, "entries": day_entries, "total": sum((e.hours for e in day_entries), 0)})
    form = TimeEntryForm(user=request.user, initial={"date": max(min(timezone.localdate(), sunday), monday)})
    return render(
        request,
        "assignments/time_week.html",
        {
            "nav": "time",
            "days": days,
            "week_total": sum((e.hours for e in entries), 0),
            "monday": monday,
            "sunday": sunday,
            "week_number": monday.isocalendar().week,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "form": form,
        },
    )


@login_required
def entry_create(request):
    form = TimeEntryForm(request.POST or None, user=request.user)
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
