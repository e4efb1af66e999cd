from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "assignments"
    verbose_name = "Uppdrag"

    def ready(self):
        from . import audit  # noqa: F401 (connects the login audit and session receivers)
