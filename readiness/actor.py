"""Who acts, and through what: the identity every write carries down to its audit record.

A face decides who is acting — the command line from `--user`, `READINESS_USER` or the login
name, the web application from the signed-in account — and passes an `Actor` to every service
that writes. Nothing below a face guesses who is at the keyboard.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass


WEB = "web"  # `via` of a change asked for through the web application


@dataclass(frozen=True)
class Actor:
    """`user` is the name recorded in the audit trail; `via` is how the change was asked for
    (the command as typed, a web request), recorded next to it. A service that writes names
    its own action when `via` is not given."""

    user: str
    via: str | None = None

    def __post_init__(self) -> None:
        if not self.user or not self.user.strip():
            raise ValueError("an Actor needs a user name")

    def command(self, action: str) -> str:
        """What the audit record says was asked for: the command as typed, or for a form sent
        through the web application the service's own action after "web: " (which form)."""
        if self.via == WEB:
            return f"{WEB}: {action}"
        return self.via or action

    @classmethod
    def of_os_user(cls, user: str | None = None, via: str | None = None) -> Actor:
        """The command line's actor: `--user` if given, else `READINESS_USER`, else the login
        name (containers without one are "unknown")."""
        return cls(user or os.environ.get("READINESS_USER") or _login_name(), via)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"
