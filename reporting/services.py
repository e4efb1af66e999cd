"""Changes to the reporting app's own data: the finance figures the register does not hold, and
the tertial reports (ordered here, built by tasks.build_report with `build_tertial_report`)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from assignments.models import User
from rekrytering import memo
from rekrytering.celery import enqueue_on_commit
from rekrytering.jobs import Progress

from .models import MonthlyCost, TertialReport, YearOutcome


@transaction.atomic
def save_economy(*, year: int, monthly_costs: dict[int, Decimal | None], outcome: dict, by: User) -> None:
    """Store a year's monthly costs (None clears a month) and its outcome (all None removes it)."""
    if not by.is_head:
        raise PermissionDenied(_("Bara chefer och administratörer anger kostnader och utfall."))
    for month, amount in monthly_costs.items():
        if amount is None:
            MonthlyCost.objects.filter(year=year, month=month).delete()
        else:
            MonthlyCost.objects.update_or_create(year=year, month=month, defaults={"amount": amount})
    if all(value is None for value in outcome.values()):
        YearOutcome.objects.filter(year=year).delete()
    else:
        YearOutcome.objects.update_or_create(year=year, defaults=outcome)


@transaction.atomic
def request_tertial_report(*, year: int, tertial: int, by: User) -> TertialReport:
    """Order a tertial report; the task builds it once the order is committed."""
    from .tasks import build_report

    report = TertialReport.objects.create(year=year, tertial=tertial, created_by=by)
    enqueue_on_commit(build_report, report.pk)
    return report


def build_tertial_report(report: TertialReport, progress: Progress) -> dict:
    """The work of the report's job (rekrytering.jobs.run_job): build the workbook sheet by sheet
    and then the Word document part by part from the same figures, reporting each step as one
    progress (the workbook's steps first), and save both. Returns the finished report's fields."""
    from . import document, workbook
    from .tertial import report_data

    total = workbook.STEPS + document.STEPS

    def step_from(first: int):
        def step(number: int, _steps: int, label: str) -> None:
            progress(first + number, total, step_label=label[:100])

        return step

    with memo.figure_cache():
        progress(0, total, step_label=_("Räknar fram nyckeltal"))
        data = report_data(report.year, report.tertial)
        content = workbook.build_workbook(report.year, report.tertial, progress=step_from(0), data=data)
        word = document.build_document(
            report.year, report.tertial, progress=step_from(workbook.STEPS), data=data
        )
    report.file.save(report.filename, ContentFile(content), save=False)
    report.document.save(report.document_filename, ContentFile(word), save=False)
    return {
        "state": TertialReport.State.DONE,
        "file": report.file.name,
        "document": report.document.name,
        "processed": F("total"),
        "step_label": _("Klar"),
    }


def notify_report_done(report: TertialReport) -> None:
    """E-mail the one who ordered the report a link to it."""
    if not report.created_by.email:
        return
    link = settings.SITE_URL + report.get_absolute_url()
    send_mail(
        f"Tertialrapport {report.tertial} {report.year} är klar",
        f"Hej!\n\nTertialrapporten för tertial {report.tertial} {report.year} är klar, som Excelfil och "
        f"som Word-dokument. Hämta dem här:\n{link}\n\nServiceförvaltningen Rekrytering",
        None,
        [report.created_by.email],
    )
