"""Placeholder while the pages are written."""

from django.http import HttpResponse
from django.views import View


class AssignmentListView(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("", status=503)


def assignment_close(request, *args, **kwargs):
    return HttpResponse("", status=503)


def assignment_create(request, *args, **kwargs):
    return HttpResponse("", status=503)


def assignment_detail(request, *args, **kwargs):
    return HttpResponse("", status=503)


def assignment_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def assignment_list_xlsx(request, *args, **kwargs):
    return HttpResponse("", status=503)

