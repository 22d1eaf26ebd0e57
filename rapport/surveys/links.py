"""The signed link of an invitation: the public answer page's only key.

The token is the invitation's id signed with the secret key (salted for this use), so a link
cannot be guessed or altered into another invitation's; nothing needs storing.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "surveys.invitation"


def token_for(invitation_id: int) -> str:
    return signing.dumps(invitation_id, salt=_SALT)


def read_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def answer_path(invitation, *, score: int | None = None) -> str:
    path = reverse("survey_answer", args=[token_for(invitation.pk)])
    return path if score is None else f"{path}?score={score}"


def answer_url(invitation, *, score: int | None = None) -> str:
    return settings.RAPPORT_BASE_URL.rstrip("/") + answer_path(invitation, score=score)
