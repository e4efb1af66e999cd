from django.urls import path

from .views import public, staff

urlpatterns = [
    path("enkat/tack/", public.thanks, name="survey-thanks"),
    path("enkat/<str:token>/", public.answer, name="survey-answer"),
    path("tillganglighet/", public.accessibility, name="accessibility"),
    path("enkater/", staff.results, name="survey-results"),
    path("enkater/jamforelse/", staff.comparison, name="survey-comparison"),
    path("enkater/citat/<int:pk>/", staff.toggle_quote, name="survey-quote"),
    path("enkater/uppfoljning/", staff.follow_up_list, name="follow-up-list"),
    path("enkater/uppfoljning/<int:pk>/", staff.follow_up_detail, name="follow-up-detail"),
    path("enkater/uppdrag/<int:pk>/", staff.assignment_invitations, name="assignment-invitations"),
    path("enkater/formular/", staff.questionnaire_list, name="questionnaire-list"),
    path("enkater/import/", staff.response_import, name="response-import"),
    path("enkater/formular/<int:pk>/", staff.questionnaire_detail, name="questionnaire-detail"),
]
