"""Factories for the plan."""

import factory
from factory.django import DjangoModelFactory

from planning.models import Activity, Goal, Indicator, Plan


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    year = 2026
    title = factory.LazyAttribute(lambda p: f"Verksamhetsplan {p.year}")


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    level = Goal.Level.ENHET
    title = factory.Sequence(lambda n: f"Mål {n}")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    goal = factory.SubFactory(GoalFactory)
    name = factory.Sequence(lambda n: f"Indikator {n}")


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    goal = factory.SubFactory(GoalFactory)
    text = factory.Sequence(lambda n: f"Aktivitet {n}")
