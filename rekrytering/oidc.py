"""Single sign-on with the city's OpenID Connect provider (mozilla-django-oidc), when configured.

The provider's groups decide the role: OIDC_ROLE_GROUPS maps our roles to its group names. A
person in none of the mapped groups is refused; the strongest role wins when several match.
"""

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from assignments.models import User

# Strongest first.
ROLE_ORDER = [User.Role.ADMIN, User.Role.CHEF, User.Role.SAMORDNARE, User.Role.KONSULT]


def role_for_groups(groups, role_groups: dict[str, str]) -> str | None:
    """The role the provider's groups give, or None when no group is mapped."""
    if isinstance(groups, str):
        groups = [groups]
    held = {str(g).strip().casefold() for g in groups or []}
    for role in ROLE_ORDER:
        wanted = role_groups.get(str(role), "")
        if wanted and wanted.strip().casefold() in held:
            return str(role)
    return None


class RoleMappingBackend(OIDCAuthenticationBackend):
    def _role(self, claims) -> str | None:
        return role_for_groups(claims.get(settings.OIDC_GROUPS_CLAIM), settings.OIDC_ROLE_GROUPS)

    def verify_claims(self, claims):
        return super().verify_claims(claims) and self._role(claims) is not None

    def filter_users_by_claims(self, claims):
        username = claims.get("preferred_username") or claims.get("email", "")
        if not username:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username__iexact=username)

    def create_user(self, claims):
        username = claims.get("preferred_username") or claims.get("email")
        user = self.UserModel(username=username)
        user.set_unusable_password()
        return self._apply(user, claims)

    def update_user(self, user, claims):
        return self._apply(user, claims)

    def _apply(self, user, claims):
        user.email = claims.get("email", user.email)
        user.first_name = claims.get("given_name", user.first_name)
        user.last_name = claims.get("family_name", user.last_name)
        user.role = self._role(claims)
        user.save()
        return user
