"""The consultant's start page: my ongoing assignments with their next tidplan step, my hours this
week with quick entry."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from ..forms import TimeEntryForm
from ..selectors import daily_hours, hours_total, my_ongoing_assignments, time_entries_between, week_bounds


@login_required
def start(request):
    today = timezone.localdate()
    monday, sunday = week_bounds(today)
    entries = time_entries_between(request.user, monday, sunday)
    days = daily_hours(request.user, monday, sunday)
    assignments = my_ongoing_assignments(request.user, today)
    return render(
        request,
        "assignments/start.html",
        {
            "nav": "start",
            "assignments": assignments,
            "overdue_count": sum(a.next_step_overdue for a in assignments),
            "days": days,
            "week_total": hours_total(entries),
            "monday": monday,
            "sunday": sunday,
            "week_number": monday.isocalendar().week,
            "form": TimeEntryForm(user=request.user),
        },
    )
