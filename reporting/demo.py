"""Demo economy figures: the department's published budgets and outcomes 2023–2025 (the source
text's "Sammandrag 2023–2025", in kronor) for every one of those years that has ended, and
fictional monthly costs for the demo years. A closed year's entered outcome is what the pages show
for the year, so the demo's 2025 reads as published even though its register is fictional.
Idempotent."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from assignments.models import Assignment, Budget

from .models import MonthlyCost, YearOutcome

# The source's "Sammandrag 2023–2025" (tkr): FTEs, budgeted revenue, revenue, budgeted costs, costs.
PUBLISHED = {
    2023: ("22.3", 24_197, 18_234, 24_197, 22_700),
    2024: ("20.5", 19_000, 20_025, 19_000, 20_500),
    2025: ("21.25", 21_636, 24_451, 21_636, 22_857),
}


@transaction.atomic
def load_demo(stdout=print, today: date | None = None):
    today = today or timezone.localdate()
    for year, (ftes, revenue_budget, revenue, costs_budget, costs) in PUBLISHED.items():
        if year >= today.year:
            continue  # an outcome is entered only for a year that has ended
        Budget.objects.update_or_create(
            year=year,
            defaults={"ftes": Decimal(ftes), "revenue": revenue_budget * 1000, "costs": costs_budget * 1000},
        )
        YearOutcome.objects.get_or_create(
            year=year, defaults={"ftes": Decimal(ftes), "revenue": revenue * 1000, "costs": costs * 1000}
        )
    # Costs month by month for the demo years: the budget's costs spread over the months, with a
    # little variation, for months that have passed.
    for year in (today.year - 1, today.year):
        budget = Budget.objects.filter(year=year).first()
        if budget is None or MonthlyCost.objects.filter(year=year).exists():
            continue
        last = 12 if year < today.year else today.month - 1
        for month in range(1, last + 1):
            factor = Decimal("0.94") + Decimal((month * 37 + year) % 11) / 100
            MonthlyCost.objects.create(
                year=year, month=month, amount=(budget.costs / 12 * factor).quantize(Decimal("1"))
            )
    invoiced = Assignment.objects.filter(invoiced_on__year=today.year).aggregate(s=Sum("invoiced_amount"))[
        "s"
    ]
    stdout(
        f"Ekonomi: utfall {', '.join(str(y) for y in PUBLISHED if y < today.year)} och månadskostnader; "
        f"fakturerat i år {invoiced or 0} kr"
    )
