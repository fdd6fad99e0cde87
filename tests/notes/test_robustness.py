"""extract_note never raises and keeps minutes in range, whatever the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.notes import NoteFacts, extract_note

_PIECES = st.sampled_from(
    [
        "sertraline 50 mg",
        "Allergies:",
        "mother takes lithium",
        "2:05-2:50 pm",
        "11:59-12:01",
        "fifty-five minutes",
        "1 hr 5 min",
        "Psychotherapy",
        "Plan:",
        "\n",
        ";",
        "-",
        " - ",
        "denies SE",
        "not reviewed today",
        "continue",
        "99:99-00:00",
        "23:59-00:00 am",
        "half an hour",
        "600 minutes",
        "9999 min",
        "(",
        ")",
        "->",
        "Time:",
        "\u2013",
        "\u00e9",
        "\u0130",
        "Failed fluoxetine",
        "x",
        "  ",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.lists(_PIECES | st.text(max_size=8), max_size=40).map(" ".join)))
def test_never_raises_and_minutes_in_range(text):
    f = extract_note(text)
    assert isinstance(f, NoteFacts)
    assert f.therapy_minutes is None or 0 <= f.therapy_minutes <= 600
    for spans in f.evidence.values():
        for s, e, t in spans:
            assert text[s:e] == t
