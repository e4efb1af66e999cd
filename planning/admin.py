from django.contrib import admin

from .models import (
    Activity,
    Goal,
    GoalAssessment,
    Indicator,
    IndicatorOutcome,
    Plan,
    PlanImportJob,
    TertialLock,
)


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ("level", "number", "title", "parent", "order")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "unit", "status")
    inlines = [GoalInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "goal", "target_kind", "target_value", "target_unit", "measure")
    list_filter = ("goal__plan", "measure")


admin.site.register([Goal, Activity, IndicatorOutcome, GoalAssessment, TertialLock])


@admin.register(PlanImportJob)
class PlanImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "year", "unit", "created_by", "created_at", "state", "plan")
    readonly_fields = [f.name for f in PlanImportJob._meta.fields]
