"""The assignment register: users and units, price lists, customers, assignments, time and budgets."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rekrytering.jobs import ImportJobBase
from rekrytering.numbers import format_kr

ZERO = Decimal("0")
CENT = Decimal("0.01")
MONEY = {"max_digits": 12, "decimal_places": 2}
HOURS = {"max_digits": 7, "decimal_places": 2}


class Unit(models.Model):
    name = models.CharField(_("namn"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        KONSULT = "konsult", _("Rekryteringskonsult")
        SAMORDNARE = "samordnare", _("Samordnare")
        CHEF = "chef", _("Chef")
        ADMIN = "admin", _("Administratör")

    role = models.CharField(_("roll"), max_length=20, choices=Role.choices, default=Role.KONSULT)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("enhet"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    initials = models.CharField(_("initialer"), max_length=10, blank=True)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        constraints = [
            models.UniqueConstraint(
                Lower("initials"), condition=~Q(initials=""), name="user_initials_unique_ci"
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_admin(self):
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def edits_all_assignments(self):
        return self.is_admin or self.role in (self.Role.SAMORDNARE, self.Role.CHEF)

    @property
    def is_head(self):
        return self.is_admin or self.role == self.Role.CHEF


class PriceList(models.Model):
    year = models.PositiveIntegerField(
        _("år"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("prislista")
        verbose_name_plural = _("prislistor")

    def __str__(self):
        return f"Prislista {self.year}"

    def get_absolute_url(self):
        return reverse("pricelist-detail", args=[self.year])

    @property
    def hourly_rate_package(self):
        return next((p for p in self.packages.all() if p.is_hourly_rate), None)


class Package(models.Model):
    class PriceUnit(models.TextChoices):
        UPPDRAG = "uppdrag", _("per uppdrag")
        TIMME = "timme", _("per timme")
        KANDIDAT = "kandidat", _("per kandidat")
        TILLFALLE = "tillfalle", _("per utbildningstillfälle")

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("prislista"), on_delete=models.CASCADE, related_name="packages"
    )
    code = models.SlugField(_("kod"), max_length=40)
    name = models.CharField(_("namn"), max_length=100)
    description = models.TextField(_("beskrivning"), blank=True)
    price = models.DecimalField(_("pris (kr)"), validators=[MinValueValidator(ZERO)], **MONEY)
    unit = models.CharField(_("enhet"), max_length=20, choices=PriceUnit.choices, default=PriceUnit.UPPDRAG)
    standard_hours = models.DecimalField(
        _("normaltid (h)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **HOURS
    )
    is_manager_recruitment = models.BooleanField(_("chefsrekrytering"), default=False)
    is_whole_process = models.BooleanField(_("hel process"), default=False)
    is_hourly_rate = models.BooleanField(
        _("årets timarvode"), default=False, help_text=_("Priset används för debitering av extra timmar.")
    )
    sends_customer_survey = models.BooleanField(_("skickar kundenkät"), default=False)
    sends_candidate_survey = models.BooleanField(_("skickar kandidatenkät"), default=False)
    sends_match_survey = models.BooleanField(_("skickar matchningsenkät"), default=False)
    sends_training_evaluation = models.BooleanField(_("skickar utbildningsutvärdering"), default=False)
    active = models.BooleanField(_("aktivt"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["price_list__year", "name"]
        verbose_name = _("paket")
        verbose_name_plural = _("paket")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "code"], name="package_code_unique_per_year"),
            models.UniqueConstraint(fields=["price_list", "name"], name="package_name_unique_per_year"),
            models.UniqueConstraint(
                fields=["price_list"], condition=Q(is_hourly_rate=True), name="one_hourly_rate_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.price_list.year})"

    @property
    def year(self):
        return self.price_list.year

    def clean(self):
        errors = self.price_list_conflicts()
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # clean() gives the price list's constraints (price_list_conflicts) as Swedish messages.
        pass

    def price_list_conflicts(self) -> dict[str, str]:
        """The price list's rules this package would break, as Swedish messages by field."""
        errors = {}
        siblings = Package.objects.filter(price_list_id=self.price_list_id).exclude(pk=self.pk)
        if self.is_hourly_rate:
            other = siblings.filter(is_hourly_rate=True).first()
            if other:
                errors["is_hourly_rate"] = _("%(name)s är redan årets timarvode.") % {"name": other.name}
        if self.code and siblings.filter(code__iexact=self.code).exists():
            errors["code"] = _("Det finns redan ett paket med koden i prislistan.")
        if self.name and siblings.filter(name__iexact=self.name).exists():
            errors["name"] = _("Det finns redan ett paket med namnet i prislistan.")
        return errors


# What the admin sets on a package, on the register page and in the API.
PACKAGE_FIELDS = [
    "code",
    "name",
    "description",
    "price",
    "unit",
    "standard_hours",
    "is_manager_recruitment",
    "is_whole_process",
    "is_hourly_rate",
    "sends_customer_survey",
    "sends_candidate_survey",
    "sends_match_survey",
    "sends_training_evaluation",
    "active",
]


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SDF = "sdf", _("Stadsdelsförvaltning")
        FACK = "fack", _("Fackförvaltning")
        BOLAG = "bolag", _("Bolag")

    name = models.CharField(_("namn"), max_length=200, unique=True)
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self):
        return self.name


class Manager(models.Model):
    """An ordering manager (beställare): the customer who orders and answers the customer survey."""

    name = models.CharField(_("namn"), max_length=200)
    email = models.EmailField(_("e-post"), unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="managers"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("beställare")
        verbose_name_plural = _("beställare")

    def __str__(self):
        return f"{self.name} ({self.email})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Sector(models.Model):
    """The sector (verksamhet) the recruited role works in; an admin-editable list."""

    name = models.CharField(_("namn"), max_length=100, unique=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("verksamhet")
        verbose_name_plural = _("verksamheter")

    def __str__(self):
        return self.name


class TimeCategory(models.Model):
    """Time not tied to an assignment: intern tid, utveckling, utbildning, ..."""

    name = models.CharField(_("namn"), max_length=100, unique=True)
    active = models.BooleanField(_("aktiv"), default=True)
    is_absence = models.BooleanField(
        _("frånvaro"),
        default=False,
        help_text=_(
            "Tid i kategorin (semester, sjukdom, ledighet) minskar konsultens kapacitet för uppdrag."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tidkategori")
        verbose_name_plural = _("tidkategorier")

    def __str__(self):
        return self.name


DEFAULT_WEEKLY_HOURS = Decimal("40")
DEFAULT_ASSIGNMENT_SHARE = Decimal("70")


class ConsultantCapacity(models.Model):
    """A consultant's working hours per week and the share of them meant for assignments.

    A consultant without a row has the defaults (40 h × 70 %, the plans' share of time on
    assignments); the load (selectors.load) reads both.
    """

    user = models.OneToOneField(
        User,
        verbose_name=_("konsult"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="capacity",
    )
    weekly_hours = models.DecimalField(
        _("arbetstid per vecka (h)"),
        default=DEFAULT_WEEKLY_HOURS,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("60"))],
        max_digits=5,
        decimal_places=2,
    )
    assignment_share = models.DecimalField(
        _("andel för uppdrag (%)"),
        default=DEFAULT_ASSIGNMENT_SHARE,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        max_digits=5,
        decimal_places=2,
        help_text=_("Den del av arbetstiden som är avsedd för uppdrag; resten är intern tid."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kapacitet")
        verbose_name_plural = _("kapaciteter")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_hours__gte=0) & Q(weekly_hours__lte=60), name="capacity_weekly_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(assignment_share__gte=0) & Q(assignment_share__lte=100),
                name="capacity_share_range",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.weekly_hours} h × {self.assignment_share} %"


class ConsultantCompetence(models.Model):
    """A consultant's line in the competence map (kompetenskarta), edited by the admin.

    What they may run (the packages by code, so the choice holds across price-list years, and
    whether they are certified for manager recruitments and in the test tools), the sectors and
    organisations they know besides those their closed assignments show, what they want more of
    and the city districts they work in. selectors.consultants_allowed reads the first part.
    """

    user = models.OneToOneField(
        User,
        verbose_name=_("konsult"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="competence",
    )
    package_codes = models.JSONField(_("paket"), default=list, blank=True)
    manager_certified = models.BooleanField(
        _("certifierad för chefsrekrytering"),
        default=False,
        help_text=_("Får driva rekryteringar på nivåerna chef och högre chef."),
    )
    test_certified = models.BooleanField(_("certifierad i testverktygen"), default=False)
    known_sectors = models.ManyToManyField(
        Sector, verbose_name=_("kända verksamheter"), blank=True, related_name="+"
    )
    known_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("kända organisationer"), blank=True, related_name="+"
    )
    areas = models.ManyToManyField(
        Organisation,
        verbose_name=_("arbetar i (stadsdelar)"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SDF},
    )
    wishes = models.TextField(_("önskemål"), blank=True, max_length=1000)
    history = HistoricalRecords(m2m_fields=[known_sectors, known_organisations, areas])

    class Meta:
        verbose_name = _("kompetens")
        verbose_name_plural = _("kompetenser")

    def __str__(self):
        return str(self.user)

    def may_run(self, package: "Package", level: str) -> bool:
        """The rule: the package among theirs; manager levels and packages only when certified."""
        if package.code not in self.package_codes:
            return False
        needs_certificate = package.is_manager_recruitment or level in MANAGER_LEVELS
        return self.manager_certified or not needs_certificate


# The assignment levels (Assignment.Level) only a consultant certified for manager recruitments runs.
MANAGER_LEVELS = ("chef", "hogre_chef")


def list_price(package: "Package", quantity: Decimal = Decimal("1")) -> Decimal:
    """What the price list says: the package's price × the quantity, to the öre."""
    return (package.price * quantity).quantize(CENT)


class AssignmentSequence(models.Model):
    """The last number handed out per order year; locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


# The references whose stored value the rules compare with (a retired register stays where it was).
STORED_REFERENCES = ("organisation_id", "sector_id", "package_id", "responsible_id", "redo_of_id")
INACTIVE_MESSAGES = {
    "organisation": _("Organisationen är inte aktiv."),
    "sector": _("Verksamheten är inte aktiv."),
    "package": _("Paketet är inte aktivt."),
    "responsible": _("Konsulten är inte aktiv."),
}
REDO_OUTCOMES = ("ej_tillsatt", "avbruten")


class Assignment(models.Model):
    class Level(models.TextChoices):
        MEDARBETARE = "medarbetare", _("Medarbetare")
        CHEF = "chef", _("Chef")
        HOGRE_CHEF = "hogre_chef", _("Högre chef")

    class Status(models.TextChoices):
        FORFRAGAN = "forfragan", _("Förfrågan")
        PAGAENDE = "pagaende", _("Pågående")
        AVSLUTAD = "avslutad", _("Avslutad")

    class Outcome(models.TextChoices):
        TILLSATT = "tillsatt", _("Tillsatt")
        EJ_TILLSATT = "ej_tillsatt", _("Ej tillsatt")
        AVBRUTEN = "avbruten", _("Avbruten")

    class CloseReason(models.TextChoices):
        """Why an assignment closed without a hire: said at close, counted in the omtag follow-up."""

        FA_SOKANDE = "fa_sokande", _("För få eller inga kvalificerade sökande")
        KANDIDAT_NEJ = "kandidat_nej", _("Kandidaten tackade nej")
        KUNDEN_AVBROT = "kunden_avbrot", _("Kunden avbröt eller ändrade behovet")
        ANNAN_LOSNING = "annan_losning", _("Tjänsten tillsattes på annat sätt")
        ANNAT = "annat", _("Annat")

    number = models.CharField(_("uppdragsnummer"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="assignments"
    )
    manager = models.ForeignKey(
        Manager, verbose_name=_("beställare"), on_delete=models.PROTECT, related_name="assignments"
    )
    role_title = models.CharField(_("tjänst"), max_length=200)
    level = models.CharField(_("nivå"), max_length=20, choices=Level.choices, default=Level.MEDARBETARE)
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("verksamhet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    package = models.ForeignKey(
        Package, verbose_name=_("paket"), on_delete=models.PROTECT, related_name="assignments"
    )
    quantity = models.DecimalField(
        _("antal"),
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Antal timmar, kandidater eller tillfällen när paketet inte prissätts per uppdrag."),
        **HOURS,
    )
    price = models.DecimalField(_("pris (kr)"), validators=[MinValueValidator(ZERO)], **MONEY)
    price_reason = models.CharField(_("skäl till avvikande pris"), max_length=300, blank=True)
    extra_hours = models.DecimalField(
        _("timmar tillägg"), default=ZERO, validators=[MinValueValidator(ZERO)], **HOURS
    )
    responsible = models.ForeignKey(
        User, verbose_name=_("ansvarig konsult"), on_delete=models.PROTECT, related_name="responsible_for"
    )
    colleagues = models.ManyToManyField(
        User, verbose_name=_("medarbetande konsulter"), blank=True, related_name="assists_on"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.FORFRAGAN)
    outcome = models.CharField(_("utfall"), max_length=20, choices=Outcome.choices, blank=True)
    close_reason = models.CharField(
        _("skäl till att ingen tillsattes"), max_length=20, choices=CloseReason.choices, blank=True
    )
    redo_of = models.ForeignKey(
        "self",
        verbose_name=_("omtag av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redos",
    )
    ordered_on = models.DateField(_("beställningsdatum"))
    started_on = models.DateField(_("startdatum"), null=True, blank=True)
    closed_on = models.DateField(_("avslutsdatum"), null=True, blank=True)
    applicants = models.PositiveIntegerField(_("antal sökande"), null=True, blank=True)
    hires = models.PositiveIntegerField(_("antal tillsatta"), null=True, blank=True)
    personal_letter = models.BooleanField(_("personligt brev"), default=False)
    screening = models.BooleanField(_("screening"), default=False)
    psychometric_tests = models.BooleanField(_("tester"), default=False)
    search = models.BooleanField(_("search"), default=False)
    references_checked = models.PositiveIntegerField(
        _("antal referenstagna kandidater"), null=True, blank=True
    )
    candidate_name = models.CharField(_("tillsatt kandidat"), max_length=200, blank=True)
    candidate_email = models.EmailField(_("kandidatens e-post"), blank=True)
    candidate_start = models.DateField(_("tillträde"), null=True, blank=True)
    invoiced_on = models.DateField(_("fakturerad"), null=True, blank=True)
    invoiced_amount = models.DecimalField(
        _("fakturerat belopp (kr)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    notes = models.TextField(_("anteckningar"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[colleagues])

    class Meta:
        ordering = ["-ordered_on", "-number"]
        verbose_name = _("uppdrag")
        verbose_name_plural = _("uppdrag")
        indexes = [
            # The list's order (Meta.ordering), read backwards; the ids ride along so a page of
            # ids is an index-only scan. Its leading column also serves every ordered_on range.
            models.Index(fields=["ordered_on", "number"], include=["id"], name="assignment_list_order"),
            models.Index(fields=["closed_on"]),
            models.Index(fields=["invoiced_on"]),
            models.Index(fields=["status"]),
            # *Nya beställare*: one look per manager of a period for an order before it.
            models.Index(fields=["manager", "ordered_on"], name="assignment_manager_order"),
            # The open assignments (the load, the suggestions, the start page): a few hundred of
            # thirty years' tens of thousands, found without reading the closed ones.
            models.Index(fields=["id"], condition=~Q(status="avslutad"), name="assignment_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="avslutad", outcome__in=["tillsatt", "ej_tillsatt", "avbruten"])
                | (~Q(status="avslutad") & Q(outcome="")),
                name="outcome_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="avslutad", closed_on__isnull=False) | ~Q(status="avslutad"),
                name="closed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.role_title}"

    def get_absolute_url(self):
        return reverse("assignment-detail", args=[self.pk])

    @property
    def year(self):
        return self.ordered_on.year

    @property
    def is_closed(self):
        return self.status == self.Status.AVSLUTAD

    @property
    def list_price(self):
        """What the price list says this assignment costs (package price × quantity)."""
        return list_price(self.package, self.quantity)

    @property
    def is_price_overridden(self):
        return self.price != self.list_price

    def default_invoice_amount(self, hourly_rate):
        """Price plus extra hours at the year's hourly rate."""
        return (self.price + self.extra_hours * (hourly_rate or ZERO)).quantize(CENT)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored = {name: instance.__dict__.get(name) for name in STORED_REFERENCES}
        return instance

    def stored(self, attname):
        """The value of a reference as it was read from the database (None for a new assignment)."""
        return getattr(self, "_stored", {}).get(attname)

    def clean(self):
        """The register's rules for one assignment, each written here once with its one message.

        The form (ModelForm validation), the API and the pages (through the services' full_clean)
        and the Access import (importing.check) all call this.
        """
        errors = {}
        if self.package_id and self.ordered_on and self.package.price_list.year != self.ordered_on.year:
            errors["package"] = _("Paketet ska komma från prislistan för beställningsåret %(year)s.") % {
                "year": self.ordered_on.year
            }
        # Registers that were retired stay on old assignments but are not chosen anew.
        for name, message in INACTIVE_MESSAGES.items():
            attname = f"{name}_id"
            chosen_id = getattr(self, attname)
            if chosen_id is None or chosen_id == self.stored(attname):
                continue
            chosen = getattr(self, name)
            if not (chosen.is_active if isinstance(chosen, User) else chosen.active):
                errors.setdefault(name, message)
        if (
            self.package_id
            and self.price is not None
            and self.quantity is not None
            and self.is_price_overridden
            and not self.price_reason.strip()
        ):
            errors["price_reason"] = _("Ange skäl när priset avviker från prislistans %(price)s.") % {
                "price": format_kr(self.list_price)
            }
        if self.started_on and self.ordered_on and self.started_on < self.ordered_on:
            errors["started_on"] = _("Startdatum kan inte vara före beställningsdatum.")
        if self.closed_on and self.ordered_on and self.closed_on < self.ordered_on:
            errors["closed_on"] = _("Avslutsdatum kan inte vara före beställningsdatum (%(date)s).") % {
                "date": self.ordered_on.isoformat()
            }
        if self.status == self.Status.AVSLUTAD:
            if not self.outcome:
                errors["outcome"] = _("Ange utfall när uppdraget avslutas.")
            if not self.closed_on:
                errors["closed_on"] = _("Ange avslutsdatum när uppdraget avslutas.")
        else:
            if self.outcome:
                errors["outcome"] = _("Utfall anges först när uppdraget avslutas.")
            if self.closed_on:
                errors.setdefault("closed_on", _("Avslutsdatum anges först när uppdraget avslutas."))
        if self.redo_of_id:
            if self.pk and self.redo_of_id == self.pk:
                errors["redo_of"] = _("Ett uppdrag kan inte vara omtag av sig självt.")
            elif self.redo_of_id != self.stored("redo_of_id") and self.redo_of.outcome not in REDO_OUTCOMES:
                errors["redo_of"] = _("Omtag görs av ett avslutat uppdrag som inte tillsattes.")
        if errors:
            raise ValidationError(errors)


class AssignmentSuggestion(models.Model):
    """What the registration page suggested (suggestions.suggest_consultants, the ranked user ids
    shown) when the assignment was registered; set beside the responsible chosen, for follow-up."""

    assignment = models.OneToOneField(
        Assignment, primary_key=True, on_delete=models.CASCADE, related_name="suggestion"
    )
    suggested = models.JSONField(_("föreslagna konsulter"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("förslag vid registrering")
        verbose_name_plural = _("förslag vid registrering")

    def __str__(self):
        return str(self.assignment)


class Step(models.TextChoices):
    """The steps of a recruitment's tidplan, in the order they normally come."""

    START_MEETING = "startmote", _("Startmöte")
    AD = "annons", _("Annons publiceras")
    LAST_APPLICATION = "sista_ansokan", _("Sista ansökningsdag")
    INTERVIEWS = "intervjuer", _("Intervjuer")
    TESTS = "tester", _("Tester")
    REFERENCES = "referenser", _("Referenser")
    DECISION = "beslut", _("Beslut")


STEP_ORDER = {value: index for index, value in enumerate(Step.values)}


class StandardScheduleStep(models.Model):
    """One step of a package's standard schedule (standardtidplan): how many calendar days it
    normally comes after the step before it (the first: after the order). By package code, so a
    schedule holds across the yearly price lists; services.save_standard_schedule keeps them."""

    package_code = models.SlugField(_("paketkod"), max_length=40)
    step = models.CharField(_("steg"), max_length=20, choices=Step.choices)
    position = models.PositiveSmallIntegerField(_("ordning"), editable=False)
    days = models.PositiveSmallIntegerField(
        _("dagar efter föregående steg"), validators=[MaxValueValidator(365)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("steg i standardtidplan")
        verbose_name_plural = _("standardtidplaner")
        ordering = ["package_code", "position"]
        constraints = [
            models.UniqueConstraint(fields=["package_code", "step"], name="standard_step_once"),
            models.CheckConstraint(condition=Q(days__lte=365), name="standard_step_days_range"),
        ]

    def __str__(self):
        return f"{self.package_code}: {self.get_step_display()} +{self.days} d"

    def save(self, *args, **kwargs):
        self.position = STEP_ORDER[self.step]
        super().save(*args, **kwargs)


class AssignmentStep(models.Model):
    """One step of an assignment's tidplan: when it is planned and when it was done. Made from
    the package's standard schedule at registration (services.apply_standard_schedule), then
    adjusted by the consultants (services.save_tidplan). The latest planned date is the
    assignment's planned end (the load and the suggestions read it)."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("uppdrag"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("steg"), max_length=20, choices=Step.choices)
    position = models.PositiveSmallIntegerField(_("ordning"), editable=False)
    planned_on = models.DateField(_("planerat datum"))
    done_on = models.DateField(_("klart"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("steg i tidplan")
        verbose_name_plural = _("tidplaner")
        ordering = ["assignment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "step"], name="assignment_step_once"),
        ]
        indexes = [
            models.Index(
                fields=["assignment", "position"],
                condition=Q(done_on__isnull=True),
                name="assignment_step_open",
            )
        ]

    def __str__(self):
        return f"{self.assignment}: {self.get_step_display()} {self.planned_on}"

    def save(self, *args, **kwargs):
        self.position = STEP_ORDER[self.step]
        super().save(*args, **kwargs)


class TimeEntry(models.Model):
    """Hours a consultant logged on a day, on an assignment or on a category not tied to one."""

    user = models.ForeignKey(
        User, verbose_name=_("konsult"), on_delete=models.PROTECT, related_name="time_entries"
    )
    date = models.DateField(_("datum"))
    hours = models.DecimalField(
        _("timmar"),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
        **HOURS,
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("uppdrag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    category = models.ForeignKey(
        TimeCategory,
        verbose_name=_("kategori"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    comment = models.CharField(_("kommentar"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("tidrapport")
        verbose_name_plural = _("tidrapporter")
        indexes = [
            models.Index(fields=["user", "date"]),
            models.Index(fields=["date"]),
            # Hours on the period's closed assignments, read from the index alone.
            models.Index(fields=["assignment"], include=["hours"], name="time_entry_hours"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(assignment__isnull=False) & Q(category__isnull=True))
                | (Q(assignment__isnull=True) & Q(category__isnull=False)),
                name="time_on_assignment_xor_category",
            ),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="time_hours_range"),
        ]

    def __str__(self):
        return f"{self.date} {self.hours} h"

    def clean(self):
        if not self.assignment_id and not self.category_id:
            raise ValidationError(
                {"assignment": _("Välj ett uppdrag, eller en kategori för tid utanför uppdrag.")}
            )
        if self.assignment_id and self.category_id:
            raise ValidationError({"category": _("Välj ett uppdrag eller en kategori, inte båda.")})

    def validate_constraints(self, exclude=None):
        # clean() says the assignment-or-category rule on its field; the constraint is the
        # database's guard of the same rule and would repeat it under its own name.
        super().validate_constraints(exclude={*(exclude or ()), "assignment", "category"})


class SavedFilter(models.Model):
    """A filter of the assignment list that a user saved under a name, to pick again later."""

    MAX_PER_USER = 30

    user = models.ForeignKey(
        User, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("namn"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sparat filter")
        verbose_name_plural = _("sparade filter")
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="saved_filter_name_unique_per_user"),
        ]

    def __str__(self):
        return self.name


class Budget(models.Model):
    year = models.PositiveIntegerField(
        _("år"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    ftes = models.DecimalField(
        _("årsarbetare"), max_digits=6, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    revenue = models.DecimalField(_("intäktsbudget (kr)"), validators=[MinValueValidator(ZERO)], **MONEY)
    costs = models.DecimalField(
        _("kostnadsbudget inkl. OH (kr)"), validators=[MinValueValidator(ZERO)], **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgetar")

    def __str__(self):
        return f"Budget {self.year}"

    def get_absolute_url(self):
        return reverse("budget-detail", args=[self.year])

    @property
    def budget_per_fte(self) -> Decimal | None:
        """The revenue budget ÷ the budgeted FTEs, in whole kronor: a plan, not the year's
        intäkt per årsarbetare (the year's revenue ÷ FTEs)."""
        if not self.ftes:
            return None
        return (self.revenue / self.ftes).quantize(Decimal("1"))


class BudgetLine(models.Model):
    """One row of the volume plan: planned count of a package."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    package = models.ForeignKey(Package, verbose_name=_("paket"), on_delete=models.PROTECT)
    planned_count = models.DecimalField(
        _("planerat antal"), max_digits=8, decimal_places=1, validators=[MinValueValidator(ZERO)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["package__name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "package"], name="budget_line_unique_package")
        ]

    def __str__(self):
        return f"{self.package} × {self.planned_count}"

    @property
    def amount(self):
        return self.planned_count * self.package.price


class ImportJob(ImportJobBase):
    """An upload of the Access export, checked and imported by a Celery task (tasks.run_import)."""

    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # What the import made besides assignments: {"organisations": [name], "managers": [{name,
    # email, organisation}], "price_lists": [{year, code, package, price}]}.
    created_names = models.JSONField(default=dict, blank=True)
    # What the file needs confirmed ({"names": [...], "price_lists": [...]}, importing.Checked),
    # and, on the job that runs after the confirmation, what was confirmed.
    confirmation = models.JSONField(default=dict, blank=True)
    confirmed = models.JSONField(default=dict, blank=True)

    detail_url_name = "import-detail"
    start_url_name = "import-start"

    @property
    def awaits_confirmation(self) -> bool:
        """Failed only for what a confirmation settles; the upload is kept until then."""
        return self.state == self.State.FAILED and bool(self.confirmation) and bool(self.file)

    def finish(self, keep_file: bool = False, **fields):
        if keep_file:  # awaiting confirmation (tasks._import): the confirmed run reads it again
            super(ImportJobBase, self).finish(**fields)
        else:
            super().finish(**fields)
