"""`scale add|list|show`: the hazard scoring tables, shipped and a line's own."""

from __future__ import annotations

import click

from readiness.commands.options import (acting, emit_json, group, json_option, L, line_option,
                                        open_store, show_table)
from readiness.i18n import get_lang, t


def _title(zh: str, en: str) -> str:
    return zh if get_lang() == "zh" else en


def _num(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@group()
def scale() -> None:
    """Hazard scoring tables: the shipped methods and the line's own (a TOML file)."""


@scale.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@line_option
@json_option
def scale_add(file: str, line: str | None, as_json: bool) -> None:
    """Add the line's own scoring table (factor values, bands, levels) from a TOML file."""
    from hazards.scales import add_scale_file

    with open_store() as store:
        added = add_scale_file(store, line, file, actor=acting())
    if as_json:
        return emit_json(added)
    click.echo(t("scale.replaced" if added.replaced else "scale.added", name=added.name))


@scale.command("list")
@line_option
@json_option
def scale_list(line: str | None, as_json: bool) -> None:
    """List the scoring methods a line may use: shipped, and the line's own."""
    from hazards.scales import list_scales

    with open_store() as store:
        found = list_scales(store, line)
    if as_json:
        return emit_json(found)
    show_table([L("名称", "Name"), L("来源", "Origin"), L("说明", "Title"), L("因子", "Factors"),
                L("分级表", "Band tables"), L("在用", "In use")],
               [[s.name, L("内置", "shipped") if s.origin == "shipped" else L("本线路", "line"),
                 _title(s.zh, s.en), " × ".join(s.factors) or "-",
                 ", ".join(s.band_tables) or "-", "✓" if s.in_use else ""] for s in found])


@scale.command("show")
@click.argument("name")
@line_option
@json_option
def scale_show(name: str, line: str | None, as_json: bool) -> None:
    """Show one scoring method: its factors and their values, and its band tables."""
    from hazards.scales import show_scale

    with open_store() as store:
        shown = show_scale(store, line, name)
    if as_json:
        return emit_json(shown)
    click.echo(f"{shown.name}: {_title(shown.zh, shown.en)}")
    if shown.source:
        click.echo(f"{L('来源', 'Source')}: {shown.source}")
    for s in shown.scales:
        values = ", ".join(f"{_num(v['value'])} {_title(v['zh'], v['en'])}"
                           if _title(v["zh"], v["en"]) != _num(v["value"]) else _num(v["value"])
                           for v in s["values"])
        click.echo(f"{s['factor']} {_title(s['zh'], s['en'])}: {values}")
    for table in shown.tables:
        mark = f" ({L('默认', 'default')})" if table["default"] else ""
        click.echo(f"{L('分级表', 'Band table')} {table['name']}{mark}: "
                   f"{_title(table['zh'], table['en'])}")
        product = "×".join(shown.factors)
        for band in table.get("bands", ()):
            upper = band.get("max")
            closed = table["bounds"] == "closed"
            span = (f"{_num(band['min'])} ≤ {product}" if upper is None else
                    f"{_num(band['min'])} ≤ {product} {'≤' if closed else '<'} {_num(upper)}")
            click.echo(f"  {span}: {_level(band['level'])}")
        if "matrix" in table:  # one line per row value: each column value and its level
            rows, cols = (shown.scales[0], shown.scales[1])
            for r, row in zip(rows["values"], table["matrix"]):
                cells = ", ".join(f"{cols['factor']}={_num(c['value'])} {_level(level)}"
                                  for c, level in zip(cols["values"], row))
                click.echo(f"  {rows['factor']}={_num(r['value'])}: {cells}")
    for c in shown.criteria:
        click.echo(f"- {_title(c['zh'], c['en'])}")


def _level(code: str) -> str:
    from readiness import vocab

    return vocab.label("risk_level", code)


COMMANDS = [scale]
