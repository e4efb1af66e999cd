"""Read-side queries of the reporting pages: the dashboard's choosers, the economy form, the reports."""

from assignments.models import Unit, User

from .models import MonthlyCost, TertialReport, YearOutcome


def units():
    return Unit.objects.all()


def unit(pk: int | None) -> Unit | None:
    return Unit.objects.filter(pk=pk).first() if pk else None


def consultant(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk).first() if pk else None


def economy_initial(year: int) -> dict:
    """The economy form's values for `year`: its monthly costs and its entered outcome."""
    initial = {
        f"cost_{month}": amount
        for month, amount in MonthlyCost.objects.filter(year=year).values_list("month", "amount")
    }
    outcome = YearOutcome.objects.filter(year=year).first()
    if outcome:
        initial.update(ftes=outcome.ftes, revenue=outcome.revenue, costs=outcome.costs)
    return initial


def tertial_reports():
    return TertialReport.objects.select_related("created_by")
