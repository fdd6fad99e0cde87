from __future__ import annotations

import pytest

from claimscrub.notes import SUPPORTED_CODES, render_template


@pytest.mark.parametrize("code", ["90863", "90832", "90834", "90837", "90833", "90836", "90838"])
def test_templates_list_every_element(code):
    text = render_template(code).lower()
    for needle in ("start time", "stop time", "minutes"):
        assert needle in text
    if code != "90832" and code not in ("90834", "90837"):
        for needle in ("response", "side effects", "adherence", "decision", "rationale", "dose"):
            assert needle in text, needle
        assert "separate" in text


def test_90863_template_names_the_primary_codes():
    text = render_template("90863")
    assert all(c in text for c in ("90832", "90834", "90837"))


def test_unknown_code_names_supported_codes():
    with pytest.raises(ValueError) as err:
        render_template("99999")
    for code in SUPPORTED_CODES:
        assert code in str(err.value)
