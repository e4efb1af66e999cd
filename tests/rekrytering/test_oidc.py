"""Single sign-on with OpenID Connect: configured by the environment, groups mapped to roles.

The identity provider itself is the boundary we cannot reach here: the tests stop at the redirect to
its authorization endpoint and feed the backend the claims it would return.
"""

import importlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import clear_url_caches, reverse

from assignments.models import User
from rekrytering.oidc import RoleMappingBackend, role_for_groups
from tests.factories import UserFactory

ROLE_GROUPS = {"admin": "RK-Admin", "chef": "RK-Chef", "samordnare": "RK-Samordnare", "konsult": "RK-Konsult"}
PROVIDER = "https://login.example.org/oidc"


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["RK-Konsult"], "konsult"),
        (["rk-chef", "Alla anställda"], "chef"),  # case-insensitive
        (["RK-Konsult", "RK-Admin"], "admin"),  # the strongest wins
        ("RK-Samordnare", "samordnare"),  # a single group as a string
        (["Alla anställda"], None),
        ([], None),
        (None, None),
    ],
)
def test_role_for_groups(groups, role):
    assert role_for_groups(groups, ROLE_GROUPS) == role


@pytest.fixture
def oidc(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "rekrytering"
    settings.OIDC_RP_CLIENT_SECRET = "hemlig"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = PROVIDER + "/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = PROVIDER + "/token"
    settings.OIDC_OP_USER_ENDPOINT = PROVIDER + "/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = PROVIDER + "/jwks"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_ROLE_GROUPS = ROLE_GROUPS
    settings.OIDC_GROUPS_CLAIM = "groups"
    import rekrytering.urls

    clear_url_caches()
    importlib.reload(rekrytering.urls)
    yield
    settings.OIDC_ENABLED = False
    clear_url_caches()
    importlib.reload(rekrytering.urls)


def claims(**extra):
    return {"sub": "1", "email": "eva.exempel@example.org", "preferred_username": "evaex", **extra}


@pytest.mark.django_db
def test_new_user_gets_the_role_of_their_group(oidc):
    backend = RoleMappingBackend()
    assert backend.verify_claims(claims(groups=["RK-Chef"]))
    user = backend.create_user(claims(groups=["RK-Chef"], given_name="Eva", family_name="Exempel"))
    user.refresh_from_db()
    assert (user.username, user.role, user.first_name, user.has_usable_password()) == (
        "evaex",
        User.Role.CHEF,
        "Eva",
        False,
    )


@pytest.mark.django_db
def test_existing_user_follows_the_provider(oidc):
    UserFactory(username="EvaEx", role=User.Role.ADMIN)
    backend = RoleMappingBackend()
    [user] = backend.filter_users_by_claims(claims())
    backend.update_user(user, claims(groups=["RK-Konsult"]))
    user.refresh_from_db()
    assert user.role == User.Role.KONSULT


def test_no_mapped_group_no_login(oidc):
    backend = RoleMappingBackend()
    assert not backend.verify_claims(claims(groups=["Alla anställda"]))
    assert not backend.verify_claims(claims())


@pytest.mark.django_db
def test_login_page_offers_sso_and_it_redirects_to_the_provider(oidc, client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Logga in med stadens konto" in page.content.decode()
    assert reverse("oidc_authentication_init") in page.content.decode()
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == PROVIDER + "/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == ["rekrytering"] and query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith(reverse("oidc_authentication_callback"))


@pytest.mark.django_db
def test_without_configuration_there_is_no_sso(client):
    assert "stadens konto" not in client.get(reverse("login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
