"""Form fields every app's forms share: Swedish numbers in, bounded by the column they fill."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .numbers import MAX_INTEGER, NumberError, check_bounds, format_number, to_decimal


def _number(value, invalid: str):
    try:
        number = to_decimal(value)
    except NumberError:
        raise ValidationError(invalid, code="invalid") from None
    if number is None:
        raise ValidationError(invalid, code="invalid")
    return number


class DecimalInput(forms.TextInput):
    """A text box for amounts: accepts `24 000`, `1 200,50` and `9.5`, shows `24 000`."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value  # what the user typed, shown back with its error
        return format_number(value)


class SwedishDecimalField(forms.DecimalField):
    """A decimal typed the Swedish way; too many digits for the column is a Swedish error, never a 500."""

    widget = DecimalInput
    default_error_messages = {"invalid": _("Ange ett tal, till exempel 24 000 eller 9,5.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = _number(value, self.error_messages["invalid"])
        try:
            return check_bounds(
                number,
                max_digits=self.max_digits,
                decimal_places=self.decimal_places,
                minimum=self.min_value,
                maximum=self.max_value,
                shown=str(value).strip(),
            )
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from None

    def validate(self, value):
        forms.Field.validate(self, value)

    def run_validators(self, value):
        # Bounds are checked (with the value in the message) by to_python.
        return

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):
            attrs.pop(name, None)
        return attrs


class SwedishIntegerField(forms.IntegerField):
    """A whole number typed the Swedish way (`1 200`), within what the column holds."""

    widget = DecimalInput
    default_error_messages = {"invalid": _("Ange ett heltal, till exempel 12 eller 1 200.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = _number(value, self.error_messages["invalid"])
        if number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return int(
                check_bounds(
                    number,
                    minimum=self.min_value,
                    maximum=MAX_INTEGER if self.max_value is None else self.max_value,
                    shown=str(value).strip(),
                )
            )
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from None

    def run_validators(self, value):
        return

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):
            attrs.pop(name, None)
        return attrs
