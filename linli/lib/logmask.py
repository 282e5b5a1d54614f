"""A logging filter that masks Chinese phone and ID-card numbers in log lines.

It masks the message, and also a traceback attached to the record: a database
error's detail ("Key (number)=(13812345678) already exists") would otherwise carry
the number into the log.
"""

import logging
import re

_ID = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?![\dXx])")
# Mobile numbers as people write them: 13812345678, 138 1234 5678, 138-1234-5678,
# with or without +86 / 0086 / 86 in front; and as a URL's query string carries them
# in a request line ("138+1234+5678", "138%201234%205678", "%2B86…").
_SEP = r"(?:[ +-]|%20)?"
_MOBILE = re.compile(
    rf"(?<!\d)((?:\+|%2[Bb]|00)?86{_SEP})?(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)"
)
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?\d{3,4}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID.sub(r"\1**********\2", text)
    text = _MOBILE.sub(r"\1\2****\3", text)
    return _LANDLINE.sub(r"\1****\2", text)


class MaskPersonalData(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the masked text is what they print.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
