import pytest
from click.testing import CliRunner

from claimscrub.audit.synth import generate
from claimscrub.cli import main
from tests.store.conftest import db_url, pg_server, sqlite_url  # noqa: F401 - shared fixtures


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """The 6-month synthetic history (claims and 835s) imported into SQLite, as a user would."""
    out = tmp_path_factory.mktemp("hist")
    files = generate(out, 6, end="2026-10", seed=7)
    url = f"sqlite:///{out / 'h.db'}"
    res = CliRunner().invoke(
        main, ["import", *[str(f) for f in files if f.name != "providers.csv"], "--db", url]
    )
    assert res.exit_code == 0, res.output
    return out, url, files
