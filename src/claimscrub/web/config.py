"""Settings of the web app, from arguments or the environment (so uvicorn workers share them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

DEFAULT_MAX_BODY = 10 * 1024 * 1024
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024


def default_db() -> str:
    return os.environ.get("CLAIMSCRUB_DB") or "claimscrub.db"


def database_url(db: str | None = None) -> str:
    """``CLAIMSCRUB_DB`` / ``--db``: a SQLAlchemy URL, or a path to a SQLite file."""
    db = db or default_db()
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


@dataclass
class Settings:
    db: str = field(default_factory=default_db)
    #: Where uploaded batch files are kept (next to the SQLite file by default).
    data_dir: Path | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_upload: int = DEFAULT_MAX_UPLOAD
    #: Force the Secure cookie flag (otherwise set when the request came over https).
    secure_cookies: bool = False
    #: absolute session lifetime, and the idle time after which a session ends
    session_hours: float = 12
    session_idle_minutes: float = 30
    #: failed sign-ins within ``signin_window_minutes`` that lock an account / a client address
    signin_account_max: int = 5
    signin_address_max: int = 20
    signin_window_minutes: float = 15
    #: seconds a client may stay silent mid-request (headers or body) before it is cut off
    client_timeout: float = 30

    @property
    def url(self) -> str:
        return database_url(self.db)

    @property
    def upload_dir(self) -> Path:
        if self.data_dir is not None:
            return Path(self.data_dir)
        if "://" in self.db:
            return Path(os.environ.get("CLAIMSCRUB_WEB_DATA", "claimscrub-uploads")).resolve()
        return Path(self.db).expanduser().resolve().parent / "claimscrub-uploads"

    @classmethod
    def from_env(cls) -> Settings:
        data = os.environ.get("CLAIMSCRUB_WEB_DATA")
        return cls(
            db=default_db(),
            data_dir=Path(data) if data else None,
            max_body=int(os.environ.get("CLAIMSCRUB_MAX_BODY", DEFAULT_MAX_BODY)),
            max_upload=int(os.environ.get("CLAIMSCRUB_MAX_UPLOAD", DEFAULT_MAX_UPLOAD)),
            secure_cookies=os.environ.get("CLAIMSCRUB_SECURE_COOKIES", "") in {"1", "true", "yes"},
            **{
                name: kind(os.environ[env])
                for name, (env, kind) in TUNABLES.items()
                if os.environ.get(env, "").strip()
            },
        )

    def to_env(self) -> dict[str, str]:
        env = {
            "CLAIMSCRUB_DB": self.db,
            "CLAIMSCRUB_MAX_BODY": str(self.max_body),
            "CLAIMSCRUB_MAX_UPLOAD": str(self.max_upload),
            "CLAIMSCRUB_SECURE_COOKIES": "1" if self.secure_cookies else "",
        }
        if self.data_dir is not None:
            env["CLAIMSCRUB_WEB_DATA"] = str(self.data_dir)
        env.update({env_name: str(getattr(self, name)) for name, (env_name, _) in TUNABLES.items()})
        return env

    @property
    def timeouts(self):  # type: ignore[no-untyped-def]
        from claimscrub.web.sessions import Timeouts

        return Timeouts(
            idle=timedelta(minutes=self.session_idle_minutes), absolute=timedelta(hours=self.session_hours)
        )

    @property
    def signin_policy(self):  # type: ignore[no-untyped-def]
        from claimscrub.web.throttle import Policy

        return Policy(
            account_max=self.signin_account_max,
            address_max=self.signin_address_max,
            window=timedelta(minutes=self.signin_window_minutes),
        )


#: Settings read from the environment (so every uvicorn worker has the same): field -> (variable, type)
TUNABLES: dict[str, tuple[str, type]] = {
    "session_hours": ("CLAIMSCRUB_SESSION_HOURS", float),
    "session_idle_minutes": ("CLAIMSCRUB_SESSION_IDLE_MINUTES", float),
    "signin_account_max": ("CLAIMSCRUB_SIGNIN_ACCOUNT_MAX", int),
    "signin_address_max": ("CLAIMSCRUB_SIGNIN_ADDRESS_MAX", int),
    "signin_window_minutes": ("CLAIMSCRUB_SIGNIN_WINDOW_MINUTES", float),
    "client_timeout": ("CLAIMSCRUB_CLIENT_TIMEOUT", float),
}
