"""Placeholder while the pages are written."""

from django.http import HttpResponse
from django.views import View


def budget_detail(request, *args, **kwargs):
    return HttpResponse("", status=503)


def budget_list(request, *args, **kwargs):
    return HttpResponse("", status=503)


def category_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def category_list(request, *args, **kwargs):
    return HttpResponse("", status=503)


def home(request, *args, **kwargs):
    return HttpResponse("", status=503)


def manager_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def organisation_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def organisation_list(request, *args, **kwargs):
    return HttpResponse("", status=503)


def package_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def pricelist_copy(request, *args, **kwargs):
    return HttpResponse("", status=503)


def pricelist_detail(request, *args, **kwargs):
    return HttpResponse("", status=503)


def pricelist_list(request, *args, **kwargs):
    return HttpResponse("", status=503)


def sector_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def sector_list(request, *args, **kwargs):
    return HttpResponse("", status=503)


def user_edit(request, *args, **kwargs):
    return HttpResponse("", status=503)


def user_list(request, *args, **kwargs):
    return HttpResponse("", status=503)

