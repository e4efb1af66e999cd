"""Placeholder while the pages are written."""

from django.http import HttpResponse
from django.views import View


def start(request, *args, **kwargs):
    return HttpResponse("", status=503)

