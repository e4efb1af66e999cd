"""Signals other apps listen to; the core app never imports them back."""

from django.dispatch import Signal

# Sent inside the closing transaction with `assignment` and `by`. The surveys app schedules its
# invitations here, so a rollback of the close schedules nothing.
assignment_closed = Signal()
