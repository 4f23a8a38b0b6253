"""Reading and writing .xlsx (and the CSV that stands in for one sheet), for every domain.

- `limits`: the import limits, and the checks made on a file before the reader loads it;
- `columns`: column letters ↔ numbers;
- `text`: text a spreadsheet would run as a formula, neutralised on the way out and restored on
  the way in;
- `spec`: what a template declares (columns, sheets, the kind with its import hooks) and what is
  read from a sheet (rows);
- `cells`: a cell's value as typed (dates, yes/no, codes, counts) → a Python value;
- `reader`: open a workbook or CSV (calamine), find a sheet's header row, stream its rows;
- `writer`: fillable templates and export workbooks (openpyxl), and CSV exports.

Each domain declares its template kinds in its own `sheets.py`; `readiness.importing` runs an
import. Nothing is imported here: the command line's start-up must not pay for openpyxl or
calamine, so import the module you need.
"""
