"""API keys (DRF's tokens) that expire API_TOKEN_DAYS after they were created."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..selectors import api_token_expired

EXPIRED = _("API-nyckeln har gått ut. Skapa en ny på sidan Min API-nyckel.")


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a key older than API_TOKEN_DAYS with 401."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token):
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
