"""Every basis the product shows can be looked up: each criterion of each shipped profile rests on
documents of the sources file; an edition in force cites nothing superseded and the 2019 edition
nothing published after it; and no development document or background article is cited anywhere
in the installed package or in the reports it writes."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from readiness import sources
from readiness.actor import Actor
from readiness.assessment.profiles import SHIPPED, _shipped, load_profile

# Words that name what must never be cited: the development reference, the background articles,
# the issue tracker. "DOMAIN" as the reference's file is written; the rest in any case.
FORBIDDEN = [("DOMAIN", re.compile(r"DOMAIN")),
             ("原文A", re.compile(r"原文A")), ("原文B", re.compile(r"原文B")),
             ("source text", re.compile(r"source text", re.IGNORECASE)),
             ("issue N", re.compile(r"\bissue [1-9][0-9]?\b", re.IGNORECASE))]
PACKAGES = ("readiness", "hazards", "drills", "templates")
# The law applies as currently amended whatever the edition the line is assessed under.
CURRENT_LAW = {"WORK-SAFETY-LAW-2021"}


def criteria(name: str) -> list[dict]:
    return load_profile(name)["criteria"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_criterion_has_a_basis_in_the_sources_file(name: str) -> None:
    docs = sources.documents()
    for c in _shipped(name).get("criteria", []):  # as written, not defaulted
        assert c.get("basis"), f"{name}/{c['id']}: no basis"
        assert "clause" not in c, f"{name}/{c['id']}: a free-text clause"
        for ref in c["basis"]:
            assert ref["source"] in docs, f"{name}/{c['id']}: unknown {ref['source']}"
        assert c.get("chapter"), f"{name}/{c['id']}: no chapter"
    for c in criteria(name):
        assert sources.basis(c["basis"]), c["id"]


@pytest.mark.parametrize("name", ["mot-2023", "mot-2023-fao"])
def test_an_edition_in_force_cites_nothing_superseded(name: str) -> None:
    docs = sources.documents()
    stale = [(c["id"], ref["source"]) for c in criteria(name) for ref in c["basis"]
             if docs[ref["source"]]["status"] == "superseded"]
    assert not stale


def test_the_2019_edition_cites_nothing_published_after_2019() -> None:
    docs = sources.documents()
    later = [(c["id"], ref["source"]) for c in criteria("mot-2019") for ref in c["basis"]
             if ref["source"] not in CURRENT_LAW and docs[ref["source"]]["date"]
             and int(str(docs[ref["source"]]["date"])[:4]) > 2019]
    assert not later
    profile = load_profile("mot-2019")
    assert profile["superseded_by"] == "mot-2023" and profile["source"] == "MOT-2019-17"


def test_only_verified_articles_are_marked_so() -> None:
    """The articles checked against the text; every other article stays unverified."""
    checked = {("MOT-2023-56", "第三条"), ("JYG-2024-5", "第五条"), ("JYG-2024-5", "第七条"),
               ("JYG-2024-5", "第八条"), ("WORK-SAFETY-LAW-2021", "第二十二条"),
               ("GB-51298-2018", "5.1.1"), ("ISO-45001-2018", "10.2")}
    for name in SHIPPED:
        for c in criteria(name):
            for ref in c["basis"]:
                if ref["verified"]:
                    assert (ref["source"], ref["article"]) in checked, (name, c["id"], ref)


# --- the grep: the installed package and the reports it writes ----------------------------------

def _package_files() -> list[Path]:
    import cli

    files = [Path(cli.__file__)]
    for package in PACKAGES:
        root = Path(str(resources.files(package)))
        files += [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".png", ".xlsx", ".db")]
    return files


def _hits(name: str, lines: list[str]) -> list[str]:
    return [f"{name}:{n}: {word}" for n, line in enumerate(lines, 1)
            for word, pattern in FORBIDDEN if pattern.search(line)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from readiness.demo import build_demo

    out = tmp_path_factory.mktemp("demo")
    build_demo(out, actor=Actor("demo"))
    return out


def test_nothing_cites_development_documents_or_background_articles(demo: Path) -> None:
    from openpyxl import load_workbook

    hits: list[str] = []
    for path in _package_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += _hits(str(path), text.splitlines())
    readme = Path(__file__).resolve().parents[1] / "README.md"  # what a user reads first
    hits += _hits(str(readme), readme.read_text(encoding="utf-8").splitlines())
    hits += _hits(str(demo / "report.html"),
                  (demo / "report.html").read_text(encoding="utf-8").splitlines())
    book = load_workbook(demo / "report.xlsx", read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    hits += [h.replace(":1:", f"!{cell.coordinate}:", 1) for h in
                             _hits(f"{demo / 'report.xlsx'}:{sheet.title}", [str(cell.value)])]
    assert not hits, "cited where it must not be:\n" + "\n".join(hits)
