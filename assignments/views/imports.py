"""Upload of the Access export: the form, the job's progress (polled with htmx) and its result."""

import io

from django import forms
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rekrytering.celery import enqueue_on_commit

from ..exporting import COLUMN_HELP, EXPORT_COLUMNS, XLSX_TYPE, template_csv, template_xlsx
from ..models import ImportJob
from ..tasks import run_import
from .common import admin_required

MAX_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fil (.xlsx eller .csv)"),
        help_text=gettext_lazy("Högst 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={
            "required": gettext_lazy("Välj en fil att importera."),
            "empty": gettext_lazy("Filen är tom."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Välj en .xlsx- eller .csv-fil."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Filen är större än 10 MB. Dela upp den i flera filer."))
        if name.endswith(".xlsx"):
            start = upload.read(4)
            upload.seek(0)
            if start != b"PK\x03\x04":  # every .xlsx is a zip archive
                raise forms.ValidationError(_("Filen är ingen Excel-fil (.xlsx), fast namnet slutar så."))
        return upload


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
    template = "assignments/_import_status.html" if request.htmx else "assignments/import_detail.html"
    return render(request, template, {"nav": "import", "job": job})


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
