"""Changes to the reporting app's own data: the finance figures the register does not hold."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from assignments.models import User

from .models import MonthlyCost, YearOutcome


@transaction.atomic
def save_economy(*, year: int, monthly_costs: dict[int, Decimal | None], outcome: dict, by: User) -> None:
    """Store a year's monthly costs (None clears a month) and its outcome (all None removes it)."""
    if not by.is_head:
        raise PermissionDenied(_("Bara chefer och administratörer anger kostnader och utfall."))
    for month, amount in monthly_costs.items():
        if amount is None:
            MonthlyCost.objects.filter(year=year, month=month).delete()
        else:
            MonthlyCost.objects.update_or_create(year=year, month=month, defaults={"amount": amount})
    if all(value is None for value in outcome.values()):
        YearOutcome.objects.filter(year=year).delete()
    else:
        YearOutcome.objects.update_or_create(year=year, defaults=outcome)
