from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Assignment,
    Budget,
    BudgetLine,
    ConsultantCapacity,
    ImportJob,
    Manager,
    Organisation,
    Package,
    PriceList,
    Sector,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
)


@admin.register(User)
class RekryteringUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "initials", "role", "unit", "is_active")
    list_filter = ("role", "unit", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Rekrytering", {"fields": ("role", "unit", "initials")}),)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class PackageInline(admin.TabularInline):
    model = Package
    extra = 0
    fields = ("code", "name", "price", "unit", "standard_hours", "is_hourly_rate", "active")


@admin.register(PriceList)
class PriceListAdmin(SimpleHistoryAdmin):
    inlines = [PackageInline]


@admin.register(Package)
class PackageAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "price_list", "price", "unit", "standard_hours", "is_hourly_rate")
    list_filter = ("price_list__year", "unit")
    search_fields = ("code", "name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


@admin.register(Manager)
class ManagerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "organisation")
    search_fields = ("name", "email")
    list_select_related = ("organisation",)


@admin.register(Sector, TimeCategory)
class NamedAdmin(admin.ModelAdmin):
    list_display = ("name", "active")


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("number", "role_title", "organisation", "package", "responsible", "status", "ordered_on")
    list_filter = ("status", "outcome", "package__price_list__year")
    search_fields = ("number", "role_title", "organisation__name")
    list_select_related = ("organisation", "package__price_list", "responsible")
    raw_id_fields = ("manager", "redo_of")
    filter_horizontal = ("colleagues",)


@admin.register(TimeEntry)
class TimeEntryAdmin(SimpleHistoryAdmin):
    list_display = ("date", "user", "hours", "assignment", "category")
    list_select_related = ("user", "assignment", "category")
    raw_id_fields = ("assignment",)
    date_hierarchy = "date"


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


@admin.register(Budget)
class BudgetAdmin(SimpleHistoryAdmin):
    inlines = [BudgetLineInline]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "created_by", "created_at", "state", "created", "updated", "unchanged")
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(ConsultantCapacity)
class ConsultantCapacityAdmin(SimpleHistoryAdmin):
    list_display = ("user", "weekly_hours", "assignment_share")
    search_fields = ("user__username", "user__first_name", "user__last_name")
