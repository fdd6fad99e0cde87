"""FM001 evaluates each NPI's check digit once per process; the answers stay right."""

from __future__ import annotations

from claimscrub.rules.fm001 import invalid_npis


def test_memoised_npis_keep_their_verdict() -> None:
    good, bad = "1234567893", "1234567890"
    assert invalid_npis([good, bad]) == [bad]
    assert invalid_npis([bad, good]) == [bad]  # both now from the memo
    assert invalid_npis([good, "12345", bad, "1987654328"]) == ["12345", bad]  # memo and new mixed
    assert invalid_npis([]) == []
