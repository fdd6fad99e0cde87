"""Settings of the web app, from arguments or the environment (so uvicorn workers share them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    session_hours: int = 12

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
        return env
