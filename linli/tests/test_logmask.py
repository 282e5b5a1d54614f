"""Phone and ID numbers never reach the log in full."""

import io
import logging
from contextlib import contextmanager

import pytest

from linli.lib.logmask import MaskPersonalData, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("199 8765 4321", "199****4321"),
        ("138-1234-5678", "138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("008613812345678", "0086138****5678"),
        ("8613812345678", "86138****5678"),
    ],
)
def test_mobile_numbers_are_masked_however_they_are_written(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("0359-4012345", "0359****2345"),
        ("03594012345", "0359****2345"),
        ("0359 4012345", "0359****2345"),
        ("010-12345678", "010****5678"),
    ],
)
def test_landline_numbers_with_their_area_code_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("14272319580101123X", "1427**********123X"),
        ("14272319580101123x", "1427**********123x"),
        ("142723195801011234", "1427**********1234"),
    ],
)
def test_eighteen_character_id_numbers_are_masked_including_a_final_x(text, masked):
    assert mask_text(text) == masked


def test_numbers_inside_chinese_text_are_masked():
    text = "王大爷（身份证14272319580101123X）来电13812345678，家里座机0359-4012345。"
    assert mask_text(text) == (
        "王大爷（身份证1427**********123X）来电138****5678，家里座机0359****2345。"
    )


def test_numbers_inside_english_text_and_key_value_pairs_are_masked():
    assert (
        mask_text("lookup phone=13812345678&id=142723195801011234 failed")
        == "lookup phone=138****5678&id=1427**********1234 failed"
    )


@pytest.mark.parametrize(
    "text",
    [
        "order 20260301000123 dispatched",  # a 14-digit order number
        "took 1380 ms",
        "resident 4012345",  # a bare seven digits: no area code, not a phone
        "batch 123456789012345678901",  # 21 digits: not an ID number
        "2026-03-01 08:15:00",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def record(msg, *args, exc_info=None):
    return logging.LogRecord("test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_arguments_of_a_lazy_message():
    rec = record("call from %s about %s", "13812345678", "pipe")
    assert MaskPersonalData().filter(rec) is True
    assert rec.getMessage() == "call from 138****5678 about pipe"


def test_the_filter_masks_a_traceback_attached_to_the_record():
    try:
        raise ValueError("Key (number)=(13812345678) already exists.")
    except ValueError:
        import sys

        rec = record("saving failed", exc_info=sys.exc_info())
    MaskPersonalData().filter(rec)
    line = logging.Formatter().format(rec)
    assert "13812345678" not in line
    assert "138****5678" in line


@contextmanager
def log_output(name):
    """What the handlers configured in settings.LOGGING write for logger ``name``."""
    logger, handlers = logging.getLogger(name), []
    while logger is not None:
        handlers.extend(h for h in logger.handlers if isinstance(h, logging.StreamHandler))
        logger = logger.parent if logger.propagate else None
    assert handlers, f"nothing is configured to write the {name} log"
    out = io.StringIO()
    previous = [handler.setStream(out) for handler in handlers]
    try:
        yield out
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("name", ["django", "django.request", "hotline.services", "people"])
def test_a_message_logged_through_the_configured_loggers_comes_out_masked(name, debug, settings):
    # Django's default console handler writes only when DEBUG is on, unmasked.
    settings.DEBUG = debug
    with log_output(name) as out:
        logging.getLogger(name).warning("来电 %s，身份证 %s", "13812345678", "14272319580101123X")
    err = out.getvalue()
    assert "138****5678" in err
    assert "1427**********123X" in err
    assert "13812345678" not in err
    assert "14272319580101123X" not in err


def test_an_exception_logged_through_django_comes_out_masked():
    with log_output("django.request") as out:
        try:
            raise RuntimeError("duplicate phone 0359-4012345")
        except RuntimeError:
            logging.getLogger("django.request").exception("Internal Server Error: /people/")
    err = out.getvalue()
    assert "0359****2345" in err
    assert "4012345" not in err
