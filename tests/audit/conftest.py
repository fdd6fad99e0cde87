from tests.store.conftest import db_url, pg_server, sqlite_url  # noqa: F401 - shared fixtures
