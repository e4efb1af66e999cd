"""History from before the first price list: the older years' lists, made from the file itself.

The Access database holds assignments from years the register has no price list for. For each
such year the file's own package names and prices make the list: one package per name, priced at
the price most rows of that year give it (the first such price in the file on a tie). A package
that a known list also has (by code or name, the nearest year first) takes that package's code,
name, unit, normal hours and survey settings; otherwise it is a plain package per assignment.

Nothing is created without a confirmation that lists every year, package and price
(`ProposedPackage.as_dict` is what is shown and what is confirmed); the write step saves them.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from ..models import CENT, PACKAGE_FIELDS, Package, PriceList

# What a package of a known year lends the same package of an older one.
COPIED_FIELDS = [f for f in PACKAGE_FIELDS if f not in ("code", "name", "price", "active")]
CODE_LENGTH = Package._meta.get_field("code").max_length
NAME_LENGTH = Package._meta.get_field("name").max_length


@dataclass
class ProposedPackage:
    """A package of a year without a price list, as the file gives it."""

    year: int
    code: str
    name: str
    template: Package | None = None
    prices: Counter = field(default_factory=Counter)
    lines: list[int] = field(default_factory=list)
    package: Package | None = None  # the unsaved package the rows are checked against

    @property
    def price(self) -> Decimal | None:
        if not self.prices:
            return None
        top = max(self.prices.values())
        return next(price for price, count in self.prices.items() if count == top)

    def as_dict(self) -> dict:
        price = self.price
        shown = str(int(price)) if price == price.to_integral_value() else str(price.quantize(CENT))
        return {"year": self.year, "code": self.code, "package": self.name, "price": shown}


def _template(text: str, year: int, known: list[Package]) -> Package | None:
    """The known package `text` names (code or name), from the year nearest to `year`."""
    wanted = text.lower()
    matches = [p for p in known if wanted in (p.code.lower(), p.name.lower())]
    return min(matches, key=lambda p: (abs(p.price_list.year - year), p.price_list.year), default=None)


class Proposal:
    """The price lists the file's rows of `missing_years` would need, built row by row (`add`)."""

    def __init__(self, missing_years: set[int]):
        self.missing_years = missing_years
        self.known = list(Package.objects.select_related("price_list")) if missing_years else []
        self.packages: dict[tuple[int, str], ProposedPackage] = {}  # (year, code) → proposed
        self.by_text: dict[tuple[int, str], ProposedPackage] = {}  # (year, text as written) → proposed

    def add(self, *, year: int, text: str, price: Decimal | None, line: int) -> None:
        key = (year, text.lower())
        proposed = self.by_text.get(key)
        if proposed is None:
            template = _template(text, year, self.known)
            if template is not None:
                code = template.code
            else:
                code = slugify(text)[:CODE_LENGTH] or f"paket-{len(self.packages) + 1}"
            proposed = self.packages.get((year, code))
            if proposed is None:
                name = template.name if template else text[:NAME_LENGTH]
                proposed = ProposedPackage(year, code, name, template)
                self.packages[(year, code)] = proposed
            self.by_text[key] = proposed
        proposed.lines.append(line)
        if price is not None:
            proposed.prices[price] += 1

    def build(self) -> None:
        """Make the unsaved lists and packages the rows are checked against."""
        lists = {year: PriceList(year=year) for year in {p.year for p in self.packages.values()}}
        hourly_years = set()
        for proposed in self.packages.values():
            package = Package(price_list=lists[proposed.year], code=proposed.code, name=proposed.name)
            if proposed.template is not None:
                for name in COPIED_FIELDS:
                    setattr(package, name, getattr(proposed.template, name))
            if package.is_hourly_rate:  # one hourly rate a year
                package.is_hourly_rate = proposed.year not in hourly_years
                hourly_years.add(proposed.year)
            package.price = proposed.price
            proposed.package = package

    def package(self, year: int, text: str) -> ProposedPackage | None:
        return self.by_text.get((year, text.lower()))

    @property
    def priced(self) -> list[ProposedPackage]:
        return sorted(
            (p for p in self.packages.values() if p.price is not None), key=lambda p: (p.year, p.name)
        )

    def as_list(self) -> list[dict]:
        """What the person confirms: year, package and price of each package to create."""
        return [p.as_dict() for p in self.priced]

    def hourly_rate(self, year: int) -> Decimal | None:
        return next(
            (p.price for p in self.priced if p.year == year and p.package.is_hourly_rate),
            None,
        )


def save(proposal: Proposal, *, by) -> list[dict]:
    """Create the proposed price lists and packages (inside the import's transaction)."""
    saved_lists = {}
    for proposed in proposal.priced:
        package = proposed.package
        price_list = package.price_list
        if proposed.year not in saved_lists:
            price_list._history_user = by
            price_list.save()
            saved_lists[proposed.year] = price_list
        package.price_list = price_list  # sets price_list_id now that the list has one
        package._history_user = by
        package.save()
    return proposal.as_list()
