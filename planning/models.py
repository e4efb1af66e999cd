"""The yearly plan (verksamhetsplan): goal chain, indicators, activities and tertial follow-up."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assignments.models import Unit, User
from rekrytering.jobs import ImportJobBase


def _largest(max_digits: int, decimal_places: int) -> int:
    return 10 ** (max_digits - decimal_places) - 1


def column_bounds(model, name: str) -> dict:
    """What a number typed or imported into a DecimalField may be, for
    `rekrytering.numbers.check_bounds`: rounded to its `decimal_places`, and whole numbers below
    the column's limit, so ±999 999 999 999 in a column of 16 digits with 4 places. (Not up to
    999 999 999 999,9999: SQLite keeps a decimal as a float of 15 digits, and cannot read that back.)"""
    field = model._meta.get_field(name)
    largest = _largest(field.max_digits, field.decimal_places)
    return {"decimal_places": field.decimal_places, "minimum": -largest, "maximum": largest}


def within_column(max_digits: int, decimal_places: int) -> list:
    """The same bounds as validators, for the admin and any model form."""
    largest = _largest(max_digits, decimal_places)
    return [MinValueValidator(-largest), MaxValueValidator(largest)]


class Plan(models.Model):
    class Status(models.TextChoices):
        UTKAST = "utkast", _("Utkast")
        FASTSTALLD = "faststalld", _("Fastställd")

    year = models.PositiveIntegerField(_("år"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("enhet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Tom för avdelningens plan."),
    )
    title = models.CharField(_("rubrik"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UTKAST)
    report_days_after = models.PositiveSmallIntegerField(
        _("rapportering, dagar efter tertialets slut"),
        default=10,
        validators=[MaxValueValidator(120)],
        help_text=_("Tertialets uppföljning ska vara klar så här många dagar efter att tertialet slutat."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit__name"]
        verbose_name = _("verksamhetsplan")
        verbose_name_plural = _("verksamhetsplaner")
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(unit__isnull=True), name="one_department_plan_a_year"
            ),
            models.UniqueConstraint(fields=["year", "unit"], name="one_unit_plan_a_year"),
        ]

    def __str__(self):
        return self.title or f"Verksamhetsplan {self.year}"


class Goal(models.Model):
    class Level(models.TextChoices):
        KF_INRIKTNING = "kf_inriktning", _("KF:s inriktningsmål")
        KF_VERKSAMHET = "kf_verksamhet", _("KF:s mål för verksamhetsområdet")
        NAMND = "namnd", _("Nämndmål")
        ENHET = "enhet", _("Enhetsmål")

    LEVEL_ORDER = [Level.KF_INRIKTNING, Level.KF_VERKSAMHET, Level.NAMND, Level.ENHET]

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    level = models.CharField(_("nivå"), max_length=20, choices=Level.choices)
    number = models.CharField(_("nummer"), max_length=20, blank=True)
    title = models.TextField(_("rubrik"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("överordnat mål"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    description = models.TextField(_("beskrivning"), blank=True)
    expected_result = models.TextField(_("förväntat resultat"), blank=True)
    approach = models.TextField(_("arbetssätt"), blank=True)
    follow_up = models.TextField(_("uppföljning"), blank=True)
    responsible = models.ForeignKey(
        User,
        verbose_name=_("ansvarig"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_goals",
        help_text=_("Bedömer målet varje tertial och svarar för det som inte har en egen ansvarig."),
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def depth(self):
        return self.LEVEL_ORDER.index(self.level)


class Indicator(models.Model):
    class TargetKind(models.TextChoices):
        NUMBER = "number", _("Tal")
        YESNO = "yesno", _("Ja/Nej")
        NONE = "none", _("Inget årsmål")

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("Minst")
        AT_MOST = "at_most", _("Högst")
        EXACTLY = "exactly", _("Exakt")

    class Periodicity(models.TextChoices):
        TERTIAL = "tertial", _("Tertial")
        AR = "ar", _("År")

    UNITS = ["%", "st", "kr", "NPS", "/10", "h", "index"]

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators")
    name = models.TextField(_("indikator"))
    target_kind = models.CharField(
        _("typ av årsmål"), max_length=10, choices=TargetKind.choices, default=TargetKind.NONE
    )
    target_value = models.DecimalField(
        _("årsmål"), max_digits=14, decimal_places=2, null=True, blank=True, validators=within_column(14, 2)
    )
    target_unit = models.CharField(
        _("enhet"), max_length=10, blank=True, choices=[("", _("ingen"))] + [(u, u) for u in UNITS]
    )
    target_yes = models.BooleanField(_("årsmål ja/nej"), null=True, blank=True)
    direction = models.CharField(
        _("riktning"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST
    )
    kf_target = models.CharField(_("KF:s årsmål"), max_length=200, blank=True)
    periodicity = models.CharField(
        _("periodicitet"), max_length=10, choices=Periodicity.choices, default=Periodicity.TERTIAL
    )
    measure = models.CharField(
        _("mått"),
        max_length=40,
        blank=True,
        help_text=_("Tomt: utfallet anges för hand. Annars räknas det fram ur systemets data."),
    )
    filters = models.JSONField(_("urval"), default=dict, blank=True)
    responsible = models.ForeignKey(
        User,
        verbose_name=_("ansvarig"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_indicators",
        help_text=_("Tomt: målets ansvarige."),
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["goal", "order", "id"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")

    def __str__(self):
        return self.name

    @property
    def is_computed(self):
        return bool(self.measure)

    @property
    def label(self) -> str:
        """The name as a message names it (`Sjukfrånvaro: ”x” är inget tal`): without its full stop."""
        return self.name.strip().rstrip(".").strip()


class IndicatorOutcome(models.Model):
    """An indicator's outcome for a tertial (cumulative): entered by hand, or frozen when locked."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="outcomes")
    tertial = models.PositiveSmallIntegerField(choices=[(1, "T1"), (2, "T2"), (3, "T3")])
    value = models.DecimalField(
        max_digits=16, decimal_places=4, null=True, blank=True, validators=within_column(16, 4)
    )
    value_yes = models.BooleanField(null=True, blank=True)
    denominator = models.DecimalField(
        _("nämnare"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=within_column(16, 2),
        help_text=_("För andelar vars nämnare anges för hand (t.ex. annonser i Varbi)."),
    )
    explanation = models.TextField(blank=True)
    frozen = models.BooleanField(default=False)
    entered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "tertial"], name="one_outcome_per_tertial")
        ]

    def __str__(self):
        return f"{self.indicator} T{self.tertial}"


class Activity(models.Model):
    class Status(models.TextChoices):
        EJ_PABORJAD = "ej_paborjad", _("Ej påbörjad")
        PAGAR = "pagar", _("Pågår")
        KLAR = "klar", _("Klar")
        UPPSKJUTEN = "uppskjuten", _("Uppskjuten")
        AVBRUTEN = "avbruten", _("Avbruten")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="activities")
    text = models.TextField(_("aktivitet"))
    start = models.DateField(_("startdatum"), null=True, blank=True)
    end = models.DateField(_("slutdatum"), null=True, blank=True)
    responsible = models.CharField(
        _("ansvarig enligt planen"),
        max_length=200,
        blank=True,
        help_text=_("Som planen skriver det, t.ex. initialer: ”KK, AB”."),
    )
    responsible_user = models.ForeignKey(
        User,
        verbose_name=_("ansvarig"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_activities",
        help_text=_("Tomt: målets ansvarige."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.EJ_PABORJAD)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["goal", "order", "id"]
        verbose_name = _("aktivitet")
        verbose_name_plural = _("aktiviteter")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="activity_ends_after_start",
            )
        ]

    def __str__(self):
        return self.text[:80]


class ActivityFollowUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="follow_ups")
    tertial = models.PositiveSmallIntegerField(choices=[(1, "T1"), (2, "T2"), (3, "T3")])
    status = models.CharField(_("status"), max_length=12, choices=Activity.Status.choices)
    comment = models.TextField(_("kommentar"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "tertial"], name="one_activity_follow_up")]

    def __str__(self):
        return f"{self.activity} T{self.tertial}"


class GoalAssessment(models.Model):
    class Assessment(models.TextChoices):
        UPPFYLLT = "uppfyllt", _("Uppfyllt")
        DELVIS = "delvis", _("Delvis uppfyllt")
        EJ = "ej", _("Ej uppfyllt")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="assessments")
    tertial = models.PositiveSmallIntegerField(choices=[(1, "T1"), (2, "T2"), (3, "T3")])
    assessment = models.CharField(_("bedömning"), max_length=10, choices=Assessment.choices)
    analysis = models.TextField(_("analys"), blank=True)
    assessed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "tertial"], name="one_assessment_per_tertial")]

    def __str__(self):
        return f"{self.goal} T{self.tertial}: {self.get_assessment_display()}"


class TertialLock(models.Model):
    """A reported tertial: its values are frozen and later data changes do not rewrite it. Every
    goal of a locked tertial is approved (GoalReview); unlocking needs a reason (PlanEvent)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="locks")
    tertial = models.PositiveSmallIntegerField(choices=[(1, "T1"), (2, "T2"), (3, "T3")])
    locked_at = models.DateTimeField(auto_now_add=True)
    locked_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "tertial"], name="one_lock_per_tertial")]

    def __str__(self):
        return f"{self.plan} T{self.tertial} låst"


TERTIALS = [(1, "T1"), (2, "T2"), (3, "T3")]


class TertialDeadline(models.Model):
    """A tertial's own deadline, instead of the plan's `report_days_after` after the tertial's end."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="deadlines")
    tertial = models.PositiveSmallIntegerField(choices=TERTIALS)
    due_on = models.DateField(_("sista dag"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "tertial"], name="one_deadline_per_tertial")]
        verbose_name = _("tidsfrist")
        verbose_name_plural = _("tidsfrister")

    def __str__(self):
        return f"{self.plan} T{self.tertial}: {self.due_on:%Y-%m-%d}"


class GoalReview(models.Model):
    """Where a goal's follow-up for a tertial stands (draft → ready for review → approved and
    locked), and its version: every save of the goal's follow-up adds one, and a save made from an
    older version is refused as a conflict (services.save_goal_follow_up)."""

    class Status(models.TextChoices):
        UTKAST = "utkast", _("Utkast")
        KLAR = "klar", _("Klar för granskning")
        GODKAND = "godkand", _("Godkänd och låst")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reviews")
    tertial = models.PositiveSmallIntegerField(choices=TERTIALS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UTKAST)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    ready_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ready_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "tertial"], name="one_review_per_tertial")]
        verbose_name = _("granskning av mål")
        verbose_name_plural = _("granskningar av mål")

    def __str__(self):
        return f"{self.goal} T{self.tertial}: {self.get_status_display()}"


class PlanEvent(models.Model):
    """The plan's history: the follow-up's reviews, approvals, locks and unlocks (with their reason)."""

    class Action(models.TextChoices):
        READY = "ready", _("Målet markerat klart för granskning")
        REOPENED = "reopened", _("Klarmarkeringen ångrad")
        APPROVED = "approved", _("Målet godkänt och låst")
        GOAL_UNLOCKED = "goal_unlocked", _("Målet upplåst")
        LOCKED = "locked", _("Tertialen låst")
        UNLOCKED = "unlocked", _("Tertialen upplåst")
        DEADLINES = "deadlines", _("Tidsfrister ändrade")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tertial = models.PositiveSmallIntegerField(null=True, blank=True, choices=TERTIALS)
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.TextField(blank=True)
    reason = models.TextField(_("skäl"), blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    REASON_MAX = 1000

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["plan", "-at"], name="plan_event_plan_at")]
        verbose_name = _("händelse i planen")
        verbose_name_plural = _("händelser i planen")

    def __str__(self):
        return f"{self.plan}: {self.get_action_display()}"


class PlanReminder(models.Model):
    """One reminder e-mail to one responsible about one tertial, for one occasion (days before or
    after the deadline). The row is made before the mail goes and the send marks it under a lock,
    so a second beat tick or a redelivered task mails nobody twice (services.send_plan_reminder)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENT = "sent", _("Skickad")
        SKIPPED = "skipped", _("Behövdes inte")
        FAILED = "failed", _("Misslyckades")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reminders")
    tertial = models.PositiveSmallIntegerField(choices=TERTIALS)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="plan_reminders")
    occasion = models.CharField(max_length=20)  # "fore-5": five days before the deadline, "efter-3"
    due_on = models.DateField()  # the deadline the occasion was counted from
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    items = models.PositiveIntegerField(default=0)  # how many missing things the e-mail listed
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "tertial", "user", "occasion", "due_on"], name="one_reminder_per_occasion"
            )
        ]
        indexes = [models.Index(fields=["status"], name="plan_reminder_status")]
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")

    def __str__(self):
        return f"{self.plan} T{self.tertial} {self.user} {self.occasion}"


class PlanImportJob(ImportJobBase):
    """An uploaded plan workbook, imported as the year's plan by a Celery task (tasks.run_plan_import)."""

    year = models.PositiveIntegerField(_("år"))
    unit = models.ForeignKey(Unit, verbose_name=_("enhet"), null=True, blank=True, on_delete=models.PROTECT)
    title = models.CharField(_("rubrik"), max_length=200, blank=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    detail_url_name = "plan-import-detail"
    start_url_name = "plan-import"

    class Meta(ImportJobBase.Meta):
        verbose_name = _("planimport")
        verbose_name_plural = _("planimporter")


class MeasurePhrase(models.Model):
    """A phrase the department's plans use, and what it says about an indicator's measure
    (planning/binding.py reads an indicator's wording with these, top to bottom)."""

    class Role(models.TextChoices):
        IGNORE = "ignore", _("Bortse från (namnger oss själva)")
        NONE = "none", _("Anges för hand (inget förslag)")
        MEASURE = "measure", _("Mått")
        FILTER = "filter", _("Urval")

    class Needs(models.TextChoices):
        NOTHING = "", _("Inget")
        PACKAGE = "package", _("Ett paket")
        FLAG = "flag", _("En flagga (personligt brev, screening …)")
        QUESTION = "question", _("En enkätfråga")
        KIND = "kind", _("En enkät")

    order = models.PositiveIntegerField(_("ordning"), default=0)
    role = models.CharField(_("roll"), max_length=10, choices=Role.choices)
    phrase = models.CharField(_("fras"), max_length=200)
    measure = models.CharField(_("mått"), max_length=40, blank=True)
    needs = models.CharField(_("kräver"), max_length=10, choices=Needs.choices, blank=True)
    question = models.CharField(
        _("fråga"), max_length=20, blank=True, help_text=_("overall: enkätens helhetsfråga.")
    )
    filters = models.JSONField(_("urval"), default=dict, blank=True)
    compound = models.BooleanField(
        _("även i sammansättningar"), default=False, help_text=_("T.ex. ”screeningtest” i ”screeningtester”.")
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("fras för mått")
        verbose_name_plural = _("fraser för mått")

    def __str__(self):
        return self.phrase


class MeasureProposal(models.Model):
    """The measure and selection proposed for an indicator from its wording, and what a person
    decided about it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Föreslaget")
        ACCEPTED = "accepted", _("Godtaget")
        EDITED = "edited", _("Ändrat för hand")
        REJECTED = "rejected", _("Avvisat")

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="proposal")
    measure = models.CharField(_("mått"), max_length=40)
    filters = models.JSONField(_("urval"), default=dict, blank=True)
    explanation = models.TextField(_("förklaring"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("förslag på mått")
        verbose_name_plural = _("förslag på mått")

    def __str__(self):
        return f"{self.indicator}: {self.measure}"
