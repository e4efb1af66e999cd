"""Clear outcomes, denominators and targets stored larger than their column holds.

SQLite keeps whatever was saved (the follow-up once let `1234567890123` through), and reading such a
row back fails (decimal.InvalidOperation), which took the plan, its follow-up, export and report
down. PostgreSQL never stored them, so there this finds nothing. The rows are found with SQL, since
the ORM cannot read them. An outcome cleared says so in its explanation, shown on the follow-up.
"""

from django.db import migrations

# (model, column, max_digits, decimal_places)
COLUMNS = [
    ("IndicatorOutcome", "value", 16, 4),
    ("IndicatorOutcome", "denominator", 16, 2),
    ("Indicator", "target_value", 14, 2),
]
NOTE = "Utfallet som var sparat var för stort för att kunna visas och har tagits bort; ange det på nytt."


def clear_too_large(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for model_name, column, max_digits, decimal_places in COLUMNS:
            table = quote(apps.get_model("planning", model_name)._meta.db_table)
            # The smallest number SQLite cannot read back: its float of 15 digits, rounded to the
            # column's places, has more digits than the column.
            whole = max_digits - decimal_places
            limit = float(10**whole) - 0.5 * 10 ** -min(decimal_places, 15 - whole)
            also = f", {quote('explanation')} = %s" if (model_name, column) == ("IndicatorOutcome", "value") else ""
            params = [NOTE] if also else []
            cursor.execute(
                f"UPDATE {table} SET {quote(column)} = NULL{also} WHERE ABS({quote(column)}) >= %s",
                [*params, limit],
            )


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_plan_import_job")]

    operations = [migrations.RunPython(clear_too_large, migrations.RunPython.noop)]
