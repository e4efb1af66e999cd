"""The public survey pages: no login, Swedish, accessible, and a link is used only by a POST.

A browser that answers through a link keeps a signed cookie with a keyed digest of the link's token
(never the token): opening the link again, or posting from a second tab, that browser alone is told
the survey is already answered. Anyone else holding a used link gets the same page as for an
expired or unknown one, and the server stores nothing that ties the cookie to a response.
"""

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from .. import services
from ..models import Kind, Question

ANSWERED_COOKIE_SALT = "surveys.answered-links"
ANSWERED_COOKIE_AGE = timedelta(days=90)
# The links a browser remembers answering (the most recent): each a 32-character digest.
ANSWERED_LINKS_KEPT = 20


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


# --- The browser's own memory of the links it answered -----------------------------------------


def answered_cookie_name() -> str:
    # Over HTTPS (production) the `__Secure-` prefix makes browsers refuse the cookie from plain
    # HTTP. Not `__Host-`, which would need the path `/`: this cookie goes to the survey pages only.
    return "__Secure-enkatsvar" if settings.SESSION_COOKIE_SECURE else "enkatsvar"


def _answered_digests(request) -> list[str]:
    """The digests of the links this browser answered through (none if the cookie is missing,
    altered or older than ANSWERED_COOKIE_AGE)."""
    value = request.get_signed_cookie(
        answered_cookie_name(),
        default="",
        salt=ANSWERED_COOKIE_SALT,
        max_age=ANSWERED_COOKIE_AGE.total_seconds(),
    )
    return [digest for digest in value.split("-") if digest]


def _answered_here(request, token: str) -> bool:
    if len(token) > 100:
        return False
    return services.answered_digest(token) in _answered_digests(request)


def _remember_answer(request, response, token: str) -> None:
    """Add the link to the browser's signed cookie: HttpOnly, SameSite=Lax, Secure in production,
    sent only to the survey pages."""
    digest = services.answered_digest(token)
    kept = [d for d in _answered_digests(request) if d != digest][-(ANSWERED_LINKS_KEPT - 1) :]
    response.set_signed_cookie(
        answered_cookie_name(),
        "-".join([*kept, digest]),
        salt=ANSWERED_COOKIE_SALT,
        max_age=int(ANSWERED_COOKIE_AGE.total_seconds()),
        path=settings.SURVEY_PATH_PREFIX,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _already_answered(request, *, not_saved: bool = False):
    """This browser answered the link: said only to it (the cookie), never from the database."""
    return render(
        request,
        "surveys/public/answered.html",
        {"not_saved": not_saved},
        status=409 if not_saved else 200,
    )


# --- The answer page -----------------------------------------------------------------------------


# No CSRF token: the link's secret token is the only authority here, so a forged cross-site post
# would need it anyway, and with `Referrer-Policy: no-referrer` browsers send `Origin: null`, which
# Django's CSRF check refuses.
@login_not_required
@csrf_exempt
@rate_limited
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    # Read before the database: a browser that answered needs no query to be told so.
    answered_here = _answered_here(request, token)
    if request.method == "POST":
        if answered_here:
            # A second tab (or a reload of the form) posting after the first answer was saved.
            return _already_answered(request, not_saved=True)
        response, errors = services.submit_response(token, request.POST)
        if response is not None:
            thanks = redirect("survey-thanks")
            if not response.link_stays_open:
                _remember_answer(request, thanks, token)
            return thanks
        if "__all__" in errors:
            return unavailable(request)
        invitation = services.find_open_invitation(token)
        if invitation is None:
            return unavailable(request)
        return _form(request, invitation, errors=errors, data=request.POST, status=400)
    if answered_here:
        return _already_answered(request)
    # GET and HEAD only show the form: mail scanners open links before people do.
    invitation = services.find_open_invitation(token)
    if invitation is None:
        return unavailable(request)
    return _form(request, invitation)


def _form(request, invitation, *, errors=None, data=None, status=200):
    errors = errors or {}
    data = data or {}
    questions = []
    for number, question in enumerate(services.questions_for(invitation), start=1):
        value = (data.get(question.key) or "").strip()
        questions.append(
            {
                "q": question,
                "number": number,
                "value": value,
                "error": errors.get(question.key),
                "choices": _choices(question, value),
                "depends_on": question.condition_key
                if question.condition == Question.Condition.ANSWER_YES
                else "",
            }
        )
    questionnaire = invitation.questionnaire
    return render(
        request,
        "surveys/public/answer.html",
        {
            "questionnaire": questionnaire,
            "recruitment": services.recruitment_of(invitation),
            "is_training": questionnaire.kind == Kind.UTBILDNING,
            "questions": questions,
            "answered": sum(1 for item in questions if item["value"]),
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
