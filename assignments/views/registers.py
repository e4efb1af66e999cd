"""The register pages: price lists, organisations and managers, sectors, time categories, users, budgets.

Everyone logged in reads price lists, organisations and sectors; only admins change them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rekrytering.access import admin_required
from rekrytering.web import apply_service_errors, querystring_without

from .. import selectors, services
from ..forms import (
    BudgetForm,
    CopyPriceListForm,
    ManagerForm,
    OrganisationForm,
    PackageForm,
    SectorForm,
    TimeCategoryForm,
    UserForm,
)
from ..models import Manager, Organisation, PriceList, Sector, TimeCategory, User


@login_required
def home(request):
    return render(request, "assignments/registers/home.html", {"nav": "settings"})


# --- Price lists ----------------------------------------------------------------------


@login_required
def pricelist_list(request):
    return render(
        request,
        "assignments/registers/pricelist_list.html",
        {"nav": "settings", "price_lists": selectors.price_lists()},
    )


@login_required
def pricelist_detail(request, year):
    price_list = get_object_or_404(PriceList, year=year)
    return render(
        request,
        "assignments/registers/pricelist_detail.html",
        {
            "nav": "settings",
            "price_list": price_list,
            "packages": selectors.packages_with_use(price_list),
            "history": selectors.package_history(price_list),
        },
    )


@admin_required
def pricelist_copy(request, year):
    """Copy a price list to another year with a raise: the preview (GET, nothing saved) lists each
    package's old and new price; the POST from it saves the new list."""
    source = get_object_or_404(PriceList, year=year)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = CopyPriceListForm(data, initial={"to_year": year + 1, "percent": 0, "step": 1})
    changes = None
    if form.is_bound and form.is_valid():
        options = {
            "from_year": year,
            "to_year": form.cleaned_data["to_year"],
            "percent": form.cleaned_data["percent"],
            "step": form.cleaned_data["step"],
        }
        try:
            if request.method == "POST":
                target = services.copy_price_list(**options, by=request.user)
            else:
                changes = services.price_list_copy_preview(**options)
        except ValidationError as error:
            form.add_error("percent" if error.code in ("too_high", "too_low") else "to_year", error)
        else:
            if request.method == "POST":
                messages.success(
                    request,
                    _("Prislistan för %(year)s är sparad, kopierad från %(source)s.")
                    % {"year": target.year, "source": year},
                )
                return redirect(target)
    if request.method == "POST" and form.errors:
        messages.error(request, _("Prislistan sparades inte. Rätta felen nedan."))
    return render(
        request,
        "assignments/registers/pricelist_copy.html",
        {"nav": "settings", "price_list": source, "form": form, "changes": changes},
    )


@admin_required
def package_edit(request, pk=None, year=None):
    package = get_object_or_404(selectors.packages(), pk=pk) if pk else None
    price_list = package.price_list if package else get_object_or_404(PriceList, year=year)
    form = PackageForm(request.POST or None, instance=package, price_list=price_list)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_package(form.instance, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Paketet %(name)s är sparat.") % {"name": saved.name})
            return redirect(price_list)
    return render(
        request,
        "assignments/registers/form.html",
        {
            "nav": "settings",
            "form": form,
            "title": package.name if package else _("Nytt paket %(year)s") % {"year": price_list.year},
            "back": price_list.get_absolute_url(),
        },
    )


# --- Organisations, managers, sectors, categories -----------------------------------------


@login_required
def organisation_list(request):
    search = request.GET.get("q", "").strip()
    return render(
        request,
        "assignments/registers/organisation_list.html",
        {
            "nav": "settings",
            "organisations": selectors.organisation_list(search),
            "q": search,
        },
    )


@admin_required
def organisation_edit(request, pk=None):
    organisation = get_object_or_404(Organisation, pk=pk) if pk else None
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        saved = services.save_register_entry(form.save(commit=False), by=request.user)
        messages.success(request, _("%(name)s är sparad.") % {"name": saved.name})
        return redirect("organisation-list")
    managers = selectors.organisation_managers(organisation) if organisation else []
    return render(
        request,
        "assignments/registers/organisation_form.html",
        {
            "nav": "settings",
            "form": form,
            "organisation": organisation,
            "managers": managers,
        },
    )


@admin_required
def manager_edit(request, pk):
    manager = get_object_or_404(Manager, pk=pk)
    form = ManagerForm(request.POST or None, instance=manager)
    if request.method == "POST" and form.is_valid():
        services.save_register_entry(form.save(commit=False), by=request.user)
        messages.success(request, _("Beställaren är sparad."))
        return redirect("organisation-edit", pk=manager.organisation_id)
    return render(
        request,
        "assignments/registers/form.html",
        {
            "nav": "settings",
            "form": form,
            "title": manager.name,
            "back": reverse("organisation-edit", args=[manager.organisation_id]),
        },
    )


def _simple_list(request, model, template_title, create_url, edit_url):
    return render(
        request,
        "assignments/registers/simple_list.html",
        {
            "nav": "settings",
            "items": selectors.by_name(model),
            "title": template_title,
            "create_url": create_url,
            "edit_url": edit_url,
        },
    )


def _simple_edit(request, model, form_class, pk, list_url, title_new):
    item = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST":
        if "delete" in request.POST and item is not None:
            try:
                services.delete_register_entry(item)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(request.path)
            messages.success(request, _("%(name)s är borttagen.") % {"name": item.name})
            return redirect(list_url)
        if form.is_valid():
            saved = services.save_register_entry(form.save(commit=False), by=request.user)
            messages.success(request, _("%(name)s är sparad.") % {"name": saved.name})
            return redirect(list_url)
    return render(
        request,
        "assignments/registers/form.html",
        {
            "nav": "settings",
            "form": form,
            "title": item.name if item else title_new,
            "back": reverse(list_url),
            "can_delete": item is not None,
        },
    )


@login_required
def sector_list(request):
    return _simple_list(request, Sector, _("Verksamheter"), "sector-create", "sector-edit")


@admin_required
def sector_edit(request, pk=None):
    return _simple_edit(request, Sector, SectorForm, pk, "sector-list", _("Ny verksamhet"))


@login_required
def category_list(request):
    return _simple_list(request, TimeCategory, _("Tidkategorier"), "category-create", "category-edit")


@admin_required
def category_edit(request, pk=None):
    return _simple_edit(request, TimeCategory, TimeCategoryForm, pk, "category-list", _("Ny tidkategori"))


@login_required
def unit_list(request):
    return render(
        request,
        "assignments/registers/unit_list.html",
        {
            "nav": "settings",
            "units": selectors.units_with_members(),
        },
    )


# --- Users --------------------------------------------------------------------------------


@admin_required
def user_list(request):
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.user_list(search), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assignments/registers/user_list.html",
        {
            "nav": "settings",
            "page_obj": page,
            "users": page.object_list,
            "q": search,
            "querystring_without_page": querystring_without(request, "page"),
        },
    )


@admin_required
def user_edit(request, pk=None):
    user = get_object_or_404(User, pk=pk) if pk else None
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = services.save_register_entry(form.save(commit=False), by=request.user)
            services.save_capacity(
                saved,
                weekly_hours=form.cleaned_data["weekly_hours"],
                assignment_share=form.cleaned_data["assignment_share"],
                by=request.user,
            )
        messages.success(request, _("Användaren %(name)s är sparad.") % {"name": saved.username})
        return redirect("user-list")
    return render(
        request,
        "assignments/registers/form.html",
        {
            "nav": "settings",
            "form": form,
            "title": str(user) if user else _("Ny användare"),
            "back": reverse("user-list"),
        },
    )


# --- Budgets ------------------------------------------------------------------------------


@login_required
def budget_list(request):
    if not request.user.is_head:
        raise PermissionDenied(_("Budgeten visas för chefer och administratörer."))
    budgets = [(b, b.volume_total) for b in selectors.budgets_with_volume()]
    return render(
        request,
        "assignments/registers/budget_list.html",
        {
            "nav": "settings",
            "budgets": budgets,
            "new_years": selectors.years_without_budget(b.year for b, _t in budgets),
        },
    )


@login_required
def budget_detail(request, year):
    if not request.user.is_head:
        raise PermissionDenied(_("Budgeten visas för chefer och administratörer."))
    budget = selectors.budget(year)
    packages = selectors.packages_of_year(year)
    if not packages and budget is None:
        messages.error(
            request, _("Det finns ingen prislista för %(year)s. Skapa den först.") % {"year": year}
        )
        return redirect("budget-list")
    form = BudgetForm(request.POST or None, instance=budget, packages=packages)
    if request.method == "POST":
        if not request.user.is_admin:
            raise PermissionDenied(_("Bara administratörer ändrar budgeten."))
        if form.is_valid():
            try:
                services.save_budget(
                    year=year,
                    by=request.user,
                    planned_counts=form.planned_counts(),
                    **{k: form.cleaned_data[k] for k in ("ftes", "revenue", "costs")},
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Budgeten för %(year)s är sparad.") % {"year": year})
                return redirect("budget-detail", year=year)
    volume_total = selectors.budget_volume_total(budget) if budget else 0
    return render(
        request,
        "assignments/registers/budget_detail.html",
        {
            "nav": "settings",
            "form": form,
            "budget": budget,
            "year": year,
            "volume_total": volume_total,
            "volume_gap": volume_total - budget.revenue if budget else None,
            "history": selectors.budget_history(budget) if budget else [],
            "readonly": not request.user.is_admin,
        },
    )


# --- Personal data --------------------------------------------------------------------------


@admin_required
def personal_data(request):
    """What personal data the system holds, per kind, with counts and ages, and the retention rules."""
    from django.conf import settings

    from rekrytering import privacy

    from ..tasks import purge_personal_data

    if request.method == "POST":
        purge_personal_data.delay()
        messages.success(
            request, _("Rensningen har startats. Ladda om sidan om en stund för att se resultatet.")
        )
        return redirect("personal-data")
    return render(
        request,
        "assignments/registers/personal_data.html",
        {
            "nav": "settings",
            "holdings": privacy.all_holdings(),
            "years": settings.RETENTION_ASSIGNMENT_YEARS,
            "candidate_days": settings.RETENTION_CANDIDATE_DAYS,
        },
    )
