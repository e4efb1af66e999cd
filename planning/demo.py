"""Demo plans: the department's 2024 and 2025 plans as transcribed from the source plans
(planning/data/plan-YEAR.yaml), with indicators bound to measures wherever the data allows, a
responsible (a fictional demo user) for every nämndmål and enhetsmål, the staff indicators with
the head, and the tertials' deadlines (10 days after each tertial, the annual report in January).

Called by `load_demo` after the other apps' demo data; idempotent.
"""

import re
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .models import Activity, Goal, Indicator, Plan
from .targets import apply_target

DATA = Path(__file__).resolve().parent / "data"

# Which measure an indicator's name asks for: (pattern, measure, filters), first match wins.
BINDINGS = [
    (
        r"stadsdelsförvaltningar.*chefsrekrytering.*äldreomsorg|chefsrekrytering.*äldreomsorg.*stadsdels",
        "distinct_organisations",
        {"package": ["chef"], "sector": "Äldreomsorg", "organisation_kind": "sdf"},
    ),
    (
        r"andel i procent av utbildningsförvaltningens chefsrekryteringar",
        "share_of_entered",
        {"organisation": "Utbildningsförvaltningen", "package": ["chef", "second_opinion"]},
    ),
    (
        r"andel i procent av förskoleförvaltningens",
        "share_of_entered",
        {"organisation": "Förskoleförvaltningen"},
    ),
    (
        r"andel i procent av utbildningsförvaltningens",
        "share_of_entered",
        {"organisation": "Utbildningsförvaltningen"},
    ),
    (r"andel i procent av socialförvaltningens", "share_of_entered", {"organisation": "Socialförvaltningen"}),
    (r"andel i procent av äldreförvaltningens", "share_of_entered", {"organisation": "Äldreförvaltningen"}),
    (r"KBR-utbildningar utförda för stadsdels", "ordered", {"package": ["kbr"], "organisation_kind": "sdf"}),
    (
        r"stadsdelars rekryteringar av chefer till förskolan",
        "distinct_organisations",
        {"package": ["chef", "hogre_chef"], "sector": "Förskola", "organisation_kind": "sdf"},
    ),
    (
        r"stadsdelars rekryteringar av chefer till socialtjänsten",
        "distinct_organisations",
        {"package": ["chef", "hogre_chef"], "sector": "Socialtjänst", "organisation_kind": "sdf"},
    ),
    (
        r"stadsdelars rekryteringar av chefer till äldreomsorgen",
        "distinct_organisations",
        {"package": ["chef", "hogre_chef"], "sector": "Äldreomsorg", "organisation_kind": "sdf"},
    ),
    (
        r"stadsdelsförvaltningar som tagit hjälp vid rekrytering av medarbetare till äldreomsorgen",
        "distinct_organisations",
        {"level": "medarbetare", "sector": "Äldreomsorg", "organisation_kind": "sdf"},
    ),
    (
        r"andel chefsrekryteringar inom stadens förvaltningar",
        "share_of_entered",
        {"package": ["chef", "hogre_chef"], "organisation_kind": "fack"},
    ),
    (r"andel rekryteringar inom stadens förvaltningar", "share_of_entered", {}),
    (
        r"kandidater som upplevt rekryteringsprocessen som icke-diskriminerande",
        "question_share_yes",
        {"kind": "kandidatenkat", "question": "icke_diskriminerande"},
    ),
    (
        r"kunder som tycker att de fått bra stöd i att arbeta kompetensbaserat",
        "question_share_satisfied",
        {"kind": "kundenkat", "question": "kompetensbaserat"},
    ),
    (
        r"andel nöjda rekryterade kandidater",
        "question_share_satisfied",
        {"kind": "kandidatenkat", "question": "helhetsomdome"},
    ),
    (r"antal svar på kandidatenkäten", "response_count", {"kind": "kandidatenkat"}),
    (
        r"kompetensbaserade rekryteringsutbildning för betyg",
        "question_mean",
        {"kind": "utbildningsutvardering", "question": "betyg"},
    ),
    (r"^(?!.*arbetsplats).*(\bNPS\b|net promoter)", "nps", {}),
    (r"andel nöjda kunder|nöjda kunder", "share_satisfied", {}),
    (r"svarsfrekvens.*kandidat", "response_rate", {"kind": "kandidatenkat"}),
    (r"svarsfrekvens.*matchar", "response_rate", {"kind": "matchningsenkat"}),
    (r"svarsfrekvens", "response_rate", {}),
    (r"matchning|matchar", "question_mean", {"kind": "matchningsenkat", "question": "matchning"}),
    (
        r"kandidat.*(nöjd|helhet|professionell)",
        "question_mean",
        {"kind": "kandidatenkat", "question": "helhetsomdome"},
    ),
    (r"kundenkät.*(medel|snitt|betyg)|(medel|snitt)betyg", "pooled_mean", {}),
    (r"utan personligt brev", "flag_count", {"flag": "personal_letter", "without": True}),
    (r"personligt brev", "flag_share", {"flag": "personal_letter"}),
    (r"screening", "flag_count", {"flag": "screening"}),
    (r"search", "ordered", {"package": ["search"]}),
    (r"(intäkt(er)?|omsättning) per (års)?(arbetare|medarbetare)", "revenue_per_fte", {}),
    (r"antal (utförda |sålda )?KBR-utbildningar(?!.*stadsdels)", "ordered", {"package": ["kbr"]}),
    (r"(timmar|tid).*(stora paket)", "mean_hours", {"package": ["stora"]}),
    (r"(timmar|tid).*chefspaket", "mean_hours", {"package": ["chef"]}),
    (r"nya (beställare|kunder)", "new_managers", {}),
    (r"andel av stadens (rekryteringar|annonser)|varbi", "share_of_entered", {}),
    (r"antal (rekryterings)?uppdrag", "ordered", {}),
]


def binding_for(name: str):
    for pattern, measure, filters in BINDINGS:
        if re.search(pattern, name, flags=re.IGNORECASE):
            return measure, filters
    return "", {}


def _date(value):
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@transaction.atomic
def load_plan(path: Path) -> Plan | None:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    year = int(data["year"])
    if Plan.objects.filter(year=year, unit__isnull=True).exists():
        return None
    plan = Plan.objects.create(
        year=year, title=data.get("title") or f"Verksamhetsplan {year}", status=Plan.Status.FASTSTALLD
    )
    by_title = {}
    for order, spec in enumerate(data.get("goals", [])):
        goal = Goal.objects.create(
            plan=plan,
            level=spec["level"],
            number=str(spec.get("number") or ""),
            title=spec["title"].strip(),
            parent=by_title.get((spec.get("parent") or "").strip()),
            order=order,
            description=spec.get("description") or "",
            expected_result=spec.get("expected_result") or "",
            approach=spec.get("approach") or "",
            follow_up=spec.get("follow_up") or "",
        )
        by_title[goal.title] = goal
        for i, ind in enumerate(spec.get("indicators") or []):
            indicator = Indicator(
                goal=goal,
                name=ind["name"],
                kf_target=(ind.get("kf_target") or "")[:200],
                periodicity="ar" if str(ind.get("periodicity", "")).lower() == "år" else "tertial",
                direction=ind.get("direction") or "at_least",
                order=i,
            )
            try:
                apply_target(indicator, str(ind.get("target") or ""))
            except ValueError:
                apply_target(indicator, "")
                indicator.kf_target = indicator.kf_target or str(ind.get("target"))[:200]
            indicator.measure, indicator.filters = binding_for(indicator.name)
            indicator.save()
        for i, act in enumerate(spec.get("activities") or []):
            start, end = _date(act.get("start")), _date(act.get("end"))
            if start and end and end < start:
                start, end = end, start
            Activity.objects.create(
                goal=goal,
                text=act["text"],
                start=start,
                end=end,
                responsible=(act.get("responsible") or "")[:200],
                order=i,
            )
    return plan


# Who answers for the demo plans' goals, in turn (demo users of assignments.demo.DEMO_USERS): the
# demo konsult and chef among them, so that logging in as either shows goals of one's own.
GOAL_RESPONSIBLES = ["chef", "konsult", "samordnare", "alva.berg", "leo.nord", "karin.mark", "bo.dahl"]
# Indicators about the staff (sick leave, the staff survey) are the head's, whoever has the goal.
HEAD_INDICATORS = re.compile(r"sjukfrånvaro|medarbetar|\bAMI\b|medskapande|arbetsmiljö", re.IGNORECASE)


def assign_responsibles(plan: Plan) -> int:
    """Give the plan's nämndmål and enhetsmål a responsible each, the staff indicators to the head,
    and the activities the users their initials name (services.link_responsibles). Only a plan
    whose goals have no responsible yet; returns how many goals got one."""
    from assignments.models import User

    from .services import link_responsibles

    if plan.goals.filter(responsible__isnull=False).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=GOAL_RESPONSIBLES + ["chef"])}
    people = [users[name] for name in GOAL_RESPONSIBLES if name in users]
    if not people:
        return 0
    goals = list(plan.goals.filter(level__in=[Goal.Level.NAMND, Goal.Level.ENHET]).order_by("order", "id"))
    for i, goal in enumerate(goals):
        goal.responsible = people[i % len(people)]
        goal.save(update_fields=["responsible"])
    head = users.get("chef")
    if head is not None:
        for indicator in Indicator.objects.filter(goal__plan=plan, measure=""):
            if HEAD_INDICATORS.search(indicator.name):
                indicator.responsible = head
                indicator.save(update_fields=["responsible"])
    link_responsibles(plan)
    return len(goals)


def set_demo_deadlines(plan: Plan) -> None:
    """The plan's rule (10 days after a tertial) and the annual report's own deadline in January."""
    from .models import TertialDeadline

    TertialDeadline.objects.get_or_create(
        plan=plan, tertial=3, defaults={"due_on": date(plan.year + 1, 1, 20)}
    )


def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for path in sorted(DATA.glob("plan-*.yaml")):
        plan = load_plan(path)
        if plan is not None:
            computed = Indicator.objects.filter(goal__plan=plan).exclude(measure="").count()
            total = Indicator.objects.filter(goal__plan=plan).count()
            stdout(f"{plan}: {plan.goals.count()} mål, {total} indikatorer ({computed} räknas fram)")
    for plan in Plan.objects.filter(unit__isnull=True, year__lt=today.year):
        if assign_responsibles(plan):
            set_demo_deadlines(plan)
            stdout(f"{plan}: ansvariga och tidsfrister satta")
    # This year's draft, copied from last year's plan as the unit would start it.
    last = Plan.objects.filter(year=today.year - 1, unit__isnull=True).first()
    if last and not Plan.objects.filter(year=today.year, unit__isnull=True).exists():
        from assignments.models import User

        from .services import copy_plan

        admin = User.objects.filter(role=User.Role.ADMIN).first()
        if admin:
            copy = copy_plan(last, to_year=today.year, by=admin)
            set_demo_deadlines(copy)
            stdout(f"{copy}: utkast kopierat från {last.year}, med ansvariga")
