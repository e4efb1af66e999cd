"""The public survey pages: no login, Swedish, accessible, and a link is used only by a POST."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from .. import services
from ..models import Question


def _survey_rate(group, request):
    return settings.SURVEY_RATE_LIMIT


def rate_limited(view):
    """At most SURVEY_RATE_LIMIT requests per IP address to the survey pages (django-ratelimit)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_ratelimited(
            request, group="survey-pages", key="ip", rate=_survey_rate, method=ALL, increment=True
        ):
            response = render(request, "surveys/public/rate_limited.html", status=429)
            response["Retry-After"] = "60"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def unavailable(request):
    return render(request, "surveys/public/unavailable.html", status=404)


# No CSRF token: the link's secret token is the only authority here, so a forged cross-site post
# would need it anyway, and with `Referrer-Policy: no-referrer` browsers send `Origin: null`, which
# Django's CSRF check refuses.
@login_not_required
@csrf_exempt
@rate_limited
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    if request.method == "POST":
        response, errors = services.submit_response(token, request.POST)
        if response is not None:
            return redirect("survey-thanks")
        if "__all__" in errors:
            return unavailable(request)
        invitation = services.find_open_invitation(token)
        if invitation is None:
            return unavailable(request)
        return _form(request, invitation, errors=errors, data=request.POST, status=400)
    # GET and HEAD only show the form: mail scanners open links before people do.
    invitation = services.find_open_invitation(token)
    if invitation is None:
        return unavailable(request)
    return _form(request, invitation)


def _form(request, invitation, *, errors=None, data=None, status=200):
    errors = errors or {}
    data = data or {}
    questions = []
    for question in services.questions_for(invitation):
        value = (data.get(question.key) or "").strip()
        questions.append(
            {
                "q": question,
                "value": value,
                "error": errors.get(question.key),
                "choices": _choices(question, value),
                "depends_on": question.condition_key
                if question.condition == Question.Condition.ANSWER_YES
                else "",
            }
        )
    return render(
        request,
        "surveys/public/answer.html",
        {
            "questionnaire": invitation.questionnaire,
            "questions": questions,
            "errors": [(item["q"], item["error"]) for item in questions if item["error"]],
        },
        status=status,
    )


YES_NO = (("ja", "Ja"), ("nej", "Nej"))


def _choices(question, value: str) -> list[dict]:
    """A question's radio buttons (none for a text): worked out here, not in the template, since
    they are most of the page (a scale is ten or eleven of them) and the template is slower at it."""
    if question.type == Question.Type.TEXT:
        return []
    if question.type == Question.Type.YESNO:
        options = YES_NO
    else:
        options = [(str(number), str(number)) for number in question.scale]
    required = not question.optional
    return [
        {
            "id": f"id_{question.key}_{option}",
            "value": option,
            "label": label,
            "checked": option == value,
            # One required radio button makes the group required (HTML).
            "required": required and n == 0,
        }
        for n, (option, label) in enumerate(options)
    ]


@login_not_required
def thanks(request):
    return render(request, "surveys/public/thanks.html")


@login_not_required
def accessibility(request):
    return render(request, "surveys/public/accessibility.html")
