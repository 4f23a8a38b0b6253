"""Server-side sessions of the web application, kept in the serving process.

A session is found by the SHA-256 of its token (the token itself is only in the visitor's
cookie). Sessions end at sign-out, after the idle timeout (data/accounts.toml) and, for an
account, when it is disabled (checked on each request by the application). A restart signs
everyone out. The sign-in form's anonymous sessions, which only carry its CSRF token, are capped
and short-lived so that a flood of form loads cannot fill the server's memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

ANONYMOUS_CAP = 10_000  # sign-in forms open at once; the oldest is dropped beyond this
ANONYMOUS_IDLE = dt.timedelta(minutes=15)


@dataclass
class Session:
    staff_id: str  # "" for a sign-in form's session
    csrf: str
    last_seen: dt.datetime


@dataclass
class Sessions:
    by_hash: dict[str, Session] = field(default_factory=dict)
    anonymous: OrderedDict[str, Session] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, staff_id: str, now: dt.datetime) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(staff_id, secrets.token_urlsafe(32), now)
        with self.lock:
            if staff_id:
                self.by_hash[digest(token)] = session
            else:
                self.anonymous[digest(token)] = session
                while len(self.anonymous) > ANONYMOUS_CAP:
                    self.anonymous.popitem(last=False)
        return token, session

    def get(self, token: str | None, now: dt.datetime, idle: dt.timedelta) -> Session | None:
        if not token:
            return None
        key = digest(token)
        with self.lock:
            for kept, limit in ((self.by_hash, idle), (self.anonymous, ANONYMOUS_IDLE)):
                session = kept.get(key)
                if session is None:
                    continue
                if now - session.last_seen > limit:
                    del kept[key]
                    return None
                session.last_seen = now
                return session
        return None

    def end(self, token: str | None) -> None:
        if token:
            with self.lock:
                self.by_hash.pop(digest(token), None)
                self.anonymous.pop(digest(token), None)

    def end_account(self, staff_id: str) -> int:
        """End every session of an account (disabled, or its password changed)."""
        with self.lock:
            ended = [k for k, s in self.by_hash.items() if s.staff_id == staff_id]
            for key in ended:
                del self.by_hash[key]
        return len(ended)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
