"""Upload of the Access export: the form, the job's progress (polled with htmx) and its result."""

import io

from django import forms
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rekrytering.access import admin_required
from rekrytering.celery import enqueue_on_commit
from rekrytering.jobs import job_page
from rekrytering.uploads import SpreadsheetField

from ..exporting import COLUMN_HELP, EXPORT_COLUMNS, XLSX_TYPE, template_csv, template_xlsx
from ..models import ImportJob
from ..tasks import run_import


class ImportForm(forms.Form):
    file = SpreadsheetField(
        label=gettext_lazy("Fil (.xlsx eller .csv)"),
        extensions=(".xlsx", ".csv"),
        error_messages={
            "required": gettext_lazy("Välj en fil att importera."),
            "empty": gettext_lazy("Filen är tom."),
        },
    )


@admin_required
def import_start(request):
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = ImportJob.objects.create(
                file=upload, original_name=upload.name[:255], created_by=request.user
            )
            enqueue_on_commit(run_import, job.pk)
        return redirect("import-detail", pk=job.pk)
    return render(
        request,
        "assignments/import_start.html",
        {
            "nav": "import",
            "form": form,
            "jobs": ImportJob.objects.select_related("created_by")[:10],
            "columns": [(name, COLUMN_HELP[name]) for name in EXPORT_COLUMNS],
        },
    )


@admin_required
def import_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    return job_page(request, job, status_template="assignments/_import_status.html", nav="import")


@admin_required
def import_template(request, fmt):
    if fmt == "xlsx":
        buffer = io.BytesIO()
        template_xlsx(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    elif fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404(_("Mallen finns som .xlsx och .csv."))
    response["Content-Disposition"] = f'attachment; filename="uppdrag-mall.{fmt}"'
    return response
