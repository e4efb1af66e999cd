from django import forms
from django.contrib import admin

from .models import (
    Activity,
    Goal,
    GoalAssessment,
    GoalReview,
    Indicator,
    IndicatorOutcome,
    Plan,
    PlanEvent,
    PlanImportJob,
    PlanReminder,
    TertialDeadline,
    TertialLock,
)
from .services import is_adopted, require_draft


def _plan_of(obj):
    if obj is None or isinstance(obj, Plan):
        return obj
    return obj.plan if isinstance(obj, Goal) else obj.goal.plan


class DraftOnlyForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        goal = data.get("goal")
        plan = data.get("plan") or (goal.plan if goal else None)
        if plan is not None:
            require_draft(plan)  # planning.services' rule, shown as the form's error
        return data


class DraftOnly:
    """Goals, indicators and activities of an adopted plan are read-only here too, as on the pages."""

    form = DraftOnlyForm

    def _open(self, obj):
        plan = _plan_of(obj)
        return plan is None or not is_adopted(plan)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._open(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._open(obj)


class GoalInline(DraftOnly, admin.TabularInline):
    model = Goal
    extra = 0
    fields = ("level", "number", "title", "parent", "order")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._open(obj)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "unit", "status")
    inlines = [GoalInline]


@admin.register(Indicator)
class IndicatorAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ("name", "goal", "target_kind", "target_value", "target_unit", "measure")
    list_filter = ("goal__plan", "measure")


@admin.register(Goal, Activity)
class PlanItemAdmin(DraftOnly, admin.ModelAdmin):
    pass


admin.site.register([IndicatorOutcome, GoalAssessment, TertialLock, TertialDeadline, GoalReview])


@admin.register(PlanEvent)
class PlanEventAdmin(admin.ModelAdmin):
    """The plan's history is what happened: read here, never rewritten."""

    list_display = ("at", "plan", "action", "tertial", "goal", "by")
    list_filter = ("action",)
    readonly_fields = [f.name for f in PlanEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlanReminder)
class PlanReminderAdmin(admin.ModelAdmin):
    list_display = ("created_at", "plan", "tertial", "user", "occasion", "status", "sent_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in PlanReminder._meta.fields]


@admin.register(PlanImportJob)
class PlanImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "year", "unit", "created_by", "created_at", "state", "plan")
    readonly_fields = [f.name for f in PlanImportJob._meta.fields]
