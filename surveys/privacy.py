"""The surveys' personal data and its retention (found by assignments.privacy).

Candidates' names and addresses on invitations are already removed after the last reminder, at
expiry or at cancellation (services._purge_contact_data); this is the backstop for invitations that
failed or were never sent, and it anonymises customers' addresses after the register's period.
The marks of used anonymous links go in bulk once every link they could belong to has expired.
"""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from rekrytering.periods import month_start
from rekrytering.privacy import Holding

from .models import Answer, FollowUpNote, Invitation, InvitationChange, Kind, SpentLink

CONTACT = ~Q(recipient_name="", email="")


def holdings() -> list[Holding]:
    years = settings.RETENTION_ASSIGNMENT_YEARS
    invitations = Invitation.objects.filter(CONTACT).aggregate(
        candidates=Count("pk", filter=Q(questionnaire__kind=Kind.KANDIDAT)),
        oldest_candidate=Min("send_at", filter=Q(questionnaire__kind=Kind.KANDIDAT)),
        customers=Count("pk", filter=~Q(questionnaire__kind=Kind.KANDIDAT)),
        oldest_customer=Min("send_at", filter=~Q(questionnaire__kind=Kind.KANDIDAT)),
    )
    texts = Answer.objects.exclude(text="").aggregate(n=Count("pk"), oldest=Min("response__answered_on"))
    notes = FollowUpNote.objects.aggregate(n=Count("pk"), oldest=Min("created_at"))
    changes = InvitationChange.objects.aggregate(n=Count("pk"), oldest=Min("changed_at"))
    day = lambda value: timezone.localdate(value) if value else None  # noqa: E731
    return [
        Holding(
            "Kandidaters namn och e-post på enkätutskick",
            invitations["candidates"],
            day(invitations["oldest_candidate"]),
            "Raderas efter sista påminnelsen, när enkäten går ut eller avbryts (lika för alla, "
            f"besvarade eller inte), senast {settings.RETENTION_CANDIDATE_DAYS} dagar efter utskicket.",
        ),
        Holding(
            "Beställares namn och e-post på enkätutskick",
            invitations["customers"],
            day(invitations["oldest_customer"]),
            f"Anonymiseras {years} år efter utskicket.",
        ),
        Holding(
            "Fritextsvar i enkäter (anonyma, men kan nämna personer)",
            texts["n"],
            texts["oldest"],
            "Visas aldrig med kandidatens identitet; sparas för statistik och citat.",
        ),
        Holding(
            "Anteckningar om uppföljning av missnöjda kunder",
            notes["n"],
            day(notes["oldest"]),
            "Sparas som underlag för uppföljningen.",
        ),
        Holding(
            "Skäl till ändrade enkätutskick (fritext, kan nämna personer; inga adresser)",
            changes["n"],
            day(changes["oldest"]),
            f"Raderas {years} år efter ändringen.",
        ),
    ]


def purge(now: datetime) -> dict[str, int]:
    closed = ~Q(status__in=[Invitation.Status.SCHEDULED, Invitation.Status.SENT])
    candidate_cutoff = now - timedelta(days=settings.RETENTION_CANDIDATE_DAYS)
    candidates = Invitation.objects.filter(
        CONTACT, Q(questionnaire__kind=Kind.KANDIDAT), Q(send_at__lt=candidate_cutoff)
    ).filter(closed | Q(expires_at__lt=now))
    customer_cutoff = now - relativedelta(years=settings.RETENTION_ASSIGNMENT_YEARS)
    customers = Invitation.objects.filter(CONTACT, send_at__lt=customer_cutoff).exclude(
        questionnaire__kind=Kind.KANDIDAT
    )
    # A mark is kept for the month its link was used; links live SURVEY_LINK_DAYS.
    spent_before = month_start((now - timedelta(days=settings.SURVEY_LINK_DAYS + 31)).date())
    spent, _ = SpentLink.objects.filter(month__lt=spent_before).delete()
    changes = InvitationChange.objects.filter(changed_at__lt=customer_cutoff)
    return {
        "ändringar av utskick raderade": changes.delete()[0],
        "använda anonyma länkar raderade": spent,
        "kandidaters kontaktuppgifter på utskick raderade": candidates.update(recipient_name="", email=""),
        "beställares kontaktuppgifter på utskick raderade": customers.filter(closed).update(
            recipient_name="", email=""
        ),
    }
