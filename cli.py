"""The `readiness` command: the group, its global options, and the mapping of the library's
errors to one `Error: …` line. The commands live in `readiness/commands/`, one module per domain.

Heavy libraries (SQLAlchemy, pandas, openpyxl, networkx) are imported inside commands only, so
`readiness --version` and `--help` start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from readiness import __version__, cli_text
from readiness.commands import (assessment, audit, checklist, demo, drills, hazards, imports,
                                lines, org, pdca, riskmap, scales)
from readiness.commands import dangers, serve, users
from readiness.commands.options import ReadinessGroup, Settings, reader_gone
from readiness.i18n import set_lang, t

AUDIT_COMMAND_CHARS = 200  # the longest command recorded with a write in the audit trail


class Readiness(ReadinessGroup):
    """The top-level group. Turns the library's named errors into one `Error: …` line (exit 1),
    no traceback; speaks the user's language from the first argument on (help, usage errors);
    treats a reader that stops reading (`| head`) as the end of the command, not an error; and
    keeps the command as typed after the global options, for the audit trail."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = sys.argv[1:] if args is None else list(args)
        set_lang(cli_text.lang_from_args(argv, os.environ.get("READINESS_LANG")))
        cli_text.install()  # click's own messages (usage errors, headings) in that language
        return super().main(argv, prog_name, complete_var, standalone_mode, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        typed = list(args)
        rest = super().parse_args(ctx, args)
        # What follows the global options: the command's name and everything after it.
        ctx.meta["readiness.command"] = typed[len(typed) - len(rest) - 1:] if typed else []
        return rest

    def invoke(self, ctx: click.Context) -> Any:
        from readiness.errors import ImportRejected, ReadinessError

        try:
            return super().invoke(ctx)
        except ImportRejected as err:
            for problem in err.problems:
                click.echo(problem.message(), err=True)
            raise click.ClickException(err.message()) from None
        except ReadinessError as err:
            raise click.ClickException(err.message()) from None
        except click.UsageError as err:
            raise cli_text.usage_error(err) from None
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            reader_gone()
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            detail = str(exc).splitlines()[0][:300] if str(exc) else ""
            raise click.ClickException(t("internal", kind=type(exc).__name__,
                                         detail=detail)) from None


@click.group(cls=Readiness, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="readiness")
@click.option("--db", envvar="READINESS_DB", default="readiness.db", show_default=True,
              help="Store: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…). "
                   "Env: READINESS_DB.")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar="READINESS_LANG", default="zh",
              show_default=True, help="Language of messages, labels and reports.")
@click.option("--user", envvar="READINESS_USER", help="Who is making changes, for the audit "
              "trail (default: READINESS_USER, else the login name).")
@click.option("--debug", is_flag=True, help="Show full tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, db: str, lang: str, user: str | None, debug: bool) -> None:
    """metro-readiness: a new metro line's pre-opening safety readiness.

    Hazard register, safety responsibility, drills, PDCA problem tracking, trial-run indicators,
    readiness assessment and reports, in one store.
    """
    set_lang(lang)
    typed = " ".join(ctx.meta.get("readiness.command", []))[:AUDIT_COMMAND_CHARS]
    ctx.obj = Settings(db=db, user=user, debug=debug, command=typed or None)


for _module in (lines, imports, hazards, scales, org, drills, pdca, checklist, assessment, audit,
                demo, dangers, riskmap, users, serve):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="readiness")


if __name__ == "__main__":
    main()
