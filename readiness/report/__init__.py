"""Readiness reports for opening approval: HTML and Excel, from an assessment snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readiness.actor import Actor


def write_report(store: Any, line: str | None, output: str | Path, *, snapshot: int | None = None,
                 lang: str = "zh", template_dir: str | None = None,
                 actor: Actor | None = None) -> Path:
    """Render the latest (or a given) snapshot to .html or .xlsx, written atomically. With no
    snapshot yet, an `actor` makes the assessment first."""
    from readiness.errors import InvalidValue
    from readiness.report.data import gather

    suffix = Path(output).suffix.lower()
    if suffix not in (".html", ".htm", ".xlsx"):
        raise InvalidValue("report.bad_suffix", path=str(output))
    data = gather(store, line, snapshot, actor=actor, lang=lang)
    if suffix == ".xlsx":
        from readiness.report.workbook import write_workbook

        return write_workbook(data, output)
    from readiness.report.html import render_html, write_atomically

    html = render_html(data, template_dir)
    return write_atomically(output, lambda tmp: tmp.write_text(html, encoding="utf-8"))
