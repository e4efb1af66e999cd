"""The competence map (kompetenskarta): every staff member reads it, the admin edits a consultant's line."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rekrytering.access import admin_required
from rekrytering.web import apply_service_errors

from .. import services
from ..competence import (
    COMPETENCE_ROLES,
    EXPERIENCE_TOP,
    competence_history,
    competence_map,
    package_choices,
)
from ..forms import CompetenceForm
from ..models import ConsultantCompetence, Sector, User


def _consultant(pk):
    user = get_object_or_404(User, pk=pk, is_active=True)
    if user.role not in COMPETENCE_ROLES:
        raise Http404(_("Kompetenskartan gäller rekryteringskonsulter och samordnare."))
    return user


@login_required
def competence_map_view(request):
    packages = package_choices()
    package_code = request.GET.get("paket", "")
    if package_code not in dict(packages):
        package_code = ""
    manager_only = request.GET.get("niva") == "chef"
    sectors = list(Sector.objects.filter(active=True))
    sector = next((s for s in sectors if str(s.pk) == request.GET.get("verksamhet", "")), None)
    rows = competence_map(package_code=package_code, manager_only=manager_only, sector=sector)
    return render(
        request,
        "assignments/competence_map.html",
        {
            "nav": "settings",
            "rows": rows,
            "packages": packages,
            "sectors": sectors,
            "package_code": package_code,
            "manager_only": manager_only,
            "sector": sector,
            "filtered": bool(package_code or manager_only or sector),
        },
    )


@login_required
def competence_detail(request, pk):
    user = _consultant(pk)
    row = next(iter(competence_map(user_ids=[user.pk])), None)
    return render(
        request,
        "assignments/competence_detail.html",
        {
            "nav": "settings",
            "consultant": user,
            "row": row,
            "top": EXPERIENCE_TOP,
            "history": competence_history(row.competence if row else None),
        },
    )


@admin_required
def competence_edit(request, pk):
    user = _consultant(pk)
    competence = ConsultantCompetence.objects.filter(user=user).first()
    form = CompetenceForm(
        request.POST or None,
        initial=CompetenceForm.initial_for(competence),
        package_choices=package_choices(),
        competence=competence,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_competence(user, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Kompetensen för %(name)s är sparad.") % {"name": user})
            return redirect("competence-detail", user.pk)
    return render(
        request,
        "assignments/competence_form.html",
        {
            "nav": "settings",
            "consultant": user,
            "form": form,
            "history": competence_history(competence),
        },
    )
