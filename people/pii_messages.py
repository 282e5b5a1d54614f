"""Messages of ``linli.lib.pii`` repeated here so ``makemessages`` run in this app
extracts them into the people catalogue (Django merges every app's catalogue, so
the lazy strings in pii.py are translated from here). Keep them identical."""

from django.utils.translation import gettext_noop

PII_MESSAGES = [
    gettext_noop(
        "%(value)s is not a Chinese mobile number (11 digits starting with 1) "
        "or landline (area code and number, e.g. 0359-4021234)."
    ),
    gettext_noop("An ID number has 18 characters: 17 digits and a final digit or X."),
    gettext_noop("This ID number's check digit is wrong; please read the card again."),
]
