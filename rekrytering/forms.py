"""Form fields every app's forms share: Swedish numbers in, bounded by the column they fill."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from .numbers import MAX_INTEGER, NumberError, check_bounds, format_number, to_decimal


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


class SwedishNumberMixin:
    """Reads the text with `rekrytering.numbers`; a number outside the column or the field's range is
    refused with a Swedish message naming it (to_python does all checks, so no validator runs twice)."""

    widget = DecimalInput
    whole = False

    def bounds(self) -> dict:
        return {"minimum": self.min_value, "maximum": self.max_value}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        invalid = ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number = to_decimal(value)
        except NumberError:
            raise invalid from None
        if number is None or (self.whole and number != number.to_integral_value()):
            raise invalid
        try:
            number = check_bounds(number, shown=str(value).strip(), **self.bounds())
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from None
        return int(number) if self.whole else number

    def validate(self, value):
        forms.Field.validate(self, value)

    def run_validators(self, value):
        return

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):
            attrs.pop(name, None)
        return attrs


class SwedishDecimalField(SwedishNumberMixin, forms.DecimalField):
    """A decimal typed the Swedish way, within its column's max_digits and decimal_places."""

    default_error_messages = {"invalid": _("Ange ett tal, till exempel 24 000 eller 9,5.")}

    def bounds(self) -> dict:
        return {**super().bounds(), "max_digits": self.max_digits, "decimal_places": self.decimal_places}


class SwedishIntegerField(SwedishNumberMixin, forms.IntegerField):
    """A whole number typed the Swedish way (`1 200`), within what the column holds."""

    whole = True
    default_error_messages = {"invalid": _("Ange ett heltal, till exempel 12 eller 1 200.")}

    def bounds(self) -> dict:
        maximum = MAX_INTEGER if self.max_value is None else self.max_value
        return {"minimum": self.min_value, "maximum": maximum}


def column_number(model, name: str, *, field_class=SwedishDecimalField, **kwargs) -> SwedishDecimalField:
    """A Swedish number field (`field_class`) bounded by the model column it fills: its digits and
    places, and the column's own least and greatest value."""
    column = model._meta.get_field(name)
    bounds = {"max_digits": column.max_digits, "decimal_places": column.decimal_places}
    for validator in column.validators:
        if isinstance(validator, MinValueValidator):
            bounds["min_value"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            bounds["max_value"] = validator.limit_value
    return field_class(**{**bounds, **kwargs})
