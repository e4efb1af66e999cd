"""The competence map (kompetenskarta), read side: who may run what, what they know, where they work.

The admin enters each consultant's line (services.save_competence); what they know is also
counted from the register: their closed assignments as responsible, per sector and organisation.
`consultants_allowed` is the rule later suggestions use.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Prefetch
from django.utils.text import capfirst

from .models import (
    MANAGER_LEVELS,
    Assignment,
    ConsultantCompetence,
    Organisation,
    Package,
    Sector,
    User,
)

# Who has a line in the map: those who run assignments (as the load, selectors.LOAD_ROLES).
COMPETENCE_ROLES = (User.Role.KONSULT, User.Role.SAMORDNARE)
# How many sectors and organisations from the register are shown per consultant.
EXPERIENCE_TOP = 3


def package_names() -> dict[str, str]:
    """Package code → the name in the newest price list that has it (one query)."""
    names = {}
    rows = (
        Package.objects.filter(is_hourly_rate=False)
        .order_by("code", "-price_list__year")
        .values_list("code", "name")
    )
    for code, name in rows:
        names.setdefault(code, name)
    return names


def package_choices() -> list[tuple[str, str]]:
    """The packages a consultant can be given: the codes of every price list, by name."""
    return sorted(package_names().items(), key=lambda item: item[1].lower())


def _consultants():
    return User.objects.filter(is_active=True, role__in=COMPETENCE_ROLES).order_by(
        "first_name", "last_name", "username"
    )


def consultants_allowed(package: Package, level: str) -> list[User]:
    """The active consultants allowed to run `package` at `level` (an Assignment.Level value).

    Allowed: the package's code is among theirs, and for a manager level or a manager-recruitment
    package they are certified for manager recruitments (ConsultantCompetence.may_run). A consultant
    without a line in the map is allowed nothing. One query.
    """
    users = _consultants().filter(competence__isnull=False).select_related("competence")
    if package.is_manager_recruitment or level in MANAGER_LEVELS:
        users = users.filter(competence__manager_certified=True)
    # The codes are a JSON list; checked here so that it works the same on SQLite and PostgreSQL.
    return [user for user in users if user.competence.may_run(package, level)]


def experience(user_ids, *, top: int = EXPERIENCE_TOP) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """Closed assignments as responsible, counted per sector and per organisation, the `top` most
    per consultant: {user_id: {"sectors": [(name, count)], "organisations": [...]}}. Two queries."""
    result = defaultdict(lambda: {"sectors": [], "organisations": []})
    closed = Assignment.objects.filter(status=Assignment.Status.AVSLUTAD, responsible_id__in=list(user_ids))
    for key, name_field in (("sectors", "sector__name"), ("organisations", "organisation__name")):
        rows = (
            closed.exclude(**{name_field: None})
            .values("responsible_id", name_field)
            .annotate(n=Count("pk"))
            .order_by("responsible_id", "-n", name_field)
        )
        for row in rows:
            found = result[row["responsible_id"]][key]
            if len(found) < top:
                found.append((row[name_field], row["n"]))
    return result


def _district(name: str) -> str:
    if name.endswith("s stadsdelsförvaltning"):  # the genitive: Norrmalms, Enskede-Årsta-Vantörs
        return name.removesuffix("s stadsdelsförvaltning")
    return name.removesuffix(" stadsdelsförvaltning")


@dataclass
class CompetenceRow:
    user: User
    competence: ConsultantCompetence | None
    packages: list[str] = field(default_factory=list)
    counted_sectors: list[tuple[str, int]] = field(default_factory=list)
    counted_organisations: list[tuple[str, int]] = field(default_factory=list)

    @property
    def manager_certified(self):
        return bool(self.competence and self.competence.manager_certified)

    @property
    def test_certified(self):
        return bool(self.competence and self.competence.test_certified)

    def _names(self, name):
        return [o.name for o in getattr(self.competence, name).all()] if self.competence else []

    @property
    def known_sectors(self):
        return self._names("known_sectors")

    @property
    def known_organisations(self):
        return self._names("known_organisations")

    @property
    def areas(self):
        return self._names("areas")

    @property
    def districts(self):
        """The areas by the district's own name: Farsta, Norrmalm (not Norrmalms stadsdelsförvaltning)."""
        return [_district(name) for name in self.areas]

    @property
    def wishes(self):
        return self.competence.wishes if self.competence else ""

    def knows_sector(self, sector: Sector) -> bool:
        return sector.name in self.known_sectors or any(n == sector.name for n, _c in self.counted_sectors)


def competence_map(
    *, package_code: str = "", manager_only: bool = False, sector: Sector | None = None, user_ids=None
) -> list[CompetenceRow]:
    """Every active consultant's line in the map, with what the register counts beside it.

    Filters: a package code (those allowed it), manager recruitments (the certified), a sector
    (entered as known or among the counted ones). Seven queries however many consultants.
    """
    names = package_names()
    prefetch_names = [
        Prefetch(f"competence__{name}", queryset=model.objects.only("pk", "name").order_by("name"))
        for name, model in (
            ("known_sectors", Sector),
            ("known_organisations", Organisation),
            ("areas", Organisation),
        )
    ]
    users = _consultants().select_related("competence").prefetch_related(*prefetch_names)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    if manager_only:
        users = users.filter(competence__manager_certified=True)
    users = list(users)
    counted = experience([u.pk for u in users])
    rows = []
    for user in users:
        competence = getattr(user, "competence", None)
        codes = competence.package_codes if competence else []
        if package_code and package_code not in codes:
            continue
        row = CompetenceRow(
            user,
            competence,
            packages=sorted((names.get(code, code) for code in codes), key=str.lower),
            counted_sectors=counted[user.pk]["sectors"],
            counted_organisations=counted[user.pk]["organisations"],
        )
        if sector is not None and not row.knows_sector(sector):
            continue
        rows.append(row)
    return rows


def competence_history(competence: ConsultantCompetence | None, *, limit: int = 30):
    """The changes to a consultant's line, newest first: when, who, and the fields that changed
    (old → new, names rather than ids). A fixed number of queries, however long the history."""
    if competence is None:
        return []
    m2m = ("known_sectors", "known_organisations", "areas")
    records = list(
        competence.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    records.reverse()
    # The many-to-many fields as they were at each record: one query per field.
    kept = {name: defaultdict(set) for name in m2m}
    for name in m2m:
        target = "sector_id" if name == "known_sectors" else "organisation_id"
        rows = apps.get_model("assignments", f"HistoricalConsultantCompetence_{name}").objects.filter(
            history_id__in=[r.history_id for r in records]
        )
        for history_id, value in rows.values_list("history_id", target):
            kept[name][history_id].add(value)
    ids = {"known_sectors": set(), "known_organisations": set(), "areas": set()}
    snapshots = []
    for record in records:
        # In the form's order: what they may run, what they know, where, their wishes.
        snapshot = {
            "package_codes": tuple(sorted(record.package_codes or [])),
            "manager_certified": record.manager_certified,
            "test_certified": record.test_certified,
        }
        for name in m2m:
            values = frozenset(kept[name][record.history_id])
            ids[name] |= values
            snapshot[name] = values
        snapshot["wishes"] = record.wishes
        snapshots.append(snapshot)
    sector_names = dict(Sector.objects.filter(pk__in=ids["known_sectors"]).values_list("pk", "name"))
    organisation_ids = ids["known_organisations"] | ids["areas"]
    organisation_names = dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "name"))
    packages = package_names()
    meta = ConsultantCompetence._meta

    def show(name, value):
        if name == "package_codes":
            return ", ".join(sorted(packages.get(c, c) for c in value)) or "–"
        if name in ("manager_certified", "test_certified"):
            return "Ja" if value else "Nej"
        if name == "known_sectors":
            return ", ".join(sorted(sector_names.get(i, "?") for i in value)) or "–"
        if name in m2m:
            return ", ".join(sorted(organisation_names.get(i, "?") for i in value)) or "–"
        return value or "–"

    events = []
    previous = None
    for record, snapshot in zip(records, snapshots, strict=True):
        names = [n for n in snapshot if previous is None or snapshot[n] != previous[n]]
        if previous is not None and not names:
            continue
        changes = [
            (
                capfirst(str(meta.get_field(n).verbose_name)),
                "" if previous is None else show(n, previous[n]),
                show(n, snapshot[n]),
            )
            for n in names
            if previous is not None or snapshot[n]
        ]
        events.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": "Skapat" if previous is None else "Ändrat",
                "changes": changes,
            }
        )
        previous = snapshot
    events.reverse()
    return events
