"""Placeholder while the pages are written."""

from django.http import HttpResponse
from django.views import View


def entry_create(request, *args, **kwargs):
    return HttpResponse("", status=503)


def entry_delete(request, *args, **kwargs):
    return HttpResponse("", status=503)


def entry_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def week(request, *args, **kwargs):
    return HttpResponse("", status=503)

