"""Reporting: the finance figures the register does not hold, and the built tertial reports."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rekrytering.jobs import BackgroundJob

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


class TertialReport(BackgroundJob):
    """A tertial report, built by a Celery task (tasks.build_report) and kept for download: the
    Excel workbook (`file`) and the Word document (`document`) of the same figures.

    Its progress is the workbook's sheets, then the document's parts: `processed` of `total`
    steps, the current one named in `step_label`."""

    year = models.PositiveIntegerField(_("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    tertial = models.PositiveSmallIntegerField(
        _("tertial"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    step_label = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    # Empty for a report built before the document was part of it.
    document = models.FileField(upload_to="reports/%Y/", blank=True)
    error = models.TextField(blank=True)

    detail_url_name = "report-detail"
    state_labels = {BackgroundJob.State.RUNNING: _("Skapas"), BackgroundJob.State.FAILED: _("Misslyckades")}

    class Meta(BackgroundJob.Meta):
        verbose_name = _("tertialrapport")
        verbose_name_plural = _("tertialrapporter")

    def __str__(self):
        return f"Tertialrapport {self.tertial} {self.year}"

    @property
    def filename(self) -> str:
        return f"tertialrapport-{self.year}-T{self.tertial}.xlsx"

    @property
    def document_filename(self) -> str:
        return f"tertialrapport-{self.year}-T{self.tertial}.docx"

    def failure_fields(self, message, error=None):
        # For the administrator the chef is asked to contact; the page says only that it failed.
        detail = f"{message} ({type(error).__name__}: {error})" if error else message
        return {"error": detail[:2000]}
