"""Import of assignments from the old MS Access database: .xlsx, or .csv as Swedish Excel writes it.

Three steps, each usable on its own:

- `read.parse_file` reads the file into rows of raw cell values, keyed by the fixed headers
  (`exporting.EXPORT_COLUMNS`), with the line number as the file shows it (the header is line 1);
- `check.validate` checks every row against the register, loaded in a few queries, with the
  assignment's own rules, and returns the clean rows and every error;
- `write.write` writes the clean rows in one transaction with bulk operations and history records.

`import_assignments` runs the three and writes only when no row is bad. The progress callback is
called while the rows are checked, never inside the write transaction, so a callback that writes
to the database is seen by other connections at once (see tasks.py).
"""

import logging

from django.db import IntegrityError

from ..models import User
from .check import Checked, CleanRow, Confirmations, Progress, RowError, validate
from .read import ImportFileError, Row, parse_file
from .write import ImportResult, guess_organisation_kind, write

__all__ = [
    "Checked",
    "CleanRow",
    "Confirmations",
    "ImportFileError",
    "ImportResult",
    "Row",
    "RowError",
    "guess_organisation_kind",
    "import_assignments",
    "parse_file",
    "validate",
    "write",
]

logger = logging.getLogger(__name__)


def import_assignments(
    *,
    file,
    filename: str,
    by: User,
    progress: Progress | None = None,
    confirmed: Confirmations | None = None,
) -> ImportResult:
    """Check the whole file, then write it all or nothing. User errors come back in the result.

    A new organisation or manager whose name looks like a known one, and the price lists of years
    that have none (made from the file), are errors until `confirmed` names them; the result's
    `confirmation` lists them, and `needs_only_confirmation` says whether they are all that stops
    the import.

    `progress(processed, total)` is called while rows are checked (every 500 rows and when all are
    checked), before the write transaction opens; the write step then takes a few seconds more.
    """
    try:
        rows = parse_file(file, filename)
    except ImportFileError as error:
        return ImportResult(errors=[RowError(0, "", str(error))])
    total = len(rows)
    if not rows:
        return ImportResult(errors=[RowError(0, "", "Filen innehåller inga uppdrag, bara rubrikraden.")])
    if progress:
        progress(0, total)
    checked = validate(rows, progress=progress, confirmed=confirmed)
    if progress:
        progress(total, total)
    if checked.errors:
        return ImportResult(
            total=total,
            errors=checked.errors,
            confirmation=checked.confirmation,
            needs_only_confirmation=checked.needs_only_confirmation,
        )
    try:
        return write(checked.clean, by=by, proposal=checked.proposal)
    except IntegrityError:
        logger.exception("Import of %s rejected by the database", filename)
        return ImportResult(
            total=total,
            errors=[
                RowError(
                    0,
                    "",
                    "Inget sparades: uppdragen ändrades av någon annan medan filen lästes in. "
                    "Försök igen om en stund.",
                )
            ],
        )
