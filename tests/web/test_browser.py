"""The web app in a real browser (Debian's chromium driven by Playwright): sign in, upload with
progress, filter, export, note check; screenshots in test-artifacts/."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from .conftest import PASSWORD, REPO_ROOT, rows_csv, sample_rows
from .server import running

CHROMIUM = os.environ.get("CLAIMSCRUB_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
PATIENT = "QQPATIENT-55120"

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    have = Path(CHROMIUM).exists() or shutil.which(CHROMIUM)
    if not have:
        if os.environ.get("CLAIMSCRUB_REQUIRE_CHROMIUM"):
            pytest.fail(f"chromium not found at {CHROMIUM} (scripts/ci-system-deps.sh installs it)")
        pytest.skip(f"chromium not found at {CHROMIUM}: apt-get install -y chromium")
    pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright (no `playwright install` needed)"
    )


@pytest.fixture
def browser_page():
    _need_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def test_sign_in_upload_filter_export_note(browser_page, app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    page = browser_page
    rows = sample_rows()
    for r in rows:
        r["patient_id"] = PATIENT + r["patient_id"]
    claims = tmp_path / "march-claims.csv"
    claims.write_bytes(rows_csv(rows))

    with running(app) as base:
        page.goto(base + "/batches")
        assert "/signin" in page.url  # signed out: no claim shown
        shot(page, "01-sign-in")
        page.fill("input[name=username]", "bill")
        page.fill("input[name=password]", "wrong password")
        page.click("button[type=submit]")
        assert page.locator(".flash.error").inner_text().startswith("Wrong user name or password")
        page.fill("input[name=username]", "bill")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/batches")

        page.set_input_files("input[type=file]", str(claims))
        page.click("#upload button[type=submit]")
        assert page.locator("#progress").is_visible()
        page.wait_for_url(f"{base}/batches/*")
        page.wait_for_selector("table.findings")
        shot(page, "02-results")
        summary_errors = int(page.locator(".stat.error .n").inner_text())
        assert summary_errors > 0
        assert page.locator("table.findings tbody tr").count() > summary_errors  # warnings and infos too

        page.select_option("select[name=severity]", "error")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**severity=error**")
        sev = page.locator("table.findings tbody td:first-child").all_inner_texts()
        assert sev and {s.strip().lower() for s in sev} == {"error"}
        assert len(sev) == summary_errors
        page.locator("table.findings details summary").first.click()
        shot(page, "03-filtered-errors")

        with page.expect_download() as dl:
            page.click("a.button:text('CSV')")
        path = dl.value.path()
        text = Path(path).read_text(encoding="utf-8")
        assert text.startswith("rule,severity,claim_id")
        assert len(text.strip().splitlines()) == summary_errors + 1  # the filtered findings only

        page.click("nav a:text('Check a note')")
        note = (
            "<script>alert('pwned')</script>\n"
            "Sertraline 100 mg daily, continue. Mood better. Denies side effects."
        )
        page.fill("textarea[name=text]", note)
        page.click("button:text('Read the note')")
        page.wait_for_selector(".note-text")
        assert "<script>alert('pwned')</script>" in page.locator(".note-text").inner_text()
        assert page.locator(".note-text mark").count() >= 2
        assert page.dialogs == []  # type: ignore[attr-defined]
        shot(page, "04-note")

        page.click("nav a:text('Dashboard')")
        page.wait_for_selector("h1:text('Audit dashboard')")
        shot(page, "05-dashboard")
        page.click("nav a:text('Rules')")
        page.click("a:text('PV001')")
        shot(page, "06-rule")

        page.click("button:text('Sign out')")
        page.wait_for_url("**/signin")
        page.goto(base + "/batches")
        assert "/signin" in page.url

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PATIENT not in logged and "pwned" not in logged
