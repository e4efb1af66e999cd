"""Upload of the Access export: form, progress and result. (Being written: issue 2.)"""

from django.http import HttpResponse


def import_start(request):
    return HttpResponse("Import kommer snart", status=503)


def import_detail(request, pk):
    return HttpResponse("Import kommer snart", status=503)


def import_template(request, fmt):
    return HttpResponse("Import kommer snart", status=503)
