"""factory_boy factories for the register. Fictional people only."""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from assignments.models import (
    Assignment,
    Budget,
    ConsultantCompetence,
    Manager,
    Organisation,
    Package,
    PriceList,
    Sector,
    TimeCategory,
    TimeEntry,
    Unit,
    User,
)


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Enhet {n + 1}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    initials = factory.Sequence(lambda n: f"U{n}")
    role = User.Role.KONSULT
    password = factory.PostGenerationMethodCall("set_password", "demo")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList
        django_get_or_create = ("year",)

    year = 2026


class PackageFactory(DjangoModelFactory):
    class Meta:
        model = Package
        django_get_or_create = ("price_list", "code")

    price_list = factory.SubFactory(PriceListFactory)
    code = "stora"
    name = "Stora paketet"
    price = Decimal("27000")
    unit = Package.PriceUnit.UPPDRAG
    standard_hours = Decimal("32")
    is_whole_process = True
    sends_customer_survey = True
    sends_candidate_survey = True


class HourlyRateFactory(PackageFactory):
    code = "ovrig"
    name = "Övrig tjänst"
    price = Decimal("950")
    unit = Package.PriceUnit.TIMME
    standard_hours = None
    is_whole_process = False
    is_hourly_rate = True
    sends_customer_survey = False
    sends_candidate_survey = False


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Testförvaltning {n}")
    kind = Organisation.Kind.FACK


class ManagerFactory(DjangoModelFactory):
    class Meta:
        model = Manager
        django_get_or_create = ("email",)

    name = factory.Faker("name", locale="sv_SE")
    email = factory.Sequence(lambda n: f"chef{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("name",)

    name = "Skola"


class TimeCategoryFactory(DjangoModelFactory):
    class Meta:
        model = TimeCategory
        django_get_or_create = ("name",)

    name = "Intern tid"


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"2026-{n + 1:04d}")
    organisation = factory.SubFactory(OrganisationFactory)
    manager = factory.SubFactory(ManagerFactory, organisation=factory.SelfAttribute("..organisation"))
    role_title = "Förskollärare"
    level = Assignment.Level.MEDARBETARE
    sector = factory.SubFactory(SectorFactory)
    ordered_on = date(2026, 3, 2)
    package = factory.SubFactory(
        PackageFactory,
        price_list=factory.SubFactory(PriceListFactory, year=factory.SelfAttribute("...ordered_on.year")),
    )
    price = factory.LazyAttribute(lambda a: a.package.price)
    responsible = factory.SubFactory(UserFactory)
    status = Assignment.Status.PAGAENDE

    @factory.post_generation
    def colleagues(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.colleagues.set(extracted)


class TimeEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimeEntry

    user = factory.SubFactory(UserFactory)
    date = date(2026, 3, 3)
    hours = Decimal("2.5")
    assignment = factory.SubFactory(AssignmentFactory, responsible=factory.SelfAttribute("..user"))
    category = None


class BudgetFactory(DjangoModelFactory):
    class Meta:
        model = Budget
        django_get_or_create = ("year",)

    year = 2026
    ftes = Decimal("23")
    revenue = Decimal("24000000")
    costs = Decimal("24000000")


class ConsultantCompetenceFactory(DjangoModelFactory):
    """A line in the competence map; set the many-to-many fields with .set() (or use the service)."""

    class Meta:
        model = ConsultantCompetence

    user = factory.SubFactory(UserFactory)
    package_codes = factory.LazyFunction(lambda: ["stora"])
