"""Readiness reports for opening approval: HTML and Excel, from an assessment snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_report(store: Any, line: str | None, output: str | Path, *, snapshot: int | None = None,
                 lang: str = "zh", template_dir: str | None = None,
                 user: str | None = None) -> Path:
    """Render the latest (or a given) snapshot to .html or .xlsx, written atomically."""
    from readiness.errors import InvalidValue
    from readiness.report.data import gather

    suffix = Path(output).suffix.lower()
    if suffix not in (".html", ".htm", ".xlsx"):
        raise InvalidValue("report.bad_suffix", path=str(output))
    data = gather(store, line, snapshot, user=user, lang=lang)
    if suffix == ".xlsx":
        from readiness.report.workbook import write_workbook

        return write_workbook(data, output)
    from readiness.report.html import render_html, write_atomically

    html = render_html(data, template_dir)
    return write_atomically(output, lambda tmp: tmp.write_text(html, encoding="utf-8"))
