"""Questionnaires, invitations, anonymous-safe responses, follow-ups and quotes."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, Organisation, Sector, Unit, User

from . import metrics


class Kind(models.TextChoices):
    KUND = "kundenkat", _("Kundenkät")
    KANDIDAT = "kandidatenkat", _("Kandidatenkät")
    MATCHNING = "matchningsenkat", _("Matchningsenkät")
    UTBILDNING = "utbildningsutvardering", _("Utbildningsutvärdering")


# The surveys whose answers are never linked to the person: the hired candidate's.
ANONYMOUS_KINDS = (Kind.KANDIDAT,)


class Questionnaire(models.Model):
    """One version of a survey kind for a year; a version chooses which question keys it asks."""

    kind = models.CharField(_("enkät"), max_length=30, choices=Kind.choices)
    year = models.PositiveIntegerField(_("år"))
    title = models.CharField(_("rubrik"), max_length=200)
    intro = models.TextField(_("inledning"), blank=True)
    anonymous = models.BooleanField(
        _("anonym"),
        default=False,
        editable=False,
        help_text=_("Svaren kopplas aldrig till den som svarat. Kandidatenkäten är alltid anonym."),
    )

    class Meta:
        ordering = ["kind", "-year"]
        verbose_name = _("enkätversion")
        verbose_name_plural = _("enkätversioner")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="questionnaire_one_per_kind_year")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year}"

    def save(self, *args, **kwargs):
        # Anonymity belongs to the kind: every version of the candidate survey is anonymous, and
        # no other is, so a version can never be switched after it has answers.
        self.anonymous = self.kind in ANONYMOUS_KINDS
        super().save(*args, **kwargs)


class Question(models.Model):
    class Type(models.TextChoices):
        SCALE = "scale", _("Skala 1–10")
        NPS = "nps", _("NPS 0–10")
        YESNO = "yesno", _("Ja/nej")
        TEXT = "text", _("Fritext")

    class Condition(models.TextChoices):
        NONE = "", _("Alltid")
        REFERENCES = "references", _("Om referenser togs i uppdraget")
        TESTS = "tests", _("Om tester användes i uppdraget")
        SCREENING = "screening", _("Om screening användes i uppdraget")
        SEARCH = "search", _("Om search användes i uppdraget")
        ANSWER_YES = "answer_yes", _("Om svaret på en annan fråga är ja")

    class Anchors(models.TextChoices):
        """What the ends of a 1–10 scale mean: a statement is agreed with, an overall question asks
        how satisfied, a grade or a match how good."""

        AGREEMENT = "", _("1 = instämmer inte alls, 10 = instämmer helt")
        SATISFACTION = "satisfaction", _("1 = mycket missnöjd, 10 = mycket nöjd")
        QUALITY = "quality", _("1 = mycket dåligt, 10 = mycket bra")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("nyckel"), max_length=50, help_text=_("Stabil per enkät mellan åren."))
    order = models.PositiveIntegerField(_("ordning"), default=0)
    type = models.CharField(_("typ"), max_length=10, choices=Type.choices)
    text = models.TextField(_("fråga"))
    optional = models.BooleanField(_("frivillig"), default=False)
    condition = models.CharField(_("villkor"), max_length=20, choices=Condition.choices, blank=True)
    condition_key = models.SlugField(_("villkorsfråga"), max_length=50, blank=True)
    anchors = models.CharField(
        _("skalans ändpunkter"),
        max_length=20,
        choices=Anchors.choices,
        blank=True,
        default=Anchors.AGREEMENT,
        help_text=_("Gäller frågor med skala 1–10."),
    )

    class Meta:
        ordering = ["questionnaire", "order", "id"]
        verbose_name = _("fråga")
        verbose_name_plural = _("frågor")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique")]

    def __str__(self):
        return f"{self.key}: {self.text[:60]}"

    # Conditions that read the assignment: an anonymous survey may not ask them, since which
    # questions a response answered would tell how its assignment was run.
    ASSIGNMENT_CONDITIONS = ("references", "tests", "screening", "search")

    def clean(self):
        if (
            self.condition in self.ASSIGNMENT_CONDITIONS
            and self.questionnaire_id
            and self.questionnaire.anonymous
        ):
            raise ValidationError(
                {
                    "condition": _(
                        "En anonym enkät kan inte ställa frågor utifrån hur uppdraget gjordes: "
                        "svaren skulle då avslöja vilket uppdrag de gäller."
                    )
                }
            )
        if self.condition == self.Condition.ANSWER_YES and not self.condition_key:
            raise ValidationError({"condition_key": _("Ange vilken fråga villkoret gäller.")})

    @property
    def scale(self):
        if self.type == self.Type.NPS:
            return range(0, 11)
        if self.type == self.Type.SCALE:
            return range(1, 11)
        return range(0)

    @property
    def scale_legend(self):
        if self.type == self.Type.NPS:
            return "0 = inte alls troligt, 10 = mycket troligt"
        if self.type == self.Type.SCALE:
            return str(self.Anchors(self.anchors).label)
        return ""


class Invitation(models.Model):
    """A personal link sent to one person (or, for a training, one shared link).

    The token is never stored: only its SHA-256. The e-mail and name are cleared when the
    invitation is answered or expires.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Schemalagd")
        SENT = "sent", _("Skickad")
        ANSWERED = "answered", _("Besvarad")
        EXPIRED = "expired", _("Utgången")
        CANCELLED = "cancelled", _("Avbruten")
        FAILED = "failed", _("Misslyckades")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    recipient_name = models.CharField(_("namn"), max_length=200, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    shared = models.BooleanField(_("delad länk"), default=False, help_text=_("En länk för alla deltagare."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    send_at = models.DateTimeField(_("skickas"))
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    expires_at = models.DateTimeField(_("går ut"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("påminnelser"), default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    answered_on = models.DateField(_("besvarad"), null=True, blank=True)
    answer_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    token_salt = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-send_at"]
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        indexes = [
            models.Index(fields=["status", "send_at"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["sent_at"], name="invitation_sent_at"),  # response rates per period
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="invitation_token_hash_unique"
            ),
            models.UniqueConstraint(
                fields=["assignment", "questionnaire"],
                condition=~Q(status="cancelled") & Q(shared=False),
                name="one_live_invitation_per_assignment_and_survey",
            ),
        ]

    def __str__(self):
        return f"{self.questionnaire} – {self.get_status_display()}"

    @property
    def kind(self):
        return self.questionnaire.kind

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class SpentLink(models.Model):
    """A used link of an anonymous survey, kept apart from its invitation.

    Answering a candidate survey writes nothing on the invitation (not even a row lock): an
    answered invitation must look exactly like an unanswered one. The link is marked used here by
    a keyed digest of its token that the invitation's columns cannot be matched to, with the month
    only, so that the marks can be deleted in bulk once every link they could belong to has expired.
    """

    digest = models.CharField(max_length=64, unique=True)
    month = models.DateField()

    class Meta:
        verbose_name = _("använd anonym länk")
        verbose_name_plural = _("använda anonyma länkar")

    def __str__(self):
        return f"Använd länk {self.month:%Y-%m}"


class InvitationChange(models.Model):
    """A change to an invitation by someone who manages survey sends, with the reason they gave.

    Shown in the assignment's history and beside its invitations; the audit log has the same.
    It holds no address (a new recipient is noted as such), so it may outlive the contact data.
    """

    class Action(models.TextChoices):
        POSTPONE = "postpone", _("Utskicket flyttat")
        CANCEL = "cancel", _("Utskicket avbrutet")
        RESEND = "resend", _("Utskicket skickat igen")

    REASON_MAX = 500

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("ändring"), max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField(_("när"), default=timezone.now)
    changed_by = models.ForeignKey(
        User, verbose_name=_("av"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.CharField(_("före"), max_length=100, blank=True)
    after = models.CharField(_("efter"), max_length=100, blank=True)
    reason = models.TextField(_("skäl"), max_length=REASON_MAX)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ändring av utskick")
        verbose_name_plural = _("ändringar av utskick")

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%Y-%m-%d}"

    @property
    def subject(self) -> str:
        """What the change was to, as the history labels it."""
        return {
            self.Action.POSTPONE: _("Skickas"),
            self.Action.CANCEL: _("Status"),
            self.Action.RESEND: _("Mottagare"),
        }[self.action]


class Response(models.Model):
    """One answered survey.

    It never refers to the invitation, the person or an e-mail address, and keeps the answer date,
    not the time. A response to a personal link keeps the first day of the tertial its link was
    sent in (`sent_in`): response rates count answers by the period their invitations were sent.

    An anonymous (candidate) response keeps less, so that nothing in the database links it to an
    assignment: the answer month (stored as its first day), the send tertial and the responsible
    consultant's unit — and the last two only while at least SURVEY_MIN_GROUP invitations share
    everything kept (surveys.anonymity). Never the assignment, consultant, organisation, sector
    or package.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Webbsvar")
        IMPORT = "import", _("Importerat")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    answered_on = models.DateField(_("besvarad"), db_index=True)
    sent_in = models.DateField(_("utskickstertial"), null=True, blank=True)
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    consultant = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sector = models.ForeignKey(Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    package_code = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    class Meta:
        ordering = ["-answered_on", "-id"]
        verbose_name = _("svar")
        verbose_name_plural = _("svar")
        indexes = [
            models.Index(fields=["kind", "sent_in"], name="response_kind_sent_in"),
            # The response rates read the period's tertials of every kind at once.
            models.Index(fields=["sent_in"], name="response_sent_in"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="kandidatenkat") | Q(assignment__isnull=True),
                name="candidate_response_has_no_assignment",
            ),
            models.CheckConstraint(
                condition=~Q(kind="kandidatenkat")
                | Q(
                    consultant__isnull=True,
                    organisation__isnull=True,
                    sector__isnull=True,
                    package_code="",
                    answered_on__day=1,
                ),
                name="candidate_response_is_coarse",
            ),
            models.CheckConstraint(
                condition=Q(sent_in__isnull=True) | Q(sent_in__day=1, sent_in__month__in=[1, 5, 9]),
                name="response_sent_in_is_a_tertial",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.answered_label}"

    @property
    def answered_label(self) -> str:
        """When it was answered, as precisely as it is kept: the month of an anonymous response."""
        if self.kind in ANONYMOUS_KINDS:
            return self.answered_on.strftime("%Y-%m")
        return self.answered_on.isoformat()


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_key = models.SlugField(max_length=50)
    type = models.CharField(max_length=10, choices=Question.Type.choices)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    yes = models.BooleanField(null=True, blank=True)
    text = models.TextField(blank=True)
    is_quote = models.BooleanField(_("citat"), default=False)

    class Meta:
        ordering = ["response", "id"]
        indexes = [models.Index(fields=["question_key", "type"])]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_key"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=0, number__lte=10),
                name="answer_number_range",
            ),
        ]

    def __str__(self):
        return f"{self.question_key}={self.number if self.number is not None else self.yes}"

    @classmethod
    def of(cls, response, key: str, qtype: str, value, **extra) -> "Answer":
        """An unsaved answer holding `value` in the field its question type uses."""
        return cls(
            response=response,
            question_key=key,
            type=qtype,
            number=value if qtype in (Question.Type.SCALE, Question.Type.NPS) else None,
            yes=value if qtype == Question.Type.YESNO else None,
            text=value if qtype == Question.Type.TEXT else "",
            **extra,
        )


class FollowUp(models.Model):
    """A dissatisfied customer, or one who asked to be contacted, for the unit head to call."""

    class Reason(models.TextChoices):
        CONTACT = "contact", _("Vill bli kontaktad")
        LOW_SCORE = "low_score", _("Låg nöjdhet (≤ %(max)s)") % {"max": metrics.DISSATISFIED_MAX}
        DETRACTOR = "detractor", _("Låg rekommendation (NPS ≤ %(max)s)") % {"max": metrics.DETRACTOR_MAX}

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons = models.CharField(_("skäl"), max_length=100)
    assigned_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(_("senast"))
    done = models.BooleanField(_("klar"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done", "due_on"]
        verbose_name = _("uppföljning")
        verbose_name_plural = _("uppföljningar")

    def __str__(self):
        return f"Uppföljning {self.due_on}"

    def reason_labels(self):
        labels = dict(self.Reason.choices)
        return [labels.get(code, code) for code in self.reasons.split(",") if code]


class FollowUpNote(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("vad som gjorts"))

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:50]
