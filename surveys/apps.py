from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Enkäter"

    def ready(self):
        from assignments.signals import assignment_closed, assignment_history_events

        from .selectors import history_events
        from .services import on_assignment_closed

        assignment_closed.connect(on_assignment_closed, dispatch_uid="surveys.schedule_on_close")
        assignment_history_events.connect(history_events, dispatch_uid="surveys.invitation_changes")
