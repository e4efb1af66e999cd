"""Upload of the Access export: the form, the job's progress (polled with htmx) and its result."""

import io

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ..exporting import EXPORT_COLUMNS, template_xlsx
from ..models import ImportJob
from ..tasks import run_import
from .common import admin_required

MAX_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (.xlsx eller .csv)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Välj en .xlsx- eller .csv-fil."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Filen är större än 10 MB. Dela upp den i flera filer."))
        if upload.size == 0:
            raise forms.ValidationError(_("Filen är tom."))
        return upload


@admin_required
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(file=upload, original_name=upload.name[:255], created_by=request.user)
        transaction.on_commit(lambda: run_import.delay(job.pk))
        messages.info(request, _("Filen %(name)s läses in.") % {"name": upload.name})
        return redirect("import-detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by")[:10]
    return render(
        request,
        "assignments/import_start.html",
        {
            "nav": "import",
            "form": form,
            "jobs": jobs,
            "columns": EXPORT_COLUMNS,
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
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="uppdrag-mall.xlsx"'
        return response
    if fmt == "csv":
        header = ";".join(EXPORT_COLUMNS) + "\r\n"
        example = (
            "2026-0001;2026-03-02;Farsta stadsdelsförvaltning;Exempel Exempelsson;"
            "exempel.exempelsson@example.org;Förskollärare;Medarbetare;Förskola;stora;27 000;0;KK;"
            "Pågående;;42;Nej;Ja;Nej;\r\n"
        )
        response = HttpResponse(
            ("\ufeff" + header + example).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="uppdrag-mall.csv"'
        return response
    return HttpResponse(_("Okänt format."), status=404)
