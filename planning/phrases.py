"""The phrase table's starting rows (planning/data/measure_phrases.yaml), loaded by a migration
and by `load_measure_phrases` (which puts the file's rows back, replacing edits)."""

from pathlib import Path

import yaml

PHRASES = Path(__file__).resolve().parent / "data" / "measure_phrases.yaml"

FIELDS = ("role", "phrase", "measure", "needs", "question", "filters", "compound")


def phrase_rows() -> list[dict]:
    """The file's rows as MeasurePhrase fields, numbered in the file's order."""
    with open(PHRASES, encoding="utf-8") as handle:
        rows = yaml.safe_load(handle) or []
    return [
        {
            "order": (i + 1) * 10,
            "role": row["role"],
            "phrase": str(row["phrase"]),
            "measure": row.get("measure", ""),
            "needs": row.get("needs", ""),
            "question": row.get("question", ""),
            "filters": row.get("filters") or {},
            "compound": bool(row.get("compound", False)),
        }
        for i, row in enumerate(rows)
    ]


def load_phrases(model) -> int:
    """Replace the table's rows with the file's; `model` is MeasurePhrase (or a migration's)."""
    model.objects.all().delete()
    model.objects.bulk_create(model(**row) for row in phrase_rows())
    return model.objects.count()
