"""Survey pages for staff: results, follow-ups, an assignment's invitations and questionnaires.

Thin: forms (surveys.forms) read the input, services change state, selectors read it."""

import dataclasses
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assignments.models import Assignment
from assignments.permissions import can_edit_assignment, manages_survey_sends
from rekrytering import charts as rekrytering_charts
from rekrytering.access import admin_required, head_required
from rekrytering.inputs import parse_id
from rekrytering.numbers import format_number
from rekrytering.periods import default_period, period
from rekrytering.redirects import next_url
from rekrytering.web import apply_service_errors

from .. import charts as survey_charts
from .. import metrics, selectors, services
from ..forms import (
    CopyQuestionnaireForm,
    FollowUpNoteForm,
    PostponeForm,
    ResendForm,
    ResponseImportForm,
    ResultsForm,
    question_formset,
)
from ..importing import import_responses
from ..models import Answer, FollowUp, Invitation, InvitationChange, Kind, Questionnaire
from ..services import survey_url, token_for

COMMENT_LIMIT = 30

# --- Results -------------------------------------------------------------------------------


def _results_context(request):
    default = default_period(timezone.localdate())
    data = request.GET.copy()
    data.setdefault("year", str(default.year))
    data.setdefault("period", default.code)
    form = ResultsForm(data, user=request.user)
    flt = selectors.ResultFilter()
    chosen = default
    if form.is_valid():
        chosen = period(form.cleaned_data["year"], form.cleaned_data["period"])
        cd = form.cleaned_data
        flt = selectors.ResultFilter(
            unit=cd["unit"].pk if cd.get("unit") else None,
            consultant=cd["consultant"].pk if cd.get("consultant") else None,
            organisation=cd["organisation"].pk if cd.get("organisation") else None,
            sector=cd["sector"].pk if cd.get("sector") else None,
            package=cd.get("package") or "",
        )
    if not request.user.is_head:
        flt = dataclasses.replace(flt, consultant=request.user.pk, unit=None)
    kinds = (
        [Kind.KUND, Kind.KANDIDAT, Kind.MATCHNING, Kind.UTBILDNING] if request.user.is_head else [Kind.KUND]
    )
    # Last year's headline figures only, as the page compares those.
    results, previous = selectors.results_page(chosen, kinds, flt)
    return {
        "charts": _results_charts(results, chosen, flt),
        "nav": "surveys",
        "form": form,
        "period": chosen,
        "filter": flt,
        "results": results,
        "previous": previous,
        "comments": selectors.comments(chosen, kinds, flt, limit=COMMENT_LIMIT),
        "comment_limit": COMMENT_LIMIT,
        "min_group": settings.SURVEY_MIN_GROUP,
        "own_only": not request.user.is_head,
    }


def _chart(table):
    """A chart for templates/includes/chart.html: the table, its SVG and its cells as text."""
    if table is None:
        return None

    def text(value):
        if value is None:
            return "–"
        return value if isinstance(value, str) else format_number(value)

    rows = [
        [(column, text(value)) for column, value in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]
    return {"table": table, "svg": rekrytering_charts.render(table), "rows": rows}


def _results_charts(results, chosen, flt) -> dict:
    """kind → its charts: share satisfied per question and, for the customer survey, NPS per year
    up to the chosen year with the published results before the system's own (one query)."""
    found = {}
    for result in results:
        if result.hidden:
            continue
        charts = {"satisfied": _chart(survey_charts.satisfied_by_question(result, f"nojda-{result.kind}"))}
        if result.kind == Kind.KUND:
            history = selectors.year_over_year(Kind.KUND, flt, chosen.year, keys=[metrics.NPS_KEY])
            charts["nps"] = _chart(survey_charts.nps_by_year(history, "nps-ar"))
        found[result.kind] = charts
    return found


@login_required
def results(request):
    return render(request, "surveys/results.html", _results_context(request))


@login_required
def comparison(request):
    kind = request.GET.get("enkat", Kind.KUND)
    if kind not in Kind.values or (kind != Kind.KUND and not request.user.is_head):
        kind = Kind.KUND
    flt = selectors.ResultFilter(consultant=None if request.user.is_head else request.user.pk)
    table = selectors.year_over_year(kind, flt, timezone.localdate().year)
    nps_chart = _chart(survey_charts.nps_by_year(table, "nps-ar")) if kind == Kind.KUND else None
    return render(
        request,
        "surveys/comparison.html",
        {
            "nav": "surveys",
            "kind": kind,
            "kind_label": Kind(kind).label,
            "table": table,
            "nps_chart": nps_chart,
            "kinds": Kind.choices if request.user.is_head else [(Kind.KUND, Kind.KUND.label)],
            "own_only": not request.user.is_head,
        },
    )


@login_required
@require_POST
def toggle_quote(request, pk):
    answer = get_object_or_404(Answer, pk=pk)
    try:
        services.keep_quote(answer, by=request.user, keep=request.POST.get("keep") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Citatet är sparat.") if answer.is_quote else _("Citatet är borttaget."))
    return redirect(next_url(request, "survey-results"))


# --- Follow-ups ------------------------------------------------------------------------------


@head_required
def follow_up_list(request):
    show_done = request.GET.get("visa") == "alla"
    items = selectors.follow_ups(open_only=not show_done)
    return render(
        request,
        "surveys/follow_up_list.html",
        {
            "nav": "surveys",
            "items": items,
            "today": timezone.localdate(),
            "show_done": show_done,
            "dissatisfied_max": metrics.DISSATISFIED_MAX,
            "detractor_max": metrics.DETRACTOR_MAX,
            "follow_up_days": settings.SURVEY_FOLLOW_UP_DAYS,
        },
    )


@head_required
def follow_up_detail(request, pk):
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("assignment", "assigned_to", "response__questionnaire"), pk=pk
    )
    form = FollowUpNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_follow_up(follow_up, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Uppföljningen är uppdaterad."))
            return redirect("follow-up-detail", pk=pk)
    return render(
        request,
        "surveys/follow_up_detail.html",
        {
            "nav": "surveys",
            "item": follow_up,
            "form": form,
            "answers": selectors.answers_with_questions(follow_up.response),
            "today": timezone.localdate(),
            "notes": selectors.follow_up_notes(follow_up),
        },
    )


# --- An assignment's invitations ------------------------------------------------------------


NOT_MANAGER = _("Bara samordnare, chef och administratör ändrar enkätutskick.")


def _change_invitation(request, invitation):
    """Carry out the posted change; a refusal is shown as a message on the assignment page."""
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "cancel":
            services.cancel_invitation(invitation, by=request.user, reason=reason)
            messages.success(request, _("Utskicket är avbrutet."))
        elif action == "postpone":
            form = PostponeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Ange ett giltigt datum."))
            send_at = timezone.make_aware(datetime.combine(form.cleaned_data["send_at"], datetime.min.time()))
            services.postpone_invitation(
                invitation,
                by=request.user,
                send_at=send_at.replace(hour=9),
                reason=reason,
            )
            messages.success(request, _("Utskicket är flyttat."))
        elif action == "resend":
            form = ResendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Ange en giltig e-postadress."))
            services.resend_invitation(
                invitation,
                by=request.user,
                email=form.cleaned_data["email"],
                reason=reason,
            )
            messages.success(request, _("Enkäten skickas på nytt till %(email)s.") % form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


@login_required
def assignment_invitations(request, pk):
    """The pending and sent invitations of an assignment and the changes made to them (loaded into
    the assignment page). Those on the assignment see the addresses; only those who manage survey
    sends change them."""
    assignment = get_object_or_404(Assignment, pk=pk)
    can_edit = can_edit_assignment(request.user, assignment)
    can_change = manages_survey_sends(request.user)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(NOT_MANAGER)
        invitation = get_object_or_404(
            Invitation, pk=parse_id(request.POST.get("invitation")), assignment=assignment
        )
        _change_invitation(request, invitation)
        return redirect(assignment.get_absolute_url() + "#utskick")
    invitations = list(selectors.invitations_of(assignment))
    shared_links = {i.pk: survey_url(token_for(i)) for i in invitations if i.shared and can_edit}
    template = (
        "surveys/_assignment_invitations.html" if request.htmx else "surveys/assignment_invitations_page.html"
    )
    return render(
        request,
        template,
        {
            "assignment": assignment,
            "invitations": invitations,
            "can_edit": can_edit,
            "can_change": can_change,
            "show_actions": can_change or bool(shared_links),
            "shared_links": shared_links,
            "changes": selectors.invitation_changes(assignment),
            "reason_max": InvitationChange.REASON_MAX,
        },
    )


# --- Questionnaires -------------------------------------------------------------------------


@login_required
def questionnaire_list(request):
    return render(
        request,
        "surveys/questionnaire_list.html",
        {"nav": "surveys", "versions": selectors.questionnaire_versions()},
    )


@login_required
def questionnaire_detail(request, pk):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    editable = request.user.is_admin
    has_answers = selectors.has_answers(questionnaire)
    formset = question_formset(questionnaire, request.POST or None)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Bara administratörer ändrar enkäter."))
        if "copy" in request.POST:
            return _copy_questionnaire(request, questionnaire)
        if formset.is_valid():
            try:
                services.save_questions(
                    questionnaire,
                    changed=[
                        form.save(commit=False)
                        for form in formset.forms
                        if form not in formset.deleted_forms and (form.has_changed() or form.instance.pk)
                    ],
                    deleted=[form.instance for form in formset.deleted_forms if form.instance.pk],
                    by=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Frågorna är sparade."))
                return redirect("questionnaire-detail", pk=pk)
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "nav": "surveys",
            "questionnaire": questionnaire,
            "formset": formset,
            "editable": editable and not has_answers,
            "can_copy": editable,
            "has_answers": has_answers,
            "next_year": questionnaire.year + 1,
        },
    )


def _copy_questionnaire(request, questionnaire):
    form = CopyQuestionnaireForm(request.POST)
    if form.is_valid():
        try:
            copy = services.copy_questionnaire(
                questionnaire, to_year=form.cleaned_data["to_year"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Enkäten är kopierad till %(year)s.") % {"year": copy.year})
            return redirect("questionnaire-detail", pk=copy.pk)
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("questionnaire-detail", pk=questionnaire.pk)


# --- Import of earlier responses ----------------------------------------------------------


@admin_required
def response_import(request):
    form = ResponseImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_responses(file=upload, filename=upload.name)
        if not result.errors:
            messages.success(request, _("%(count)s svar importerades.") % {"count": result.created})
            return redirect("survey-results")
    return render(request, "surveys/response_import.html", {"nav": "surveys", "form": form, "result": result})
