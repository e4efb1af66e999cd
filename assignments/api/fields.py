"""How the API reads a JSON body: each value in the JSON type the schema gives it, nothing coerced.

DRF on its own takes `"5"` for an id, `0` for false, `12` for a text and `12.5` for an amount; the
schema says integer, boolean, string and a decimal string, and a client that sends something else
gets a 400 that says what was expected. Amounts are text (`"1250.50"`, as the API also answers),
in one spelling, whose pattern is both what the field accepts and what the schema publishes.
"""

import re
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MAX_ID = 2**63 - 1  # BigAutoField; the schema gives every id the range 1..MAX_ID
# A whole number in a query or a path, as the schema's integer is written: not " 5", "5.0" or "٥",
# which int() would also read.
WHOLE_NUMBER = re.compile(r"-?[0-9]+")

TYPE_MESSAGES = {
    str: _("Ange en text."),
    int: _("Ange ett heltal."),
    bool: _("Ange true eller false."),
}
ID_MESSAGE = _("Ange id:t som ett heltal från 1.")
IDS_MESSAGE = _("Ange en lista med id:n (heltal från 1).")
TOO_LONG_MESSAGE = _("Se till att detta fält inte har fler än %(max_length)s tecken.")

# What DRF's CharField trims (str.strip(): str.isspace()), spelled for a schema pattern. Not \s:
# ECMA-262's \s is another set (it has U+FEFF, lacks U+001C-U+001F and U+0085).
WHITESPACE = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
# A text: no NUL (DRF refuses it, PostgreSQL cannot store it). A text that may not be blank also
# has a character that is not whitespace, as DRF trims before it checks for blank.
TEXT_PATTERN = r"^[^\u0000]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"


def text_pattern(field) -> str | None:
    """The pattern the schema gives a text field's requests, or None when it has its own rule."""
    if isinstance(field, serializers.EmailField) or any(
        isinstance(validator, RegexValidator) for validator in field.validators
    ):
        return None  # the format or the field's own pattern says it
    return TEXT_PATTERN if field.allow_blank else NON_BLANK_TEXT_PATTERN


def json_type(field) -> type | None:
    """The JSON type a writable field takes (as json.loads gives it), or None where DRF already checks."""
    if isinstance(field, serializers.IntegerField):
        return int
    if isinstance(field, serializers.BooleanField):
        return bool
    if isinstance(field, serializers.CharField):
        return str
    return None


def has_type(value, expected: type) -> bool:
    # bool is an int in Python, not in JSON.
    return isinstance(value, expected) and (expected is bool or not isinstance(value, bool))


def is_id(value) -> bool:
    return has_type(value, int) and 1 <= value <= MAX_ID


def json_type_errors(fields, data: Mapping) -> dict:
    """Messages by field for the values in `data` that are not of their field's JSON type."""
    errors = {}
    for field in fields:
        value = data.get(field.field_name)
        if value is None:  # absent, or null: DRF's required and allow_null decide
            continue
        if isinstance(field, serializers.ManyRelatedField):
            if not isinstance(value, list) or not all(is_id(item) for item in value):
                errors[field.field_name] = [IDS_MESSAGE]
            continue
        if isinstance(field, serializers.PrimaryKeyRelatedField):
            if not is_id(value):
                errors[field.field_name] = [ID_MESSAGE]
            continue
        expected = json_type(field)
        if expected is not None and not has_type(value, expected):
            errors[field.field_name] = [TYPE_MESSAGES[expected]]
        elif expected is str and field.max_length is not None and len(value) > field.max_length:
            # DRF measures after trimming; the schema's maxLength is the text as sent.
            errors[field.field_name] = [TOO_LONG_MESSAGE % {"max_length": field.max_length}]
    return errors


def _positive_fraction(places: int) -> str:
    """1 to `places` decimals, not all zeros: `[1-9][0-9]?|0[1-9]` for two."""
    options = []
    for zeros in range(places):
        rest = places - 1 - zeros
        tail = f"[0-9]{{0,{rest}}}" if rest > 1 else "[0-9]?" if rest else ""
        options.append("0" * zeros + "[1-9]" + tail)
    return "|".join(options)


def decimal_pattern(*, max_digits: int, decimal_places: int, min_value=None, max_value=None) -> str:
    """The one spelling of an amount: digits, then a point and decimals; no leading zeros, no exponent.

    [0-9], not \\d: in Python \\d also matches other scripts' digits, which the schema's pattern
    (ECMA-262) does not.

    Built for the bounds the register uses (none, at least 0, more than 0); other bounds need a
    pattern of their own.
    """
    whole = max_digits - decimal_places
    number = rf"(?:0|[1-9][0-9]{{0,{whole - 1}}})"
    if decimal_places:
        number += rf"(?:\.[0-9]{{1,{decimal_places}}})?"
    if max_value is not None:
        raise ImproperlyConfigured("decimal_pattern() has no upper bound; give the field a pattern.")
    if min_value is None or Decimal(min_value) < 0:
        return rf"^-?{number}$"
    if Decimal(min_value) == 0:
        return rf"^{number}$"
    if decimal_places and Decimal(min_value) == Decimal(1).scaleb(-decimal_places):
        positive_whole = rf"[1-9][0-9]{{0,{whole - 1}}}(?:\.[0-9]{{1,{decimal_places}}})?"
        return rf"^(?:{positive_whole}|0\.(?:{_positive_fraction(decimal_places)}))$"
    raise ImproperlyConfigured(f"decimal_pattern() has no rule for a minimum of {min_value}; give a pattern.")


class DecimalField(serializers.DecimalField):
    """An amount as JSON text in the spelling of `pattern` (the schema publishes the same pattern)."""

    def __init__(self, *args, pattern=None, pattern_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern or decimal_pattern(
            max_digits=self.max_digits,
            decimal_places=self.decimal_places,
            min_value=self.min_value,
            max_value=self.max_value,
        )
        self.pattern_message = pattern_message or _(
            'Ange talet som en text, t.ex. "%(example)s": högst %(whole)s siffror före punkten och '
            "%(places)s efter."
        ) % {
            "example": "12.50" if self.decimal_places else "12",
            "whole": self.max_digits - self.decimal_places,
            "places": self.decimal_places,
        }
        if self.min_value is not None and self.min_value >= 0 and not pattern_message:
            positive = self.min_value > 0
            bound = _("Talet ska vara större än 0.") if positive else _("Talet kan inte vara negativt.")
            self.pattern_message += " " + bound

    def validate_empty_values(self, data):
        # DRF's DecimalField takes "" and "  " for null; the schema says null.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            raise serializers.ValidationError(self.pattern_message, code="invalid")
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter (a serializer over query_params), written as WHOLE_NUMBER."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not WHOLE_NUMBER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonTypes:
    """Serializer mixin: a body value of another JSON type than its field's is a 400, not coerced."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = json_type_errors(self._writable_fields, data)
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
