"""Protected personal data: encryption at rest, keyed blind index, masking, validation.

Phone and ID-card numbers are stored only encrypted (Fernet with LINLI_DATA_KEY, older
keys still readable during a rotation) and found through an HMAC of the normalised
value keyed with LINLI_INDEX_KEY — a separate key, so a stolen index cannot be
reversed without it and a stolen data key alone cannot search.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}[2-9]\d{6,7}$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")
_ID = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@lru_cache(maxsize=4)
def _fernet(current: str, old: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(current), *(Fernet(k) for k in old)])


def fernet() -> MultiFernet:
    return _fernet(settings.LINLI_DATA_KEY, tuple(settings.LINLI_DATA_KEYS_OLD))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: unknown data key") from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the current data key."""
    return fernet().rotate(token.encode()).decode()


def blind_index(kind: str, value: str) -> str:
    """A keyed, non-reversible digest used to look a value up without decrypting."""
    key = settings.LINLI_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


# --- phones -----------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """Digits only, without the country prefix; a local landline gets the default area code."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _LOCAL.match(digits):
        digits = settings.LINLI_DEFAULT_AREA_CODE + digits
    return digits


def validate_phone(raw: str) -> str:
    """The normalised number, or a ValidationError a resident-facing form can show."""
    number = normalise_phone(raw)
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return number
    raise ValidationError(
        _(
            "%(value)s is not a Chinese mobile number (11 digits starting with 1) "
            "or landline (area code and number, e.g. 0359-4021234)."
        ),
        code="invalid_phone",
        params={"value": raw},
    )


def phone_kind(number: str) -> str:
    return "mobile" if _MOBILE.match(number) else "landline"


def mask_phone(number: str) -> str:
    """138****1234 for a mobile, 0359****1234 for a landline."""
    if _MOBILE.match(number):
        return f"{number[:3]}****{number[-4:]}"
    if number.startswith("0") and len(number) >= 10:
        area = 3 if number[1] in "12" else 4
        return f"{number[:area]}****{number[-4:]}"
    return "****" + number[-4:]


def phone_indexes(number: str) -> tuple[str, str]:
    """(full-number index, last-four index) for a normalised number."""
    return blind_index("phone", number), blind_index("phone4", number[-4:])


# --- ID-card numbers --------------------------------------------------------------


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(raw: str) -> str:
    """An 18-digit resident ID number with a correct check digit (GB 11643)."""
    value = (raw or "").strip().replace(" ", "").upper()
    if not _ID.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."),
            code="invalid_id",
        )
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please read the card again."),
            code="invalid_id_checksum",
        )
    return value


def mask_id(value: str) -> str:
    """1427**********0016."""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}" if len(value) > 8 else "****"


def id_indexes(value: str) -> tuple[str, str]:
    return blind_index("id", value), blind_index("id4", value[-4:])
