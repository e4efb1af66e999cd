from django.contrib import admin

from .models import MonthlyCost, TertialReport, YearOutcome


@admin.register(MonthlyCost)
class MonthlyCostAdmin(admin.ModelAdmin):
    list_display = ["year", "month", "amount"]
    list_filter = ["year"]


@admin.register(YearOutcome)
class YearOutcomeAdmin(admin.ModelAdmin):
    list_display = ["year", "ftes", "revenue", "costs"]


@admin.register(TertialReport)
class TertialReportAdmin(admin.ModelAdmin):
    list_display = ["year", "tertial", "status", "created_by", "created_at"]
    list_filter = ["state", "year"]
    readonly_fields = ["created_at", "finished_at", "error"]

    @admin.display(description="status", ordering="state")
    def status(self, report):
        return report.state_label
