"""Language choice: Chinese unless the user picked another language.

Django's LocaleMiddleware follows the browser's Accept-Language, so an office PC
set up in English would show an English product. linli is Chinese by default and
switches only when the user chooses a language (the cookie set by set_language).
A program calling the JSON API is not a browser someone set up: there an
Accept-Language header chooses the language of the messages too.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else ""
        except LookupError:
            language = ""
        if not language and request.path.startswith(API_PREFIX):
            language = translation.get_language_from_request(request)
        language = language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
