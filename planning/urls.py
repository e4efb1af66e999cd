from django.urls import path

from . import views

urlpatterns = [
    path("plan/", views.plan_list, name="plan-list"),
    path("plan/import/", views.import_view, name="plan-import"),
    path("plan/import/mall.xlsx", views.import_template, name="plan-import-template"),
    path("plan/import/<int:pk>/", views.import_detail, name="plan-import-detail"),
    path("plan/ny/", views.plan_create, name="plan-create"),
    path("plan/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plan/<int:pk>/export.xlsx", views.export, name="plan-export"),
    path("plan/<int:pk>/kopiera/", views.copy, name="plan-copy"),
    path("plan/<int:pk>/status/", views.set_status, name="plan-status"),
    path("plan/<int:pk>/forslag/", views.measure_proposals, name="plan-proposals"),
    path("plan/<int:pk>/mal/ny/", views.goal_edit, name="goal-create"),
    path("plan/<int:pk>/mal/<int:goal_pk>/", views.goal_edit, name="goal-edit"),
    path("plan/<int:pk>/mal/<int:goal_pk>/indikator/ny/", views.indicator_edit, name="indicator-create"),
    path(
        "plan/<int:pk>/mal/<int:goal_pk>/indikator/<int:indicator_pk>/",
        views.indicator_edit,
        name="indicator-edit",
    ),
    path("plan/<int:pk>/mal/<int:goal_pk>/aktivitet/ny/", views.activity_edit, name="activity-create"),
    path(
        "plan/<int:pk>/mal/<int:goal_pk>/aktivitet/<int:activity_pk>/",
        views.activity_edit,
        name="activity-edit",
    ),
    path("plan/<int:pk>/mal/<int:goal_pk>/ansvariga/", views.goal_responsibles, name="goal-responsibles"),
    path("plan/<int:pk>/tidsfrister/", views.deadlines, name="plan-deadlines"),
    path("plan/<int:pk>/t<int:tertial>/", views.follow_up, name="plan-follow-up"),
    path("plan/<int:pk>/t<int:tertial>/mal/<int:goal_pk>/", views.goal_follow_up, name="goal-follow-up"),
    path("plan/<int:pk>/t<int:tertial>/mal/<int:goal_pk>/granskning/", views.goal_review, name="goal-review"),
    path("plan/<int:pk>/t<int:tertial>/las/", views.lock, name="plan-lock"),
    path("plan/<int:pk>/t<int:tertial>/las-upp/", views.unlock, name="plan-unlock"),
]
