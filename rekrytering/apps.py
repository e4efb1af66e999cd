from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The shared kernel every app stands on: periods, Swedish numbers, access, audit, privacy, jobs."""

    name = "rekrytering"
    verbose_name = "Gemensamt"

    def ready(self):
        from . import audit  # noqa: F401 (connects the login audit and session receivers)
