"""Two people (or a double click) submitting the same link at once store one response."""

import re
import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection, connections

from assignments import services as assignment_services
from surveys import services
from surveys.models import Response
from tests.factories import AssignmentFactory, PackageFactory, PriceListFactory


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_store_one_response(konsult):
    if connection.vendor != "postgresql":
        pytest.skip("Radlås mellan trådar prövas på PostgreSQL (SQLite-testdatabasen ligger i minnet)")
    package = PackageFactory(price_list=PriceListFactory(year=2026), sends_candidate_survey=False)
    a = AssignmentFactory(responsible=konsult, package=package, ordered_on=date(2026, 3, 2))
    assignment_services.close_assignment(a, by=konsult, outcome="ej_tillsatt", closed_on=date(2026, 4, 1))
    for pk in services.due_invitation_ids():
        services.send_invitation(pk)
    token = re.search(r"/enkat/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
    answers = {
        key: "9"
        for key in [
            "planering",
            "annons",
            "urval",
            "intervjuer",
            "aterkoppling_tester",
            "kompetensbaserat",
            "samarbete",
            "helhet",
            "nps",
        ]
    }
    start = threading.Barrier(4)
    outcomes = []

    def submit():
        try:
            start.wait()
            response, errors = services.submit_response(token, answers)
            outcomes.append(response is not None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    assert Response.objects.count() == 1
