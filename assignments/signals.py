"""Signals other apps listen to; the core app never imports them back."""

from django.dispatch import Signal

# Sent inside the closing transaction with `assignment` and `by`. The surveys app schedules its
# invitations here, so a rollback of the close schedules nothing.
assignment_closed = Signal()

# Sent by selectors.assignment_history with `assignment` and `limit`. Each receiver returns a list
# of its app's events on the assignment, shaped as the history shows them (when, who, what,
# changes), e.g. the surveys app's changes to the assignment's invitations.
assignment_history_events = Signal()
