"""The report's progress fields were renamed to the background job's (0002): rows keep their values."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reporting", "0001_initial")]
AFTER = [("reporting", "0002_tertial_report_background_job")]


@pytest.mark.django_db(transaction=True)
def test_step_and_steps_are_kept_as_processed_and_total(chef):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("reporting", "TertialReport")
    pk = old.objects.create(
        year=2025, tertial=3, created_by_id=chef.pk, state="running", step=4, steps=10, step_label="Ekonomi"
    ).pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("reporting", "TertialReport")
    report = new.objects.get(pk=pk)
    assert (report.state, report.processed, report.total, report.step_label) == ("running", 4, 10, "Ekonomi")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
