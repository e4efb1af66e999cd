from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="api-organisation")
router.register("managers", views.ManagerViewSet, basename="api-manager")
router.register("packages", views.PackageViewSet, basename="api-package")
router.register("assignments", views.AssignmentViewSet, basename="api-assignment")
router.register("time-entries", views.TimeEntryViewSet, basename="api-time-entry")
urlpatterns = router.urls
