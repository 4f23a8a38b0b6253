"""Writing the inspection handbooks (隐患排查手册, 一岗一册): HTML for printing on A4 (one section per
post, a page break between posts; `templates/handbook.html`) or one Excel sheet with a block per
post (a post title row, the column headings, its controls).

`write_handbook` is the service behind `readiness inspection handbook`: it reads the register and
the organisation, builds the handbooks (hazards.handbook, pure) and writes the file atomically.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hazards.handbook import Entry, Handbook, PostBook, build, policy
from readiness import vocab

if TYPE_CHECKING:
    from readiness.store.core import Store

SUFFIXES = (".html", ".xlsx")
SHEET = {"zh": "隐患排查手册", "en": "Inspection handbook"}
# (zh, en, width): the columns of a post's block, in the workbook and on the page
COLUMNS = (("序号", "No.", 6), ("危险源编号", "Hazard ID", 11), ("风险等级", "Level", 8),
           ("位置", "Location", 16), ("危险源", "Hazard", 34), ("管控措施", "Control", 34),
           ("措施类型", "Control type", 10), ("查什么", "What to check", 34),
           ("怎么查", "How", 30), ("周期（天）", "Every (days)", 9),
           ("责任人", "Responsible", 14))


def post_title(book: PostBook, lang: str = "zh") -> str:
    """A post as its section is titled: 单位名称 · 岗位 (the unit as a whole, or no owner)."""
    zh = lang == "zh"
    if book.unit is None:
        return "未明确责任岗位的管控措施" if zh else "Controls no post owns"
    unit = f"{book.unit_name or book.unit}（{book.unit}）" if zh else \
        f"{book.unit_name or book.unit} ({book.unit})"
    post = book.post or ("本单位" if zh else "the unit")
    return f"{unit} · {post}"


def row(index: int, e: Entry, lang: str = "zh") -> list[Any]:
    place = e.location_name or e.location or ""
    if e.location and e.location_name:
        place = f"{e.location_name}（{e.location}）" if lang == "zh" else \
            f"{e.location_name} ({e.location})"
    return [index, e.hazard, vocab.label("risk_level", e.level, lang) if e.level else "-", place,
            e.hazard_description or "", e.control, vocab.label("control_type", e.control_type, lang),
            e.check_what, e.check_how, e.every_days,
            f"{e.owner_name} {e.owner}" if e.owner_name else (e.owner or "")]


def basis_lines(lang: str = "zh", grey: bool = True) -> list[str]:
    """Where the handbook's rules come from: inspection itself (the regulation) and the default
    frequencies (the operator's own figures)."""
    from readiness.sources import basis, check_refs, cite

    data = policy()
    required = "；".join(cite(b, lang) for b in basis(check_refs(data["required_by"], "")))
    every = data["check_every_days"]
    figures = (" · ".join(f"{vocab.label('risk_level', lv, lang)} {every[lv]}"
                          for lv in ("major", "significant", "general", "low")))
    own = "；".join(cite(b, lang) for b in basis(check_refs(every["basis"], "")))
    if lang == "zh":
        return [f"依据：{required}（隐患排查治理）。",
                f"默认排查周期（天，按危险源当前风险等级）：{figures}；依据：{own}。"
                + ("灰色字为默认值：" if grey else "未另行规定的，")
                + "查什么按措施内容，怎么查按措施类型，周期按风险等级。"]
    return [f"Basis: {required} (hidden-danger inspection).",
            f"Default days between checks, by the hazard's current level: {figures}; basis: {own}. "
            + ("Grey text is a default: " if grey else "Where a control does not say: ")
            + "what to check from the control, how by its type, how often by the level."]


def write_xlsx(handbook: Handbook, path: Path, lang: str = "zh") -> None:
    """One sheet: per post a title row, the headings, then its controls; a blank row between
    posts. Written row by row, so the largest post's handbook streams."""
    from readiness.xlsx.writer import write_styled_rows

    title = f"{handbook.line} {'隐患排查手册（一岗一册）' if lang == 'zh' else 'inspection handbook'}"
    headings = [zh if lang == "zh" else en for zh, en, _ in COLUMNS]

    def rows() -> Iterator[tuple[str, list[Any]]]:
        yield "title", [title.strip()]
        for text in basis_lines(lang, grey=False):
            yield "", [text]
        for book in handbook.posts:
            yield "", []
            holders = "、".join(book.holders) if lang == "zh" else ", ".join(book.holders)
            yield "section", [post_title(book, lang), None, None, None,
                              (("在岗人员：" if lang == "zh" else "Held by: ") + holders)
                              if holders else None]
            yield "heading", headings
            for index, e in enumerate(book.entries, start=1):
                yield "", row(index, e, lang)

    write_styled_rows(path, SHEET[lang], [width for _, _, width in COLUMNS], rows())


def render_html(handbook: Handbook, lang: str = "zh") -> str:
    from readiness.report.html import LEVEL_COLOURS, environment

    template = environment().get_template("handbook.html")
    return str(template.render(hb=handbook, lang=lang, zh=lang == "zh", title=post_title,
                               basis=basis_lines(lang), LEVEL_COLOURS=LEVEL_COLOURS,
                               columns=[zh if lang == "zh" else en for zh, en, _ in COLUMNS]))


def line_handbook(store: Store, line: str | None, *, post: str | None = None,
                  unit: str | None = None, lang: str = "zh") -> Handbook:
    """The handbooks of the line's posts (only `post`, only `unit` and the units under it)."""
    from readiness.store.hazards import load_register
    from readiness.store.lines import line_row
    from readiness.store.org import org_index

    with store.read_rows() as session:
        found = line_row(session, line)
        register = load_register(session, found.id)
        org = org_index(session)
    return build(register, org["units"], org["people"], line=found.name, post=post, unit=unit,
                 lang=lang)


def write_handbook(store: Store, line: str | None, output: str | Path, *,
                   post: str | None = None, unit: str | None = None, lang: str = "zh",
                   force: bool = False) -> tuple[Path, Handbook]:
    """Write the handbooks of the line's posts (only `post`, only `unit` and the units under it)
    to `output` (.html or .xlsx), atomically; a file already there is replaced only with
    `force`. Returns the path and what was written."""
    from readiness.errors import InvalidValue, ReadinessError
    from readiness.report.html import write_atomically

    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidValue("handbook.bad_suffix", path=str(output))
    if Path(output).exists() and not force:
        raise ReadinessError("output.exists", path=str(output))
    handbook = line_handbook(store, line, post=post, unit=unit, lang=lang)
    if suffix == ".xlsx":
        path = write_atomically(output, lambda tmp: write_xlsx(handbook, tmp, lang))
    else:
        html = render_html(handbook, lang)
        path = write_atomically(output, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return path, handbook
