from datetime import date

import pytest

from planning import demo
from planning.models import Indicator, Plan


@pytest.mark.django_db
def test_load_plan_from_yaml(tmp_path, monkeypatch):
    (tmp_path / "plan-2025.yaml").write_text(
        """
year: 2025
title: "Verksamhetsplan 2025"
goals:
  - level: "kf_inriktning"
    number: "3"
    title: "Ett Stockholm med en stabil och hållbar ekonomi"
    parent: ""
  - level: "enhet"
    number: ""
    title: "Nöjda kunder"
    parent: "Ett Stockholm med en stabil och hållbar ekonomi"
    indicators:
      - name: "NPS"
        target: "70 NPS"
        kf_target: "Tas fram av nämnd"
        periodicity: "Tertial"
        direction: "at_least"
      - name: "Sjukfrånvaro"
        target: "4 %"
        periodicity: "År"
        direction: "at_most"
    activities:
      - text: "Ta fram en kommunikationsplan"
        start: "2025-01-01"
        end: "2025-06-30"
        responsible: "Enhetschef"
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(demo, "DATA", tmp_path)
    demo.load_demo(stdout=lambda line: None, today=date(2026, 3, 1))
    demo.load_demo(stdout=lambda line: None, today=date(2026, 3, 1))
    plan = Plan.objects.get(year=2025)
    nps = Indicator.objects.get(goal__plan=plan, name="NPS")
    assert (nps.measure, nps.target_value, nps.target_unit, nps.kf_target) == (
        "nps",
        70,
        "NPS",
        "Tas fram av nämnd",
    )
    assert Indicator.objects.get(goal__plan=plan, name="Sjukfrånvaro").periodicity == "ar"
    assert plan.goals.get(title="Nöjda kunder").parent.number == "3"
    assert Plan.objects.count() == 1  # no admin user: no draft copy


@pytest.mark.django_db
def test_source_plans_load_and_export_their_tables():
    import io

    import yaml
    from openpyxl import load_workbook

    from planning.excel import export_plan

    demo.load_demo(stdout=lambda line: None, today=date(2026, 3, 1))
    for year in (2024, 2025):
        source = yaml.safe_load((demo.DATA / f"plan-{year}.yaml").read_text(encoding="utf-8"))
        plan = Plan.objects.get(year=year, unit__isnull=True)
        indicators = [i["name"] for g in source["goals"] for i in (g.get("indicators") or [])]
        activities = [a["text"] for g in source["goals"] for a in (g.get("activities") or [])]
        buffer = io.BytesIO()
        export_plan(plan, buffer)
        workbook = load_workbook(io.BytesIO(buffer.getvalue()))
        exported_indicators = [
            row[1] for row in workbook["Indikatorer"].iter_rows(min_row=2, values_only=True)
        ]
        exported_activities = [
            row[1] for row in workbook["Aktiviteter"].iter_rows(min_row=2, values_only=True)
        ]
        assert sorted(exported_indicators) == sorted(indicators)
        assert sorted(exported_activities) == sorted(activities)
    computed = Indicator.objects.filter(goal__plan__year=2025).exclude(measure="")
    assert computed.count() >= 5


@pytest.mark.django_db
def test_demo_plans_have_responsibles_and_deadlines():
    from assignments.demo import seed_users
    from planning import services
    from planning.models import Goal

    seed_users(stdout=lambda line: None, password=None)
    demo.load_demo(stdout=lambda line: None, today=date(2026, 3, 1))
    demo.load_demo(stdout=lambda line: None, today=date(2026, 3, 1))  # again: nothing changes
    for year in (2025, 2026):
        plan = Plan.objects.get(year=year, unit__isnull=True)
        goals = plan.goals.filter(level__in=[Goal.Level.NAMND, Goal.Level.ENHET])
        assert goals.exists() and not goals.filter(responsible__isnull=True).exists()
        assert {"konsult", "chef"} <= set(goals.values_list("responsible__username", flat=True))
        due = services.deadlines(plan)
        assert due[1].due_on == date(year, 5, 10) and (due[3].due_on, due[3].own) == (
            date(year + 1, 1, 20),
            True,
        )
    sick = Indicator.objects.get(goal__plan__year=2025, name="Sjukfrånvaro")
    assert sick.responsible.username == "chef"
    # The demo konsult has something to report in the current year's follow-up.
    konsult = Goal.objects.filter(plan__year=2026, responsible__username="konsult").first()
    assert konsult is not None
