from datetime import date

import pytest

from assignments.demo import load_demo as load_assignments
from surveys.demo import load_demo
from surveys.models import Invitation, Response


@pytest.mark.django_db
def test_demo_surveys_respect_privacy_and_are_idempotent():
    today = date(2026, 6, 15)
    load_assignments(stdout=lambda line: None, today=today)
    load_demo(stdout=lambda line: None, today=today)
    assert Response.objects.filter(kind="kundenkat").count() > 300
    assert not Response.objects.filter(kind="kandidatenkat", assignment__isnull=False).exists()
    finished = Invitation.objects.filter(
        questionnaire__kind="kandidatenkat", status__in=["answered", "expired"]
    )
    assert finished.exists()
    assert not finished.exclude(email="").exists()
    assert not finished.exclude(assignment__candidate_email="").exists()
    assert not Invitation.objects.filter(questionnaire__kind="kundenkat", email="").exists()
    count = Response.objects.count()
    load_demo(stdout=lambda line: None, today=today)
    assert Response.objects.count() == count
