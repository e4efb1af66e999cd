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
