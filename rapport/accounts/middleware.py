from django.utils import translation


class UserLanguageMiddleware:
    """Use the signed-in user's saved language; anonymous visitors (the sign-in page) and a user
    who has none yet keep LocaleMiddleware's: the language cookie, else the browser's
    Accept-Language, else settings.LANGUAGE_CODE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language_chosen:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
