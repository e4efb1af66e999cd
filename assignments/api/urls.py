from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="api-organisation")
router.register("managers", views.ManagerViewSet, basename="api-manager")
router.register("packages", views.PackageViewSet, basename="api-package")
router.register("assignments", views.AssignmentViewSet, basename="api-assignment")
router.register("time-entries", views.TimeEntryViewSet, basename="api-time-entry")
# Any other address ending in a slash is a JSON 404 too (e.g. /assignments/1.5/close/), not the
# site's HTML page, also when it holds a newline ([\s\S], not .); one without the slash still gets
# Django's redirect to it.
urlpatterns = router.urls + [
    path("load/", views.LoadView.as_view(), name="api-load"),
    re_path(r"^[\s\S]*/$", views.NotFoundView.as_view(), name="api-not-found"),
]
