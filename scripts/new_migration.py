"""Developer tool: write a new Alembic migration from the difference between tables.py and head.

    python scripts/new_migration.py "add audit hash chain"

It upgrades a scratch SQLite store to the current head, compares it with readiness/store/tables.py
and writes readiness/store/migrations/versions/NNNN_<slug>.py. Review the file before committing:
autogenerate does not see renames or data migrations.
"""

import re
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from readiness.store.core import Store, _alembic_config


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/scratch.db")
        existing = list(ScriptDirectory.from_config(_alembic_config()).walk_revisions())
        if existing:
            store.upgrade()
        existing = list(ScriptDirectory.from_config(_alembic_config()).walk_revisions())
        rev_id = f"{len(existing) + 1:04d}"
        slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
        with store.engine.begin() as conn:
            cfg = _alembic_config(conn)
            cfg.set_main_option("file_template", "%%(rev)s_" + slug)
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        store.close()
    print(f"wrote revision {rev_id}; review it under readiness/store/migrations/versions/")


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or sys.exit("usage: new_migration.py MESSAGE"))
