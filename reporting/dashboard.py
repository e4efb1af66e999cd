"""The dashboard's sections as tables (shown, charted and downloadable from the same rows)."""

from __future__ import annotations

from datetime import date

from planning.services import tertial_period
from planning.targets import format_target
from rekrytering import memo
from rekrytering.charts import Table
from surveys.models import Kind

from . import figures as f
from .figures import Scope


def _change(now, before):
    if now is None or before is None:
        return None
    return f.as_decimal(round(float(now) - float(before), 1) + 0.0)


def build(scope: Scope, today: date, *, everyone=None, with_plan: bool = True) -> dict:
    """All sections, in one figure cache so that a figure the plan's indicators share with the
    rest of the page (the economy, the survey counts, new managers) is fetched once.
    `everyone`: the consultants, when the caller has loaded them already; `with_plan=False`
    leaves the plan section out."""
    with memo.figure_cache():
        return _build(scope, today, everyone=everyone, with_plan=with_plan)


def _build(scope: Scope, today: date, *, everyone=None, with_plan: bool = True) -> dict:
    year = scope.period.year
    finance = f.finance_years(range(year - 3, year + 1))
    if scope.department:  # the year's months and the four-year summary in the same two queries
        f.revenue_years(range(year - 3, year + 1))
    packages = f.package_names(year)
    assignments = f.assignment_figures(scope, packages)
    economy = f.economy_figures(scope, today, finance)
    time = f.time_figures(scope, packages, {row[1]: row[3] for row in assignments["per_package"]}, today)
    plan_period = tertial_period(year, scope.period.tertial)
    surveys = f.survey_figures(scope, also=[plan_period] if with_plan and scope.consultant is None else [])
    keys = f.key_figures(assignments, economy, surveys)
    tables: list[Table] = []

    tables.append(
        Table(
            "paket",
            "Uppdrag per paket",
            ["Paket", "Kod", "Beställda", "Avslutade"],
            assignments["per_package"],
            chart={"type": "bar", "label": 0, "values": [2, 3]},
        )
    )
    tables.append(
        Table(
            "organisationstyp",
            "Beställda uppdrag per typ av organisation",
            ["Typ", "Beställda"],
            assignments["per_kind"],
            chart={"type": "bar", "label": 0, "values": [1]},
        )
    )
    tables.append(
        Table(
            "verksamhet",
            "Beställda uppdrag per verksamhet",
            ["Verksamhet", "Beställda"],
            assignments["per_sector"],
            chart={"type": "bar", "label": 0, "values": [1]},
        )
    )

    if scope.consultant is None:
        month_rows = [
            [
                m["month"],
                m["invoiced"],
                m["booked"],
                m["revenue"],
                m["budget"],
                m["cumulative"],
                m["cumulative_budget"],
                m["costs"],
            ]
            for m in economy["months"]
        ]
        tables.append(
            Table(
                "intakter-manad",
                "Intäkter och budget per månad",
                [
                    "Månad",
                    "Fakturerat",
                    "Bokat",
                    "Intäkter",
                    "Budget",
                    "Ack. intäkter",
                    "Ack. budget",
                    "Kostnader",
                ],
                month_rows,
                chart={"type": "columns", "label": 0, "values": [3, 4]},
                formats=["", "kr", "kr", "kr", "kr", "kr", "kr", "kr"],
            )
        )
        tables.append(
            Table(
                "intakter-ackumulerat",
                "Ackumulerade intäkter mot budget",
                ["Månad", "Ack. intäkter", "Ack. budget"],
                [[m[0], m[5], m[6]] for m in month_rows],
                chart={"type": "columns", "label": 0, "values": [], "lines": [1, 2]},
                formats=["", "kr", "kr"],
            )
        )
    if scope.department:
        years = f.economy_years(year, 4, finance, today)
        year_rows = [
            [
                str(r["year"]),
                r["ftes"],
                r["revenue_budget"],
                r["revenue"],
                r["revenue_per_fte"],
                r["costs_budget"],
                r["costs"],
                r["result"],
                f.source_text(r["entered"]),
            ]
            for r in years["rows"]
            if any(r[k] is not None for k in ("ftes", "revenue_budget", "revenue", "costs"))
        ]
        avg = years["average"]
        year_rows.append(
            ["Genomsnitt", None, None, avg["revenue"], avg["revenue_per_fte"], None, None, avg["result"]]
            + [None]
        )
        tables.append(
            Table(
                "ekonomi-ar",
                "Sammandrag per år (kr)",
                [
                    "År",
                    "Årsarbetare",
                    "Budget intäkter",
                    "Intäkter utfall",
                    "Intäkt per årsarbetare",
                    "Budget kostnader inkl. OH",
                    "Kostnader utfall",
                    "Resultat",
                    "Källa",
                ],
                year_rows,
                note=(
                    "Källa: utfall från ekonomisystemet där ett avslutat års utfall är inlagt (per "
                    "uppgift); annars räknat – intäkter från registret, kostnader från de angivna "
                    "månadskostnaderna (annars kostnadsbudgeten), årsarbetare enligt budgeten."
                ),
                formats=["", "dec", "kr", "kr", "kr", "kr", "kr", "kr", ""],
            )
        )

    tables.append(
        Table(
            "tid-paket",
            "Tid per avslutat uppdrag och paket",
            ["Paket", "Avslutade uppdrag", "Timmar", "Timmar per uppdrag", "Normaltid"],
            time["per_package"],
            chart={"type": "bar", "label": 0, "values": [3, 4]},
            formats=["", "", "h", "h", "h"],
        )
    )

    lead = f.lead_time_figures(scope)
    for by, key, label in (
        ("package", "ledtider-paket", "Paket"),
        ("level", "ledtider-niva", "Nivå"),
        ("consultant", "ledtider-konsult", "Konsult"),
    ):
        if by not in lead:
            continue
        tables.append(
            Table(
                key,
                f"Ledtider per {label.lower()}, dagar från beställning",
                [label, *f.LEAD_COLUMNS],
                f.lead_time_rows(lead[by], lead["overall"]),
                chart={"type": "bar", "label": 0, "values": [2, 4]} if by == "package" else None,
                note=f.LEAD_NOTE,
                formats=["", "", "dec", "dec", "dec", "dec", "dec", "dec"],
            )
        )
    tables.append(
        Table(
            "ledtider-ar",
            "Ledtider per år, dagar från beställning",
            ["År", *f.LEAD_COLUMNS],
            f.lead_time_rows(lead["years"], None),
            note="Uppdrag avslutade under respektive år, till och med periodens slut.",
            formats=["", "", "dec", "dec", "dec", "dec", "dec", "dec"],
        )
    )
    for by, key, label in (("package", "omtag-paket", "Paket"), ("consultant", "omtag-konsult", "Konsult")):
        if f"redo_{by}" not in lead:
            continue
        tables.append(
            Table(
                key,
                f"Omtag per {label.lower()}",
                [label, *f.REDO_COLUMNS],
                f.redo_rows(lead[f"redo_{by}"]),
                note=f.REDO_NOTE,
                formats=["", "", "", "", "dec", "text"],
            )
        )

    survey_rows = []
    for kind in surveys["kinds"]:
        now, before = surveys["now"][kind], surveys["before"][kind]
        for label, attr in (
            ("Svar", "responses"),
            ("Svarsfrekvens (%)", "response_rate"),
            ("NPS", "nps"),
            ("Andel nöjda (%)", "share_satisfied"),
            ("Snittbetyg", "mean"),
        ):
            a, b = getattr(now, attr), getattr(before, attr)
            if kind != Kind.KUND and attr in ("nps", "share_satisfied"):
                continue
            if now.hidden and attr not in ("responses", "response_rate"):
                a = None
            survey_rows.append([now.label, label, f.as_decimal(a), f.as_decimal(b), _change(a, b)])
    tables.append(
        Table(
            "enkater",
            "Enkätresultat jämfört med samma period förra året",
            ["Enkät", "Mått", scope.period.label, scope.period.previous_year.label, "Förändring"],
            survey_rows,
            note=next(
                (head.hidden_reason for head in surveys["now"].values() if head.hidden),
                "Kandidatenkäten redovisas för hela avdelningen och, för avslutade perioder, per enhet när "
                "ingen grupp med färre än fem svar kan räknas fram.",
            ),
            formats=["", "", "dec", "dec", "dec"],
        )
    )

    plan = f.plan_figures(scope) if scope.consultant is None and with_plan else None
    tables += plan_tables(plan)

    tables.append(
        Table(
            "konsulter",
            "Per konsult",
            [
                "Konsult",
                "Beställda",
                "Avslutade",
                "Fakturerat (kr)",
                "Timmar",
                "Andel uppdragstid (%)",
                "Kundsvar",
                "Kund-NPS",
                "Kund snittbetyg",
            ],
            f.consultant_rows(scope, time, everyone),
            formats=["", "", "", "kr", "h", "dec", "", "dec", "dec"],
        )
    )
    return {
        "keys": keys,
        "assignments": assignments,
        "economy": economy,
        "time": time,
        "lead": lead,
        "surveys": surveys,
        "plan": plan,
        "follow_ups": f.follow_up_counts(scope, today),
        "explain": {
            "result": f.result_text(economy),
            "forecast": f.forecast_text(economy["prognosis"], today),
        },
        "tables": {t.key: t for t in tables},
    }


def indicator_cells(item: dict) -> list:
    """Årsmål, utfall and a met/not met mark that does not rely on colour, for one indicator."""
    indicator, result = item["indicator"], item["outcome"]
    if result.value is not None:
        value = result.value
    else:
        value = None if result.value_yes is None else ("Ja" if result.value_yes else "Nej")
    mark = {True: "✓ Uppfyllt", False: "✗ Ej uppfyllt"}.get(result.met, "– Ej bedömt")
    return [format_target(indicator) or None, value, mark]


def plan_tables(plan: dict | None) -> list[Table]:
    """The plan section's tables: indicators against targets (marked, not colour alone),
    activities by status and goal assessments."""
    if not plan:
        return []
    tables = []
    indicator_rows = [[item["indicator"].name, *indicator_cells(item)] for item in plan["indicators"]]
    tables.append(
        Table(
            "indikatorer",
            f"Indikatorer T{plan['tertial']} ({plan['plan']})",
            ["Indikator", "Årsmål", "Utfall", "Måluppfyllelse"],
            indicator_rows,
        )
    )
    tables.append(
        Table(
            "aktiviteter",
            "Aktiviteter per status",
            ["Status", "Antal"],
            plan["activities"],
            chart={"type": "bar", "label": 0, "values": [1]},
        )
    )
    tables.append(
        Table(
            "bedomningar",
            f"Målbedömningar T{plan['tertial']}",
            ["Bedömning", "Antal mål"],
            plan["assessments"],
        )
    )
    return tables
