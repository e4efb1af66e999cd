"""The consultant's start page: my ongoing assignments with their next tidplan step, my hours this
week with quick entry."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from ..forms import TimeEntryForm
from ..models import Step
from ..selectors import daily_hours, hours_total, my_ongoing_assignments, time_entries_between, week_bounds


@login_required
def start(request):
    today = timezone.localdate()
    monday, sunday = week_bounds(today)
    entries = time_entries_between(request.user, monday, sunday)
    days = daily_hours(request.user, monday, sunday)
    assignments = list(my_ongoing_assignments(request.user))
    for assignment in assignments:  # the tidplan's next step, by its name, and whether it is late
        assignment.next_step_label = Step(assignment.next_step).label if assignment.next_step else ""
        assignment.next_step_overdue = bool(assignment.next_step_on and assignment.next_step_on < today)
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
