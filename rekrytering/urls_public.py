"""The URLs of the public survey site (SITE_ROLE=public): the answer pages and nothing else.

Run as processes of their own behind the same host name (the proxy sends /enkat/ and
/tillganglighet/ here), the pages respondents open from an e-mail neither share a worker with the
staff's heavy pages nor expose a login, the admin or the API to the internet.
"""

from django.urls import path

from surveys.views import public

urlpatterns = [
    path("enkat/tack/", public.thanks, name="survey-thanks"),
    path("enkat/<str:token>/", public.answer, name="survey-answer"),
    path("tillganglighet/", public.accessibility, name="accessibility"),
]


def not_found(request, exception=None):
    """Any other address: the survey pages' own answer (the staff's 404 page links to their pages)."""
    return public.unavailable(request)


handler404 = not_found
