"""Reporting: the finance figures the register does not hold, and the built tertial reports."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class MonthlyCost(models.Model):
    """The month's actual costs incl. overhead, as booked in the finance system (Agresso)."""

    year = models.PositiveIntegerField(_("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(
        _("månad"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    amount = models.DecimalField(_("kostnader inkl. OH (kr)"), validators=[MinValueValidator(ZERO)], **MONEY)

    class Meta:
        ordering = ["year", "month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="monthly_cost_unique_month")]
        verbose_name = _("månadskostnad")
        verbose_name_plural = _("månadskostnader")

    def __str__(self):
        return f"{self.year}-{self.month:02d}: {self.amount} kr"


class YearOutcome(models.Model):
    """A closed year's outcome from the finance system. Where a figure is given it replaces the
    one computed from the register (years before the register, or corrections after closing)."""

    year = models.PositiveIntegerField(
        _("år"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    ftes = models.DecimalField(
        _("årsarbetare (utfall)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    revenue = models.DecimalField(
        _("intäkter, utfall (kr)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    costs = models.DecimalField(
        _("kostnader inkl. OH, utfall (kr)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        **MONEY,
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("årsutfall")
        verbose_name_plural = _("årsutfall")

    def __str__(self):
        return f"Utfall {self.year}"


class TertialReport(models.Model):
    """A tertial report workbook, built by a Celery task and kept for download."""

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        RUNNING = "running", _("Skapas")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Misslyckades")

    year = models.PositiveIntegerField(_("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    tertial = models.PositiveSmallIntegerField(
        _("tertial"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    step = models.PositiveSmallIntegerField(default=0)
    steps = models.PositiveSmallIntegerField(default=0)
    step_label = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tertialrapport")
        verbose_name_plural = _("tertialrapporter")

    def __str__(self):
        return f"Tertialrapport {self.tertial} {self.year}"

    def get_absolute_url(self):
        return reverse("report-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return int(100 * self.step / self.steps) if self.steps else 0

    @property
    def running(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)

    @property
    def filename(self) -> str:
        return f"tertialrapport-{self.year}-T{self.tertial}.xlsx"
