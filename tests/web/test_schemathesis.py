"""schemathesis against the published OpenAPI schema, on a real loopback server, with a valid API
key: no 500s, responses match the schema, invalid input is rejected (bounded examples)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from claimscrub.web.config import Settings  # noqa: E402

from .server import running  # noqa: E402

MAX_EXAMPLES = 25


def test_api_conforms_and_never_500(tmp_path):
    from claimscrub.web import create_app
    from claimscrub.web.security import create_api_key

    conf = Settings(db=str(tmp_path / "api.db"), data_dir=tmp_path / "uploads", max_body=256 * 1024)
    app = create_app(conf)
    headers = {"Authorization": "Bearer " + create_api_key(conf.url, "schemathesis")}
    failures: list[str] = []
    tested = []
    with running(app) as base:
        schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
        for result in schema.get_all_operations():
            op = result.ok()
            tested.append(op.label)

            @given(case=op.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            def run(case):  # type: ignore[no-untyped-def]
                # positive_data_acceptance is off: JSON Schema cannot say "a real calendar date" or
                # "a whole number of units"; such values get 400 with the reason (documented).
                case.call_and_validate(
                    base_url=base,
                    headers=headers,
                    timeout=30,
                    excluded_checks=[schemathesis.checks.positive_data_acceptance],
                )

            try:
                run()
            except BaseException as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{op.label}: {exc}")
    assert len(tested) >= 10, tested
    assert not failures, "\n\n".join(failures)
