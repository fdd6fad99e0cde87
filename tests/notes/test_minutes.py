"""Psychotherapy minutes: the time grammar, the purpose of each duration, and how they combine.

The cases are written from the therapy_minutes conventions of the labeled note sets
(docs/notes-minutes.md), one per construct, not copied from labeled notes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscrub.notes import extract_note
from claimscrub.notes._text import normalise
from claimscrub.notes.minutes import range_minutes, therapy_minutes
from claimscrub.notes.timegrammar import MAX_MINUTES, find, number


def minutes_of(text: str) -> int | None:
    return therapy_minutes([], text, False, normalise(text))[0]


# --- the grammar: how long --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2:05-2:50 pm", 45),
        ("2:05 pm - 2:50 pm", 45),
        ("2:05p-2:50p", 45),
        ("1:55-2:40 p.m.", 45),
        ("11:40-12:20", 40),  # crosses noon, no am/pm
        ("11:30 am to 12:15 pm", 45),
        ("noon-12:50", 50),
        ("13:10-14:05", 55),
        ("1400-1452", 52),  # 24-hour without a colon
        ("0930 to 1020", 50),
        ("14h05-14h50", 45),
        ("23:40-00:20", 40),  # crosses midnight
        ("from 10:15 until 11:05", 50),
        ("14:00 hrs to 14:50 hrs", 50),
        ("1400h-1450h", 50),
    ],
)
def test_clock_ranges(text, minutes):
    exprs = [e for e in find(normalise(text)) if e.kind == "range"]
    assert [e.minutes for e in exprs] == [minutes]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("Start 2:00 PM  End 2:53 PM", 53),
        ("Time in: 1605     Time out: 1648", 43),
        ("Start Time: 14:05\nStop Time: 14:58", 53),
        ("began at 3:02 pm and ended at 3:40 pm", 38),
        ("started 0905, ended 0950", 45),
        ("In: 10:00 / Out: 10:45", 45),
        ("Session started late at 10:12 (stuck in traffic on I-25, used grounding) and ended at 10:55", 43),
    ],
)
def test_start_stop_pairs(text, minutes):
    assert [e.minutes for e in find(normalise(text))] == [minutes]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45 min", 45),
        ("45 mins", 45),
        ("45min", 45),
        ("45 minutes", 45),
        ("45-minute", 45),
        ("53'", 53),
        ("fifty-five minutes", 55),
        ("forty five minutes", 45),
        ("twelve minutes", 12),
        ("1 hr 5 min", 65),
        ("1h 10m", 70),
        ("1h05", 65),
        ("one hour", 60),
        ("an hour", 60),
        ("half an hour", 30),
        ("1.5 hours", 90),
        ("an hour and a half", 90),
        ("1 hour & 10 minutes", 70),
        ("2 hours", 120),
        (".75 hr", 45),
        ("1.25 hours", 75),
        ("thirty-eight (38) minutes", 38),
        ("53+ minutes", 53),
        ("53m", 53),
        ("45 minutos", 45),
        ("Duration: 0:53", 53),
        ("20 + 15 min", 35),
        ("Minutes of psychotherapy: 26", 26),
    ],
)
def test_durations(text, minutes):
    assert [e.minutes for e in find(normalise(text), text)] == [minutes]


@pytest.mark.parametrize(
    "text",
    [
        "BP 128/78, HR 72",
        "past trials 2016-2020",  # years, not a 24-hour range
        "level 0.6-1.0",
        "sertraline 50 mg",
        "67M with MDD",  # age and sex, not 67 minutes
        "seen 3/14",
        "2-3 times a week",
    ],
)
def test_not_time(text):
    assert [e for e in find(normalise(text), text) if not e.estimate] == []


def test_estimates_are_never_counted():
    (e,) = find(normalise("falls asleep within 20-30 min"))
    assert e.estimate


def test_words_to_numbers():
    assert number("fifty-five") == 55
    assert number("twenty two") == 22
    assert number("ninety") == 90
    assert number("12") == 12


# --- purposes and combination: what counts ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # psychotherapy-only notes: the session length is psychotherapy time
        ("Individual Therapy Progress Note\nSession length: 50 min (90834).", 50),
        ("Counseling session\nStart 2:00 PM  End 2:53 PM\nClient practiced coping cards.", 53),
        ("ERP session #4\n1400-1452, in office.", 52),
        ("Couples therapy. Duration: sixty minutes.", 60),
        ("Group psychotherapy note\nGroup: Relapse prevention, 6:00-7:30 PM", 90),
        ("Psychotherapy note - 53'", 53),
        ("Family therapy (90847). Duration: 1 hr 5 min.", 65),
        ("Counseling note. Met with client for forty minutes.", 40),
        # explicit psychotherapy time in a mixed visit
        ("Med management and psychotherapy.\nPsychotherapy: 2:30-3:00 PM (separate from E/M).", 30),
        ("Psychotherapy time (separate from E/M): 16 minutes.", 16),
        ("Psychotherapy minutes: 20 (supportive)", 20),
        ("Separately from the E/M portion, we spent 22 minutes in psychotherapy.", 22),
        ("We spent about 30 minutes of the visit on CBT for worry.", 30),
        ("Remaining 30 minutes psychotherapy (ACT).", 30),
        ("Supportive psychotherapy (90833, 20 minutes) addressed work stress.", 20),
        ("Service: brief psychotherapy intervention, 25 min face-to-face.", 25),
        ("Time: med management 10 min; psychotherapy (CBT-I) 25 min; total 35 min.", 25),
        ("Med check (10 min): refilled. Psychotherapy forty minutes: panic control.", 40),
        ("EMDR session duration 1 hr 5 min.", 65),
        # split blocks are added
        ("Psychotherapy 13:00-13:25 and 13:40-13:55 (fire drill between).", 40),
        ("CBT-E: 10:05-10:20 (food records) + 10:32-10:45 (trigger plan).", 28),
        ("TF-CBT session\nChild-alone portion: 25 min. Caregiver portion: 20 min.", 45),
        ("Psychotherapy: 20 minutes of IPT, then after a break, another 15 minutes on grief.", 35),
        ("DBT skills, split session.\nBlock 1: 14:00-14:25. Block 2: 14:40-14:55.", 40),
        ("Psychotherapy 20 min + 15 min (35 min total).", 35),
        # a medication-review portion is subtracted
        ("Session 1:00-1:50 pm. First 15 minutes medication review. Remainder of session: DBT.", 35),
        ("Total 60 min of which 20 min E/M; remainder psychotherapy.", 40),
        (
            "Total face-to-face time was 45 minutes, the first 10 minutes were medication review "
            "and the remainder was psychotherapy.",
            35,
        ),
        ("Time: 14:00-14:50\nStructure: first 15 min medication review; remainder CBT psychotherapy.", 35),
        ("Psychotherapy 2:00-2:50 pm; medication review (first 10 min).", 40),
        # in-session activities and other lengths inside a session do not change it
        ("Psychotherapy note\nSession 45 min. Practiced a 10-minute body scan; homework 20 min daily.", 45),
        ("Therapy session 3:10 PM - 4:02 PM. Pt arrived 10 minutes late.", 52),
        ("Psychotherapy (90837), 60 minutes. Imaginal exposure x 35 min, processing x 20 min.", 60),
        ("Psychotherapy 16 min: stimulus control (out of bed if awake >20 min).", 16),
        ("Psychotherapy x 30 min.", 30),
        ("E/M (15 min) and psychotherapy (20 min).", 20),
        ("A twenty-minute psychotherapy session.", 20),
        ("Med visit. Sertraline continued.\nPsychotherapy: [x] Yes [ ] No   Time: 25 min", 25),
        ("Psychotherapy time: 45 min (start 3:00, end 3:45)", 45),
        ("Psychotherapy note\nAn hour-long session today.", 60),
        ("Therapy note\nScheduled: 2:00-2:50 | Actual: 2:10-2:50", 40),
        ("Therapy 3:00 to 3:45 minus 10 minutes for med review.", 35),
        ("Psychiatry visit. Vitals 09:05.\nBilling: 99214-25, 90833 (psychotherapy time 20 minutes).", 20),
        ("Total minutes: 60 (visit)\nContinue sertraline.\nPsychotherapy 30 min.", 30),
        ("Psychotherapy note\nSession length: 50\nPlan: weekly.", 50),
        ("Psychotherapy form\nDuration: [ ] 30 min [x] 45 min [ ] 60 min", 45),
        (
            "Psychotherapy note\nSession 45 min. Works the 3:00-11:00 pm shift; bedtime 10:30 pm - 6:30 am.",
            45,
        ),
        ("Psychotherapy note\nLast session was 45 min; today's session 50 min.", 50),
        ("Video session 10:00-10:50; connection lost 10:20-10:25, resumed by phone.", 50),
        ("Psychotherapy note\nImaginal exposure x 35 min within a 50 min session.", 50),
        ("15 minutes of the 40-minute visit were psychotherapy.", 15),
        ("Time: CPT 40' | med evaluation 10'", 40),  # CPT here is cognitive processing therapy
        ("Therapy form\nLength: [ ] 16-37 min [x] 38-52 min\nActual: 41 min", 41),  # checkbox form
        ("Psychotherapy: 25 minutes (patient alone) + 10 minutes (with spouse).", 35),
        ("Psychotherapy: 0915-0957. Medication review afterwards.", 42),
        ("Therapy session - 45 min. Next session planned as 90 min.", 45),
    ],
)
def test_psychotherapy_minutes(text, minutes):
    assert minutes_of(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        # visit, call, monitoring and med-check times
        "Psychiatry follow-up\nStart: 10:30   End: 11:00\nContinue sertraline 100 mg.",
        "Sertraline 100 mg; continue. Total visit time 25 min.",
        "Med check 15 min. Mirtazapine helps; refilled.",
        "Lithium stable; continue. Total time spent on date of service: 50 minutes.",
        "Telephone encounter, 10-minute call re: refill.",
        "Call duration 14 min. Continue sertraline.",
        "Monitoring period: 09:10-11:10 (2 hours). Esketamine 84 mg under observation 09:10-09:20.",
        "Medication management + psychotherapy | 2:00-3:00 PM. Continue bupropion.",
        "Visit: 14:00-14:20. Buprenorphine 16 mg continued.",
        "Total time 40 min including counseling and coordination. Continue lithium.",
        # add-on code with no minutes
        "Continue sertraline. Billing: 99214 + add-on 90833.",
        "Brief supportive therapy also provided. 90833",
        # future, scheduled and activity durations
        "Plan: next session 60 minutes. Homework: 20 minutes of journaling daily.",
        "Pt arrived 25 min late.",
        "BHC f/u in 2 wks (30-min slot).",
        "Sleep window 12:30-6:30 am. Falls asleep within 20-30 min.",
        "Booked for a 30-min med follow-up; video froze, postponed.",
        "Time spent: 30 min, more than half in counseling/coordination. Continue sertraline.",
        "Prescribing psychologist - pharmacotherapy + supportive psychotherapy\nVisit time 45 min.",
        "Psychotherapy note\nShe felt nauseated for about an hour after the last treatment.",
        "Psychotherapy note\nGoal: cut re-checking from ~3 hrs/night to under 1 hr.",
        "Psychotherapy note - code only. CPT 90834",
        "Psychotherapy note\nWorry time 7:00-7:15 pm nightly.",
        "Med visit.\nVisit: med management   Time: 25 min",
        "Sertraline continued. Counseling/coordination of care 20 min.",
        "LAI clinic\nArrived 10:00. Paliperidone 156 mg given 10:15; observed until 10:30.",
        "Psychiatry f/u. Pt seen 2:00-2:30 for med mgmt and supportive therapy.",
        # blank template fields
        "Psychotherapy time: *** min\nTotal time: ***",
    ],
)
def test_not_psychotherapy_minutes(text):
    assert minutes_of(text) is None


def test_caller_guess_alone_does_not_make_a_total_into_session_time():
    note = "Follow-up\nMeds reviewed. Time: 15 minutes. Total time 25 min."
    low = normalise(note)
    assert therapy_minutes([], note, True, low)[0] == 15  # the caller says psychotherapy-only
    assert therapy_minutes([], note, False, low)[0] is None
    assert (
        therapy_minutes(
            [], "Follow-up\nTotal time 25 min.", True, normalise("Follow-up\nTotal time 25 min.")
        )[0]
        is None
    )


def test_reader_reports_minutes_and_evidence():
    note = "Psychotherapy Progress Note\nTime: 2:05 pm - 2:50 pm\nGrief work."
    facts = extract_note(note)
    assert facts.therapy_minutes == 45
    (start, end, words) = facts.evidence["therapy_minutes"][0]
    assert note[start:end] == words == "2:05 pm - 2:50 pm"


def test_range_minutes_kept_for_callers():
    assert range_minutes("2", "05", None, "2", "50", "pm") == 45
    assert range_minutes("2", None, None, "3", None, None) is None


# --- the parser never crashes, and a range is its end minus its start ---------------------------

_clock24 = st.tuples(st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=300, deadline=None)
@given(a=_clock24, length=st.integers(1, MAX_MINUTES))
def test_range_equals_end_minus_start(a, length):
    start = a[0] * 60 + a[1]
    end = (start + length) % 1440
    text = f"Psychotherapy {a[0]:02d}:{a[1]:02d}-{end // 60:02d}:{end % 60:02d}."
    (e,) = find(normalise(text))
    assert e.minutes == length
    assert minutes_of(text) == length


@settings(max_examples=200, deadline=None)
@given(h=st.integers(1, 12), m=st.integers(0, 59), length=st.integers(1, 179))
def test_twelve_hour_range_with_pm(h, m, length):
    start = (h % 12 + 12) * 60 + m  # afternoon start
    end = start + length
    if end >= 24 * 60:
        return
    eh, em = divmod(end, 60)
    text = f"Therapy session {h}:{m:02d} pm - {(eh - 1) % 12 + 1}:{em:02d} pm."
    assert minutes_of(text) == length


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789:-' apmhrinutesofwl.;|\n+")), max_size=80))
def test_parser_never_crashes(text):
    exprs = find(normalise(text), text)
    for e in exprs:
        assert 0 <= e.start < e.end <= len(text)
        assert e.estimate or 0 < e.minutes <= MAX_MINUTES
    got = minutes_of(text)
    assert got is None or 0 < got <= MAX_MINUTES


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_crashes_on_any_text(text):
    got = minutes_of(text)
    assert got is None or 0 < got <= MAX_MINUTES
