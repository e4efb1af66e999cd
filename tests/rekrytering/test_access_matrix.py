"""Access control as a matrix: every URL and API endpoint × every role → the expected outcome.

`MATRIX` has one entry per URL name (with its route, so a second route under a known name is
noticed too); each entry lists the requests to try and what each role gets:

    ok           2xx, or a redirect that is not to a login page (a successful POST, the login page
                 sending a logged-in user to the start page, logout)
    login        302 to /accounts/login/?next=<the requested path> (LoginRequiredMiddleware)
    admin-login  302 to /django-admin/login/?next=... (the Django admin refuses a non-staff user;
                 its index sends anonymous users there too, through its own login_url)
    400          allowed, but the empty POST/PATCH body is invalid (the API, a survey form)
    401          the API without credentials: token auth comes first, so DRF answers 401
    403, 404     refused / not found
    405          the method is not offered (assignments are closed through the API, never deleted)

`test_every_route_has_an_entry` walks the root resolver and fails, listing the routes, when a URL is
added without an entry here (or an entry names a URL that no longer exists). Covered as groups:
everything under django-admin/ (cases for its index, its login page and one model page), DRF's
format-suffix twins of the API routes (`.json`; same view as the route without the suffix) and,
only when OIDC_ENABLED, the oidc/ callbacks (login_not_required by construction, not testable
without a provider).

The expectations were read from the decorators and permission classes and checked against
../shared/domain.md. Where the code looks questionable the table says what the code does and the
entry carries a `# QUESTION:` comment.
"""

import re
import sys
import types
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from assignments.models import ImportJob, SavedFilter, User
from planning.models import PlanImportJob
from reporting.models import TertialReport
from surveys.models import Answer, FollowUp, Invitation, Kind, Response
from surveys.questionnaires import seed_questionnaire
from surveys.services import _arm_token
from tests.factories import (
    AssignmentFactory,
    BudgetFactory,
    ManagerFactory,
    OrganisationFactory,
    PackageFactory,
    PriceListFactory,
    SectorFactory,
    TimeCategoryFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.planning.factories import ActivityFactory, GoalFactory, IndicatorFactory, PlanFactory

ANONYMOUS, KONSULT, SAMORDNARE, CHEF, ADMIN = "anonymous", "konsult", "samordnare", "chef", "admin"
ROLES = (ANONYMOUS, KONSULT, SAMORDNARE, CHEF, ADMIN)

OK, LOGIN, ADMIN_LOGIN = "ok", "login", "admin-login"
E400, E401, E403, E404, E405 = "400", "401", "403", "404", "405"
OUTCOMES = {OK, LOGIN, ADMIN_LOGIN, E400, E401, E403, E404, E405}

LOGIN_REDIRECT = "/accounts/login/?"
ADMIN_LOGIN_REDIRECT = "/django-admin/login/?"


def roles(anonymous, konsult, samordnare, chef, admin):
    return dict(zip(ROLES, (anonymous, konsult, samordnare, chef, admin), strict=True))


# The usual rows.
PUBLIC = roles(OK, OK, OK, OK, OK)
LOGGED_IN = roles(LOGIN, OK, OK, OK, OK)
HEADS = roles(LOGIN, E403, E403, OK, OK)  # chef and admin (head_required, user.is_head)
ADMINS = roles(LOGIN, E403, E403, E403, OK)  # admin_required, user.is_admin
OWN_ASSIGNMENT = LOGGED_IN  # the konsult is responsible: they may edit it
OTHERS_ASSIGNMENT = roles(LOGIN, E403, OK, OK, OK)  # edits_all_assignments
OWN_TIME = roles(LOGIN, OK, E403, E403, OK)  # the konsult's own time entry: owner and admin
# The API: anonymous gets 401 (TokenAuthentication first), then the permission classes decide.
API_READ = roles(E401, OK, OK, OK, OK)
API_EMPTY_BODY = roles(E401, E400, E400, E400, E400)  # allowed, the empty body is refused


# --- The objects the URLs point at ---------------------------------------------------------------


class World:
    """The objects the matrix's URLs need, each created on first use (so a test builds few)."""

    def __init__(self):
        self._users = {}

    def user(self, role):
        if role not in self._users:
            extra = {"is_staff": True, "is_superuser": True} if role == ADMIN else {}
            # password=None: an unusable password, no hashing; the tests use force_login.
            self._users[role] = UserFactory(
                username=f"matrix-{role}", initials=role[:3].upper(), role=role, password=None, **extra
            )
        return self._users[role]

    @cached_property
    def konsult(self):
        return self.user(KONSULT)

    @cached_property
    def other_konsult(self):
        return UserFactory(username="matrix-other", initials="OTH", role=User.Role.KONSULT, password=None)

    @cached_property
    def price_list(self):
        return PriceListFactory(year=2026)

    @cached_property
    def package(self):
        return PackageFactory(price_list=self.price_list)

    @cached_property
    def spare_package(self):
        """A package no assignment uses, so that deleting it is possible."""
        return PackageFactory(price_list=self.price_list, code="lilla", name="Lilla paketet", price=12000)

    @cached_property
    def organisation(self):
        return OrganisationFactory(name="Matrisförvaltningen")

    @cached_property
    def spare_organisation(self):
        return OrganisationFactory(name="Oanvända förvaltningen")

    @cached_property
    def manager(self):
        return ManagerFactory(email="bestallare@example.org", organisation=self.organisation)

    @cached_property
    def spare_manager(self):
        return ManagerFactory(email="oanvand@example.org", organisation=self.organisation)

    @cached_property
    def sector(self):
        return SectorFactory(name="Förskola")

    @cached_property
    def category(self):
        return TimeCategoryFactory(name="Intern tid")

    def _assignment(self, responsible):
        return AssignmentFactory(
            responsible=responsible,
            package=self.package,
            organisation=self.organisation,
            manager=self.manager,
            sector=self.sector,
        )

    @cached_property
    def own_assignment(self):
        """The konsult is responsible for it."""
        return self._assignment(self.konsult)

    @cached_property
    def other_assignment(self):
        """Someone else's: the konsult is not on it."""
        return self._assignment(self.other_konsult)

    @cached_property
    def time_entry(self):
        """The konsult's own hours on their assignment."""
        return TimeEntryFactory(user=self.konsult, assignment=self.own_assignment, date=date(2026, 3, 3))

    @cached_property
    def saved_filter(self):
        """The konsult's own saved filter of the assignment list."""
        return SavedFilter.objects.create(user=self.konsult, name="Mina öppna", query="visa=mina")

    @cached_property
    def budget(self):
        return BudgetFactory(year=2026)

    # Surveys

    @cached_property
    def questionnaire(self):
        return seed_questionnaire(Kind.KUND, 2026)

    def _invitation(self, assignment):
        now = timezone.now()
        invitation = Invitation(
            questionnaire=self.questionnaire,
            assignment=assignment,
            recipient_name=assignment.manager.name,
            email=assignment.manager.email,
            status=Invitation.Status.SENT,
            send_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=30),
        )
        token = _arm_token(invitation)
        invitation.save()
        return invitation, token

    @cached_property
    def own_invitation_and_token(self):
        return self._invitation(self.own_assignment)

    @property
    def own_invitation(self):
        return self.own_invitation_and_token[0]

    @property
    def survey_token(self):
        """A valid link: a sent, unexpired invitation's token."""
        return self.own_invitation_and_token[1]

    @cached_property
    def other_invitation(self):
        return self._invitation(self.other_assignment)[0]

    @cached_property
    def response(self):
        response = Response.objects.create(
            questionnaire=self.questionnaire,
            kind=Kind.KUND,
            answered_on=date(2026, 3, 10),
            assignment=self.own_assignment,
            consultant=self.konsult,
        )
        Answer.objects.create(response=response, question_key="helhet", type="scale", number=3)
        return response

    @cached_property
    def text_answer(self):
        return Answer.objects.create(
            response=self.response, question_key="kommentar", type="text", text="Vi saknade återkoppling."
        )

    @cached_property
    def follow_up(self):
        return FollowUp.objects.create(
            response=self.response,
            assignment=self.own_assignment,
            reasons=FollowUp.Reason.LOW_SCORE,
            assigned_to=self.user(CHEF),
            due_on=date(2026, 3, 24),
        )

    # The plan

    @cached_property
    def plan(self):
        return PlanFactory(year=2026)

    @cached_property
    def goal(self):
        return GoalFactory(plan=self.plan)

    @cached_property
    def own_goal(self):
        """A goal the konsult is responsible for."""
        return GoalFactory(plan=self.plan, responsible=self.konsult)

    @cached_property
    def indicator(self):
        return IndicatorFactory(goal=self.goal)

    @cached_property
    def activity(self):
        return ActivityFactory(goal=self.goal)

    # Files (MEDIA_ROOT is a temporary directory, see the fixture)

    @cached_property
    def report(self):
        return TertialReport.objects.create(
            year=2026,
            tertial=1,
            state=TertialReport.State.DONE,
            created_by=self.user(CHEF),
            file=ContentFile(b"PK\x03\x04 not really a workbook", name="tertialrapport-2026-T1.xlsx"),
            document=ContentFile(b"PK\x03\x04 not really a document", name="tertialrapport-2026-T1.docx"),
            finished_at=timezone.now(),
        )

    @cached_property
    def import_job(self):
        return ImportJob.objects.create(
            file=ContentFile(b"Uppdragsnummer;Kund\n", name="uppdrag.csv"),
            original_name="uppdrag.csv",
            created_by=self.user(ADMIN),
            state=ImportJob.State.DONE,
        )

    @cached_property
    def import_job_awaiting(self):
        """An import that stopped only for a confirmation: a look-alike name, a price list to make."""
        return ImportJob.objects.create(
            file=ContentFile(b"Uppdragsnummer;Kund\n", name="historik.csv"),
            original_name="historik.csv",
            created_by=self.user(ADMIN),
            state=ImportJob.State.FAILED,
            errors=[
                {"line": 2, "column": "Kund", "message": "menade du Kulturförvaltningen?", "confirm": "x"}
            ],
            error_count=1,
            confirmation={
                "names": [
                    {
                        "key": "organisation:kulturförvaltnngen",
                        "kind": "organisation",
                        "name": "Kulturförvaltnngen",
                        "similar_to": "Kulturförvaltningen",
                        "line": 2,
                        "email": "",
                        "organisation": "",
                    }
                ],
                "price_lists": [
                    {"year": 2019, "code": "stora", "package": "Stora paketet", "price": "24000"}
                ],
            },
        )

    @cached_property
    def plan_import_job(self):
        return PlanImportJob.objects.create(
            file=ContentFile(b"PK\x03\x04 not really a workbook", name="plan.xlsx"),
            original_name="plan.xlsx",
            created_by=self.user(ADMIN),
            year=2027,
            state=PlanImportJob.State.FAILED,
            errors=[{"sheet": "Mål", "line": 2, "column": "Nivå", "message": "fel nivå."}],
            error_count=1,
        )


# --- The table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    expect: dict
    method: str = "get"
    variant: str = ""
    args: object = ()  # a tuple, or a function of the World giving one
    url: object = None  # a path, or a function of the World giving one, instead of reverse()
    query: dict | None = None
    data: object = None  # a dict, or a function of the World giving one
    json: bool = False  # send `data` (default {}) as a JSON body

    @property
    def label(self):
        return self.variant or (self.method if self.method != "get" else "")


@dataclass(frozen=True)
class Entry:
    route: str
    cases: tuple


def entry(route, *cases):
    return Entry(route, cases)


def get(expect, **kwargs):
    return Case(expect, "get", **kwargs)


def post(expect, **kwargs):
    return Case(expect, "post", **kwargs)


def api(method, expect, **kwargs):
    return Case(expect, method, json=method in ("post", "put", "patch"), **kwargs)


def pk(name):
    return lambda world: (getattr(world, name).pk,)


YEAR = (2026,)

MATRIX = {
    # --- Accounts (Django's auth views) -------------------------------------------------------
    # Logged in, the login page sends one on to the start page (redirect_authenticated_user).
    "login": entry("accounts/login/", get(PUBLIC)),
    # POST only; logged in, it redirects to the login page without ?next=, which counts as ok.
    "logout": entry("accounts/logout/", post(LOGGED_IN)),
    "password_change": entry("accounts/password_change/", get(LOGGED_IN)),
    "password_change_done": entry("accounts/password_change/done/", get(LOGGED_IN)),
    "password_reset": entry("accounts/password_reset/", get(PUBLIC)),
    "password_reset_done": entry("accounts/password_reset/done/", get(PUBLIC)),
    # An unknown user and token: the page says the link is invalid (200), for anyone.
    "password_reset_confirm": entry(
        "accounts/reset/<uidb64>/<token>/", get(PUBLIC, args=("MTIzNDU", "set-password"))
    ),
    "password_reset_complete": entry("accounts/reset/done/", get(PUBLIC)),
    # One's own API key; a POST without an action changes nothing and redirects back.
    "api-token": entry("konto/api-nyckel/", get(LOGGED_IN), post(LOGGED_IN)),
    # --- The Django admin: one group; staff (the demo's admin) only -----------------------------
    "django-admin": entry(
        "django-admin/",
        # The admin's own views send even anonymous users to the admin's login page (its login_url).
        get(
            roles(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK),
            variant="index",
            url="/django-admin/",
        ),
        # Its login page is login_not_required; a logged-in staff user is sent on to the index.
        get(PUBLIC, variant="login", url="/django-admin/login/"),
        get(
            roles(LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK),
            variant="model",
            url="/django-admin/assignments/assignment/",
        ),
    ),
    # --- API documentation -----------------------------------------------------------------------
    # The schema answers like the API (401); its docs page sends a browser to the login page.
    "api-schema": entry("api/schema/", get(API_READ)),
    "api-docs": entry("api/docs/", get(LOGGED_IN)),
    # --- The API -------------------------------------------------------------------------------
    "api-report-summary": entry(
        "api/v1/reports/summary/",
        get(roles(E401, E403, E403, OK, OK), query={"year": 2026, "tertial": 1}),
    ),
    # Lead times: every staff member, a konsult (and samordnare) of their own assignments only.
    "api-lead-times": entry(
        "api/v1/reports/lead-times/",
        get(roles(E401, OK, OK, OK, OK), query={"year": 2026, "by": "level"}),
    ),
    "api-root": entry("api/v1/", get(API_READ)),
    # Everyone logged in reads the load (a konsult only their own row and the totals); a number of
    # weeks outside 1..26 is a 400 with a Swedish message.
    "api-load": entry(
        "api/v1/load/",
        get(API_READ, query={"weeks": 4}),
        get(roles(E401, E400, E400, E400, E400), variant="bad-weeks", query={"weeks": 27}),
        api("post", roles(E401, E405, E405, E405, E405)),
    ),
    # Everyone logged in gets the suggested consultants for a new assignment; a missing or bad
    # parameter is a 400 with a Swedish message.
    "api-assignment-suggestions": entry(
        "api/v1/assignments/suggestions/",
        get(
            API_READ,
            query=lambda w: {
                "package": w.package.code,
                "level": "chef",
                "organisation": w.organisation.pk,
                "needed_by": "2099-12-31",
            },
        ),
        get(roles(E401, E400, E400, E400, E400), variant="missing", query={"level": "chef"}),
        api("post", roles(E401, E405, E405, E405, E405)),
    ),
    # QUESTION (minor): an unknown API address answers 404 even without credentials, where a real
    # endpoint answers 401, so anonymous callers can tell which endpoints exist
    # (assignments/api/views.py:184-187 NotFoundView, permission_classes = [AllowAny]).
    "api-not-found": entry(
        r"api/v1/[\s\S]*/", get(roles(E404, E404, E404, E404, E404), url="/api/v1/finns-inte/")
    ),
    # Organisations and ordering managers are the admin's, through the API as on the register pages.
    "api-organisation-list": entry(
        "api/v1/organisations/",
        api("get", API_READ),
        api("post", roles(E401, E403, E403, E403, E400)),
    ),
    "api-organisation-detail": entry(
        "api/v1/organisations/<pk>/",
        api("get", API_READ, args=pk("organisation")),
        api("patch", roles(E401, E403, E403, E403, OK), args=pk("organisation")),
        api("delete", roles(E401, E403, E403, E403, OK), args=pk("spare_organisation")),
    ),
    # Anyone who registers assignments may add an ordering manager (POST), as the assignment form does.
    "api-manager-list": entry(
        "api/v1/managers/",
        api("get", API_READ),
        api("post", API_EMPTY_BODY),
    ),
    "api-manager-detail": entry(
        "api/v1/managers/<pk>/",
        api("get", API_READ, args=pk("manager")),
        api("patch", roles(E401, E403, E403, E403, OK), args=pk("manager")),
        api("delete", roles(E401, E403, E403, E403, OK), args=pk("spare_manager")),
    ),
    "api-package-list": entry(
        "api/v1/packages/",
        api("get", API_READ),
        api("post", roles(E401, E403, E403, E403, E400)),
    ),
    "api-package-detail": entry(
        "api/v1/packages/<pk>/",
        api("get", API_READ, args=pk("package")),
        api("patch", roles(E401, E403, E403, E403, OK), args=pk("package")),
        api("delete", roles(E401, E403, E403, E403, OK), args=pk("spare_package")),
    ),
    "api-assignment-list": entry(
        "api/v1/assignments/",
        api("get", API_READ),
        api("post", API_EMPTY_BODY),
    ),
    "api-assignment-detail": entry(
        "api/v1/assignments/<pk>/",
        api("get", API_READ, args=pk("other_assignment")),
        api("patch", API_READ, variant="patch-own", args=pk("own_assignment")),
        api("patch", roles(E401, E403, OK, OK, OK), variant="patch-other", args=pk("other_assignment")),
        # Assignments are closed, never deleted: 405 for everyone logged in.
        api("delete", roles(E401, E405, E405, E405, E405), args=pk("own_assignment")),
    ),
    "api-assignment-close": entry(
        "api/v1/assignments/<pk>/close/",
        api("post", API_EMPTY_BODY, variant="own", args=pk("own_assignment")),
        api("post", roles(E401, E403, E400, E400, E400), variant="other", args=pk("other_assignment")),
    ),
    # As on the pages, a konsult or samordnare sees only their own time (another's is 404); chef and
    # admin read all, the admin changes all.
    "api-time-entry-list": entry(
        "api/v1/time-entries/",
        api("get", API_READ),
        api("post", API_EMPTY_BODY),
    ),
    "api-time-entry-detail": entry(
        "api/v1/time-entries/<pk>/",
        api("get", roles(E401, OK, E404, OK, OK), args=pk("time_entry")),
        api("patch", roles(E401, OK, E404, E403, OK), args=pk("time_entry")),
        api("delete", roles(E401, OK, E404, E403, OK), args=pk("time_entry")),
    ),
    # --- Public survey pages (no account; rate-limited per IP) -----------------------------------
    "survey-thanks": entry("enkat/tack/", get(PUBLIC)),
    "survey-answer": entry(
        "enkat/<str:token>/",
        get(PUBLIC, variant="valid", args=lambda w: (w.survey_token,)),
        # The "link unusable" page, for anyone.
        get(roles(E404, E404, E404, E404, E404), variant="unknown", args=("inte-en-giltig-lank",)),
        # An empty answer to a valid link: the form again with the errors (400); no login needed.
        post(roles(E400, E400, E400, E400, E400), variant="post-valid", args=lambda w: (w.survey_token,)),
    ),
    "accessibility": entry("tillganglighet/", get(PUBLIC)),
    # --- Survey pages for staff ---------------------------------------------------------------
    # A konsult and a samordnare see their own results only (filtered in the view).
    "survey-results": entry("enkater/", get(LOGGED_IN)),
    "survey-comparison": entry("enkater/jamforelse/", get(LOGGED_IN)),
    # No check in the view; surveys.services.keep_quote raises PermissionDenied for non-heads.
    "survey-quote": entry("enkater/citat/<int:pk>/", post(HEADS, args=pk("text_answer"), data={"keep": "1"})),
    "follow-up-list": entry("enkater/uppfoljning/", get(HEADS)),
    "follow-up-detail": entry("enkater/uppfoljning/<int:pk>/", get(HEADS, args=pk("follow_up"))),
    "assignment-invitations": entry(
        "enkater/uppdrag/<int:pk>/",
        get(LOGGED_IN, args=pk("other_assignment")),
        # A POST without an action changes nothing and redirects; the check comes first. Only
        # samordnare, chef and admin change survey sends, even on the konsult's own assignment.
        post(
            OTHERS_ASSIGNMENT,
            variant="post-own",
            args=pk("own_assignment"),
            data=lambda w: {"invitation": w.own_invitation.pk},
        ),
        post(
            OTHERS_ASSIGNMENT,
            variant="post-other",
            args=pk("other_assignment"),
            data=lambda w: {"invitation": w.other_invitation.pk},
        ),
    ),
    "questionnaire-list": entry("enkater/formular/", get(LOGGED_IN)),
    "questionnaire-detail": entry(
        "enkater/formular/<int:pk>/",
        get(LOGGED_IN, args=pk("questionnaire")),
        post(ADMINS, args=pk("questionnaire")),
    ),
    "response-import": entry("enkater/import/", get(ADMINS)),
    # --- The plan -------------------------------------------------------------------------------
    "plan-list": entry("plan/", get(LOGGED_IN)),
    "plan-import": entry("plan/import/", get(ADMINS)),
    "plan-import-template": entry("plan/import/mall.xlsx", get(ADMINS)),
    "plan-import-detail": entry("plan/import/<int:pk>/", get(ADMINS, args=pk("plan_import_job"))),
    "plan-create": entry("plan/ny/", get(HEADS)),
    "plan-detail": entry("plan/<int:pk>/", get(LOGGED_IN, args=pk("plan"))),
    # QUESTION (minor): everyone logged in downloads the plan and (assignment-list-xlsx below) the
    # assignment register as Excel; domain.md lists "exports to Excel" under the administrator
    # (planning/views.py:273-274 export, assignments/views/assignments.py:60-61 assignment_list_xlsx:
    # only @login_required).
    "plan-export": entry("plan/<int:pk>/export.xlsx", get(LOGGED_IN, args=pk("plan"))),
    "plan-copy": entry("plan/<int:pk>/kopiera/", post(HEADS, args=pk("plan"))),
    "plan-status": entry("plan/<int:pk>/status/", post(HEADS, args=pk("plan"))),
    "plan-proposals": entry(
        "plan/<int:pk>/forslag/", get(HEADS, args=pk("plan")), post(HEADS, args=pk("plan"))
    ),
    "goal-create": entry("plan/<int:pk>/mal/ny/", get(HEADS, args=pk("plan"))),
    "goal-edit": entry("plan/<int:pk>/mal/<int:goal_pk>/", get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk))),
    "indicator-create": entry(
        "plan/<int:pk>/mal/<int:goal_pk>/indikator/ny/", get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk))
    ),
    "indicator-edit": entry(
        "plan/<int:pk>/mal/<int:goal_pk>/indikator/<int:indicator_pk>/",
        get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk, w.indicator.pk)),
    ),
    "activity-create": entry(
        "plan/<int:pk>/mal/<int:goal_pk>/aktivitet/ny/", get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk))
    ),
    "activity-edit": entry(
        "plan/<int:pk>/mal/<int:goal_pk>/aktivitet/<int:activity_pk>/",
        get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk, w.activity.pk)),
    ),
    "goal-responsibles": entry(
        "plan/<int:pk>/mal/<int:goal_pk>/ansvariga/", get(HEADS, args=lambda w: (w.plan.pk, w.goal.pk))
    ),
    # An empty form: the error is shown on the plan page (a redirect).
    "plan-deadlines": entry("plan/<int:pk>/tidsfrister/", post(HEADS, args=pk("plan"))),
    # Everyone reads the follow-up; each goal is saved on its own (goal-follow-up).
    "plan-follow-up": entry(
        "plan/<int:pk>/t<int:tertial>/",
        get(LOGGED_IN, args=lambda w: (w.indicator.goal.plan.pk, 1)),
        post(roles(LOGIN, E405, E405, E405, E405), args=lambda w: (w.indicator.goal.plan.pk, 1)),
    ),
    # A goal's follow-up: heads, and the goal's responsible (an empty form is shown with its error).
    "goal-follow-up": entry(
        "plan/<int:pk>/t<int:tertial>/mal/<int:goal_pk>/",
        post(HEADS, args=lambda w: (w.plan.pk, 1, w.goal.pk)),
        post(
            roles(LOGIN, OK, E403, OK, OK), variant="own goal", args=lambda w: (w.plan.pk, 1, w.own_goal.pk)
        ),
        get(roles(LOGIN, E405, E405, E405, E405), args=lambda w: (w.plan.pk, 1, w.goal.pk)),
    ),
    # Its review: the responsible marks it ready, heads approve and unlock (an empty form: a
    # message and a redirect back to the goal).
    "goal-review": entry(
        "plan/<int:pk>/t<int:tertial>/mal/<int:goal_pk>/granskning/",
        post(HEADS, args=lambda w: (w.plan.pk, 1, w.goal.pk)),
        post(
            roles(LOGIN, OK, E403, OK, OK), variant="own goal", args=lambda w: (w.plan.pk, 1, w.own_goal.pk)
        ),
    ),
    "plan-lock": entry("plan/<int:pk>/t<int:tertial>/las/", post(HEADS, args=lambda w: (w.plan.pk, 1))),
    # Unlocking needs a reason: an empty form is refused with a message (a redirect).
    "plan-unlock": entry("plan/<int:pk>/t<int:tertial>/las-upp/", post(HEADS, args=lambda w: (w.plan.pk, 1))),
    # --- Reporting ----------------------------------------------------------------------------
    # A konsult and a samordnare see their own slice (reporting/views.py _scope).
    "reporting-dashboard": entry("rapporter/", get(LOGGED_IN)),
    "economy-edit": entry("rapporter/ekonomi/<int:year>/", get(HEADS, args=YEAR)),
    "reporting-plan": entry("rapporter/plan/", get(LOGGED_IN)),
    # Everyone logged in; a konsult sees their own row and the department's totals.
    "reporting-load": entry(
        "belaggning/", get(LOGGED_IN), get(LOGGED_IN, variant="weeks", query={"veckor": 26})
    ),
    "report-list": entry("rapporter/tertialrapporter/", get(HEADS)),
    # An empty form: the error is shown on the list (a redirect), no report is built.
    "report-create": entry("rapporter/tertialrapporter/ny/", post(HEADS)),
    "report-detail": entry("rapporter/tertialrapporter/<int:pk>/", get(HEADS, args=pk("report"))),
    "report-download": entry("rapporter/tertialrapporter/<int:pk>/fil/", get(HEADS, args=pk("report"))),
    "report-document": entry("rapporter/tertialrapporter/<int:pk>/word/", get(HEADS, args=pk("report"))),
    # --- Assignments and time -----------------------------------------------------------------
    "start": entry("", get(LOGGED_IN)),
    "assignment-list": entry("uppdrag/", get(LOGGED_IN)),
    "assignment-list-xlsx": entry("uppdrag/export.xlsx", get(LOGGED_IN)),  # see the QUESTION at plan-export
    "assignment-create": entry("uppdrag/ny/", get(LOGGED_IN)),
    # A saved filter is the user's own: anyone else is told it does not exist.
    "assignment-filter-save": entry(
        "uppdrag/filter/", post(LOGGED_IN, data={"name": "Mina öppna", "query": "visa=mina&status=oppna"})
    ),
    "assignment-filter-delete": entry(
        "uppdrag/filter/<int:pk>/ta-bort/",
        post(roles(LOGIN, OK, E404, E404, E404), args=pk("saved_filter")),
    ),
    # The registration page's suggested consultants (an htmx fragment): everyone logged in.
    "assignment-suggestions": entry(
        "uppdrag/forslag/",
        get(
            LOGGED_IN,
            query=lambda w: {"package": w.package.pk, "level": "chef", "organisation": w.organisation.pk},
        ),
    ),
    "manager-options": entry(
        "uppdrag/bestallare/", get(LOGGED_IN, query=lambda w: {"organisation": w.organisation.pk})
    ),
    # Everyone logged in reads every assignment.
    "assignment-detail": entry("uppdrag/<int:pk>/", get(LOGGED_IN, args=pk("other_assignment"))),
    "assignment-edit": entry(
        "uppdrag/<int:pk>/andra/",
        get(OWN_ASSIGNMENT, variant="own", args=pk("own_assignment")),
        get(OTHERS_ASSIGNMENT, variant="other", args=pk("other_assignment")),
    ),
    "assignment-close": entry(
        "uppdrag/<int:pk>/avsluta/",
        get(OWN_ASSIGNMENT, variant="own", args=pk("own_assignment")),
        get(OTHERS_ASSIGNMENT, variant="other", args=pk("other_assignment")),
    ),
    # An assignment's tidplan: changed by those who may change the assignment (an empty form is
    # valid: the tidplan is emptied, then back to the assignment); the standard one is applied by POST.
    "assignment-tidplan": entry(
        "uppdrag/<int:pk>/tidplan/",
        get(OWN_ASSIGNMENT, variant="own", args=pk("own_assignment")),
        get(OTHERS_ASSIGNMENT, variant="other", args=pk("other_assignment")),
        post(OWN_ASSIGNMENT, variant="own, saved", args=pk("own_assignment")),
    ),
    "assignment-tidplan-standard": entry(
        "uppdrag/<int:pk>/tidplan/standard/",
        post(OWN_ASSIGNMENT, variant="own", args=pk("own_assignment")),
        post(OTHERS_ASSIGNMENT, variant="other", args=pk("other_assignment")),
        get(roles(LOGIN, E405, E405, E405, E405), args=pk("own_assignment")),
    ),
    # The competence map: every staff member reads it and each consultant's line; only the admin edits
    # (an empty form is valid: it clears the line, then sends one to the detail page).
    "competence-map": entry(
        "kompetenskarta/",
        get(LOGGED_IN),
        get(LOGGED_IN, variant="filtered", query={"paket": "stora", "niva": "chef", "verksamhet": "1"}),
    ),
    "competence-detail": entry("kompetenskarta/<int:pk>/", get(LOGGED_IN, args=pk("other_konsult"))),
    "competence-edit": entry(
        "kompetenskarta/<int:pk>/andra/",
        get(ADMINS, args=pk("other_konsult")),
        post(ADMINS, args=pk("other_konsult")),
    ),
    "time-week": entry("tid/", get(LOGGED_IN)),
    # Anyone's own week; an empty form is told the week is missing and sent back.
    "time-week-save": entry("tid/vecka/", post(LOGGED_IN)),
    "time-create": entry("tid/ny/", get(LOGGED_IN)),
    "time-edit": entry("tid/<int:pk>/andra/", get(OWN_TIME, args=pk("time_entry"))),
    # The check is in assignments.services.delete_time_entry.
    "time-delete": entry("tid/<int:pk>/ta-bort/", post(OWN_TIME, args=pk("time_entry"))),
    "import-start": entry("import/", get(ADMINS)),
    "import-detail": entry(
        "import/<int:pk>/",
        get(ADMINS, args=pk("import_job")),
        get(ADMINS, variant="awaiting", args=pk("import_job_awaiting")),
    ),
    # A job that awaits no confirmation: the admin is sent back to it with a message.
    "import-confirm": entry(
        "import/<int:pk>/bekrafta/", post(ADMINS, args=pk("import_job"), data={"confirm": "ja"})
    ),
    "import-template": entry(
        "import/mall.<str:fmt>",
        get(ADMINS, variant="csv", args=("csv",)),
        get(roles(LOGIN, E403, E403, E403, E404), variant="unknown", args=("pdf",)),
    ),
    # --- Registers ------------------------------------------------------------------------------
    # Everyone logged in reads price lists, organisations, sectors, categories and units.
    "settings-home": entry("register/", get(LOGGED_IN)),
    "pricelist-list": entry("register/prislistor/", get(LOGGED_IN)),
    "pricelist-detail": entry(
        "register/prislistor/<int:year>/", get(LOGGED_IN, args=lambda w: (w.price_list.year,))
    ),
    # GET: the form and, with its choices, the preview (nothing saved); POST saves the copy.
    "pricelist-copy": entry(
        "register/prislistor/<int:year>/kopiera/",
        get(ADMINS, variant="form", args=lambda w: (w.price_list.year,)),
        get(
            ADMINS,
            variant="preview",
            args=lambda w: (w.price_list.year,),
            query={"to_year": "2031", "percent": "3", "step": "10"},
        ),
        post(ADMINS, args=lambda w: (w.price_list.year,)),
    ),
    "package-create": entry(
        "register/prislistor/<int:year>/paket/ny/", get(ADMINS, args=lambda w: (w.price_list.year,))
    ),
    "package-edit": entry("register/paket/<int:pk>/", get(ADMINS, args=pk("package"))),
    "organisation-list": entry("register/organisationer/", get(LOGGED_IN)),
    "organisation-create": entry("register/organisationer/ny/", get(ADMINS)),
    "organisation-edit": entry("register/organisationer/<int:pk>/", get(ADMINS, args=pk("organisation"))),
    "manager-edit": entry("register/bestallare/<int:pk>/", get(ADMINS, args=pk("manager"))),
    "sector-list": entry("register/verksamheter/", get(LOGGED_IN)),
    "sector-create": entry("register/verksamheter/ny/", get(ADMINS)),
    "sector-edit": entry("register/verksamheter/<int:pk>/", get(ADMINS, args=pk("sector"))),
    "category-list": entry("register/tidkategorier/", get(LOGGED_IN)),
    # Standard schedules: everyone reads them, the admin changes one (an empty form: no schedule).
    "schedule-list": entry("register/tidplaner/", get(LOGGED_IN)),
    "schedule-edit": entry(
        "register/tidplaner/<slug:code>/",
        get(ADMINS, args=lambda w: (w.package.code,)),
        post(ADMINS, args=lambda w: (w.package.code,)),
    ),
    "category-create": entry("register/tidkategorier/ny/", get(ADMINS)),
    "category-edit": entry("register/tidkategorier/<int:pk>/", get(ADMINS, args=pk("category"))),
    "unit-list": entry("register/enheter/", get(LOGGED_IN)),
    "user-list": entry("register/anvandare/", get(ADMINS)),
    "user-create": entry("register/anvandare/ny/", get(ADMINS)),
    "user-edit": entry("register/anvandare/<int:pk>/", get(ADMINS, args=pk("other_konsult"))),
    "personal-data": entry("register/personuppgifter/", get(ADMINS)),
    # Heads read budgets; only the admin changes them (an empty form: 200 with the errors).
    "budget-list": entry("register/budget/", get(HEADS)),
    "budget-detail": entry(
        "register/budget/<int:year>/",
        get(HEADS, args=lambda w: (w.budget.year,)),
        post(ADMINS, args=lambda w: (w.budget.year,)),
    ),
}

# Routes covered as groups: (prefix, the MATRIX entry that stands for them).
GROUPS = (("django-admin/", "django-admin"),)
# Present only with OIDC_ENABLED; the views are login_not_required by construction (rekrytering/urls.py).
CONDITIONAL_PREFIXES = ("oidc/",)


# --- Enumerating the URLconf ----------------------------------------------------------------


def _readable(route: str) -> str:
    """A router's regex as a route: `^organisations/(?P<pk>[^/.]+)/$` → `organisations/<pk>/`."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = re.sub(r"(^|/)\^", r"\1", route)
    return route.replace("$", "")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + _readable(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield pattern.name or "", route


def enumerated_routes() -> set[tuple[str, str]]:
    """(name, route) of every URL, with the groups folded into their entries."""
    found = set()
    for name, route in _walk(get_resolver().url_patterns):
        group = next(((key, prefix) for prefix, key in GROUPS if route.startswith(prefix)), None)
        if group:
            found.add(group)
        elif not route.startswith(CONDITIONAL_PREFIXES):
            found.add((name, route))
    # DRF's format-suffix twins (`organisations.json`) share the name and view of their route.
    plain = {name for name, route in found if "<format>" not in route and ":format>" not in route}
    return {(n, r) for n, r in found if not (("<format>" in r or ":format>" in r) and n in plain)}


def _differences():
    routes = enumerated_routes()
    table = {(name, item.route) for name, item in MATRIX.items()}
    return sorted(routes - table), sorted(table - routes)


def test_every_route_has_an_entry():
    missing, extra = _differences()
    assert not missing and not extra, (
        "The access matrix (tests/rekrytering/test_access_matrix.py MATRIX) and the URLconf differ.\n"
        + "".join(f"  no entry for URL {name!r}: {route!r}\n" for name, route in missing)
        + "".join(f"  entry for a URL that does not exist: {name!r}: {route!r}\n" for name, route in extra)
    )


def test_a_url_added_without_an_entry_is_reported(settings, monkeypatch):
    """The guard above can fail: a URLconf with one new URL and one new route under a known name."""
    from django.http import HttpResponse
    from django.urls import include, path

    def view(request, **kwargs):
        return HttpResponse()

    urlconf = types.ModuleType("tests.rekrytering._matrix_extra_urls")
    urlconf.urlpatterns = [
        path("", include(settings.ROOT_URLCONF)),
        path("uppdrag/<int:pk>/kopiera/", view, name="assignment-copy"),
        path("uppdrag/<int:pk>/visa/", view, name="assignment-detail"),
    ]
    monkeypatch.setitem(sys.modules, urlconf.__name__, urlconf)
    settings.ROOT_URLCONF = urlconf.__name__
    missing, extra = _differences()
    assert missing == [
        ("assignment-copy", "uppdrag/<int:pk>/kopiera/"),
        ("assignment-detail", "uppdrag/<int:pk>/visa/"),
    ]
    assert extra == []


def test_every_entry_is_complete():
    for name, item in MATRIX.items():
        assert item.cases, name
        labels = [case.label for case in item.cases]
        assert len(labels) == len(set(labels)), f"{name}: two cases with the same label {labels}"
        for case in item.cases:
            assert set(case.expect) == set(ROLES), (name, case.label)
            assert set(case.expect.values()) <= OUTCOMES, (name, case.label)


def _params():
    for name, item in MATRIX.items():
        for case in item.cases:
            for role in ROLES:
                test_id = "-".join(part for part in (name, case.label, role) if part)
                yield pytest.param(name, case, role, id=test_id)


# --- The test -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture
def world(db, settings, media_root):
    settings.MEDIA_ROOT = media_root
    settings.SURVEY_RATE_LIMIT = "10000/m"
    return World()


def _value(value, world):
    return value(world) if callable(value) else value


def _assert_outcome(response, expected, path):
    status = response.status_code
    location = response.headers.get("Location", "")
    seen = f"got {status}" + (f" → {location}" if location else "")
    if expected == OK:
        assert 200 <= status < 300 or (
            300 <= status < 400 and not location.startswith((LOGIN_REDIRECT, ADMIN_LOGIN_REDIRECT))
        ), f"expected ok (2xx or a redirect not to a login page), {seen}"
    elif expected in (LOGIN, ADMIN_LOGIN):
        prefix = LOGIN_REDIRECT if expected == LOGIN else ADMIN_LOGIN_REDIRECT
        assert status == 302 and location.startswith(prefix), f"expected {expected}, {seen}"
        assert parse_qs(urlsplit(location).query).get("next") == [path], f"wrong ?next=, {seen}"
    else:
        assert status == int(expected), f"expected {expected}, {seen}"


@pytest.mark.parametrize(("name", "case", "role"), list(_params()))
def test_access(client, world, name, case, role):
    if role != ANONYMOUS:
        client.force_login(world.user(role))
    url = _value(case.url, world) or reverse(name, args=_value(case.args, world))
    query = _value(case.query, world)
    path = f"{url}?{urlencode(query)}" if query else url
    data = _value(case.data, world)
    if case.json:
        response = getattr(client, case.method)(path, data=data or {}, content_type="application/json")
    elif case.method == "post":
        response = client.post(path, data=data or {})
    else:
        response = getattr(client, case.method)(path)
    _assert_outcome(response, case.expect[role], path)
