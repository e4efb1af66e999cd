"""Who may do what in the register. Pages and the API share these rules.

Everyone logged in reads all assignments; a konsult edits the assignments they are on;
samordnare, chef and admin edit all; only admin edits price lists, users and budgets.

Whom an assignment's customer surveys count for is steered by two things: its responsible
consultant (and colleagues) and the survey invitations' recipients. Only samordnare, chef and admin
change either on an existing assignment, so no one steers their own results.
"""

from rest_framework import permissions


def is_on_assignment(user, assignment) -> bool:
    if assignment.responsible_id == user.pk:
        return True
    # Use the prefetch cache when there is one.
    return any(c.pk == user.pk for c in assignment.colleagues.all())


def can_edit_assignment(user, assignment) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.edits_all_assignments or is_on_assignment(user, assignment)


def can_change_responsibility(user) -> bool:
    """Who may change who is on an existing assignment (the rule: services.check_responsibility)."""
    return user.is_authenticated and user.is_active and user.edits_all_assignments


def manages_survey_sends(user) -> bool:
    """Who may change a survey invitation: its recipient, its date, or cancel it (always with a reason)."""
    return user.is_authenticated and user.is_active and user.edits_all_assignments


def can_log_time_on(user, assignment) -> bool:
    return can_edit_assignment(user, assignment)


class AssignmentPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_edit_assignment(request.user, obj)


class TimeEntryPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return obj.user_id == request.user.pk or request.user.is_admin


def sees_everyones_load(user) -> bool:
    """Samordnare, chef and admin see every consultant's load (they hand out the assignments); a
    konsult sees their own and the department's totals, never a colleague's."""
    return user.is_authenticated and user.is_active and user.edits_all_assignments
