"""Readiness reports for opening approval: HTML and Excel, from an assessment snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readiness.actor import Actor

SUFFIXES = (".html", ".htm", ".xlsx")


def write_report(store: Any, line: str | None, output: str | Path, *, snapshot: int | None = None,
                 lang: str = "zh", template_dir: str | None = None,
                 actor: Actor | None = None, force: bool = False) -> Path:
    """Render the latest (or a given) snapshot of the line to `output` (.html or .xlsx), written
    atomically; a file already there is replaced only with `force`. With no snapshot yet, an
    `actor` makes the assessment first. `template_dir` is searched before the built-in
    templates."""
    from readiness.errors import InvalidValue, ReadinessError
    from readiness.report.data import gather

    if Path(output).exists() and not force:
        raise ReadinessError("output.exists", path=str(output))
    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidValue("report.bad_suffix", path=str(output))
    data = gather(store, line, snapshot, actor=actor, lang=lang)
    if suffix == ".xlsx":
        from readiness.report.excel import write_workbook

        return write_workbook(data, output)
    from readiness.report.html import render_html, write_atomically

    html = render_html(data, template_dir)
    return write_atomically(output, lambda tmp: tmp.write_text(html, encoding="utf-8"))
