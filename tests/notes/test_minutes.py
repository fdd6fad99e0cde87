"""Psychotherapy minutes: time arithmetic, words, blocks, and what is not therapy time."""

from __future__ import annotations

import pytest

from claimscrub.notes import extract_note
from claimscrub.notes.minutes import range_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("Psychotherapy 2:05-2:50 pm.", 45),
        ("Session time 9:00-9:53 am.", 53),
        ("Psychotherapy from 3:15 to 3:47 pm.", 32),
        ("Psychotherapy 11:40-12:20 (separate from E/M).", 40),
        ("Therapy session 11:45 AM - 12:35 PM.", 50),
        ("Psychotherapy 13:10-14:05.", 55),
        ("Individual therapy. Time in: 4:00 pm. Time out: 4:40 pm.", 40),
        ("Start Time: 14:05\nStop Time: 14:58\nModality: CBT psychotherapy", 53),
        ("Psychotherapy lasted fifty-five minutes.", 55),
        ("EMDR session duration 1 hr 5 min.", 65),
        ("Therapy session lasting half an hour.", 30),
        ("Psychotherapy forty minutes: panic control treatment.", 40),
        ("Psychotherapy time: 38 min.", 38),
        ("Session length: 50 min (90834).", 50),
        ("Psychotherapy 13:00-13:25 and 13:40-13:55.", 40),
        (
            "Psychotherapy: 20 minutes of IPT, then after a break, another 15 minutes on "
            "communication analysis.",
            35,
        ),
        (
            "Session 1:00-1:50 pm. First 15 minutes medication review. Remainder of session: DBT skills.",
            35,
        ),
        ("Time: med management 10 min; psychotherapy (CBT-I) 25 min; total 35 min.", 25),
        ("Psychotherapy Progress Note\nTime: 2:05 pm - 2:50 pm\nGrief work.", 45),
    ],
)
def test_therapy_minutes(text, minutes):
    assert extract_note(text).therapy_minutes == minutes


@pytest.mark.parametrize(
    "text",
    [
        "Sertraline 100 mg; continue. Total visit time 25 min.",
        "Med check 15 min. Mirtazapine helps; refilled.",
        "Lithium stable; continue. Total time spent on date of service: 50 minutes.",
        "Continue sertraline. Billing: 99214 + add-on 90833.",
        "Sleep restriction window 12:30-6:30 am. Falls asleep within 20-30 min.",
        "Plan: next session 60 minutes. Homework: 20 minutes of journaling daily.",
        "Pt arrived 25 min late.",
        "Telephone encounter, 10-minute call re: refill.",
    ],
)
def test_not_psychotherapy_time(text):
    assert extract_note(text).therapy_minutes is None


def test_in_session_activities_and_future_durations_are_ignored():
    f = extract_note(
        "Individual psychotherapy. Session time 9:00-9:53 am. Practiced a 3-minute talk. "
        "Plan: attend a social hour for 20 minutes. Next session 60 minutes."
    )
    assert f.therapy_minutes == 53


def test_range_arithmetic():
    assert range_minutes("11", "50", None, "12", "40", None) == 50
    assert range_minutes("12", "50", None, "1", "40", None) == 50
    assert range_minutes("11", "30", "am", "12", "15", "pm") == 45
    assert range_minutes("23", "30", None, "0", "20", None) == 50
    assert range_minutes("2", None, None, "3", None, None) is None
