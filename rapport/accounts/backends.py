"""The sign-in backend: Django's own, with failed guesses throttled (see throttling.py).

Throttling here rather than in a form covers every place a password is checked through
`authenticate()`: the sign-in page and the admin's. A paused name or address is refused before
the password is looked at, with the same answer as a wrong password.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from rapport.accounts import throttling


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = throttling.client_address(request)
        if throttling.signin_paused(username=username, address=address):
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttling.signin_failed(username=username, address=address)
        else:
            throttling.signin_succeeded(username=username)
        return user
