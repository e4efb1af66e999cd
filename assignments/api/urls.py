from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="api-organisation")
router.register("managers", views.ManagerViewSet, basename="api-manager")
router.register("packages", views.PackageViewSet, basename="api-package")
router.register("assignments", views.AssignmentViewSet, basename="api-assignment")
router.register("time-entries", views.TimeEntryViewSet, basename="api-time-entry")
# Before the router's routes, so that assignments/<pk>/ does not take "suggestions" for a pk.
urlpatterns = [
    path("assignments/suggestions/", views.SuggestionsView.as_view(), name="api-assignment-suggestions"),
    *router.urls,
    path("load/", views.LoadView.as_view(), name="api-load"),
    # Any other address ending in a slash is a JSON 404 too (e.g. /assignments/1.5/close/), not the
    # site's HTML page, also when it holds a newline ([\s\S], not .); one without the slash still gets
    # Django's redirect to it.
    re_path(r"^[\s\S]*/$", views.NotFoundView.as_view(), name="api-not-found"),
]
