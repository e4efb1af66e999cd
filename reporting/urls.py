from django.urls import path

from . import views

urlpatterns = [
    path("rapporter/", views.dashboard_view, name="reporting-dashboard"),
    path("rapporter/ekonomi/<int:year>/", views.economy_edit, name="economy-edit"),
    path("rapporter/plan/", views.plan_view, name="reporting-plan"),
    path("belaggning/", views.load_view, name="reporting-load"),
    path("rapporter/tertialrapporter/", views.report_list, name="report-list"),
    path("rapporter/tertialrapporter/ny/", views.report_create, name="report-create"),
    path("rapporter/tertialrapporter/<int:pk>/", views.report_detail, name="report-detail"),
    path("rapporter/tertialrapporter/<int:pk>/fil/", views.report_download, name="report-download"),
    path("rapporter/tertialrapporter/<int:pk>/word/", views.report_document, name="report-document"),
]
