from django.urls import path

from .views import public

urlpatterns = [
    path("enkat/tack/", public.thanks, name="survey-thanks"),
    path("enkat/<str:token>/", public.answer, name="survey-answer"),
    path("tillganglighet/", public.accessibility, name="accessibility"),
]
