"""On a 390 px phone the navigation folds and the 考评表 reads as cards; printed, the table
goes block by block with each block's label on every page; the calendar subscription is
one click from every page, copied with a button, and its feed holds only what is open."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.components import missing
from wfapp.services.demo import jinjiang_rows

pytestmark = pytest.mark.browser


def _jinjiang(world) -> None:
    """Unit A's plan with the 54 indicators of the demo's 晋江 table."""
    from wfapp.services import plans

    plans.replace_indicators(world.a_liaison, world.plan.id, jinjiang_rows())


def test_a_liaison_reads_the_plan_on_a_phone(session_factory, live_world):
    """At 390 px: the menu is one button that opens the navigation; the 考评表 shows as cards
    (序号, content, 权重, owners) under their block's label, and nothing scrolls sideways."""
    w = live_world(prepare=_jinjiang)
    s = session_factory("phone", viewport=PHONE, is_mobile=True, has_touch=True)
    s.login(w.user("a-liaison"), w.password)
    nav = s.page.locator("#main-nav")
    expect(nav).to_be_hidden()
    s.page.click("[data-nav-toggle]")
    expect(nav).to_be_visible()
    expect(s.page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "true")
    s.shot("menu-open", full_page=False)
    s.page.click("[data-nav-toggle]")
    expect(nav).to_be_hidden()

    s.goto(f"/plans/{w.plan_id}")
    expect(s.page.locator(".target-wide")).to_be_hidden()
    cards = s.page.locator(".target-blocks")
    expect(cards).to_be_visible()
    expect(cards.locator("tr.block-label").first).to_contain_text("重点工作目标")
    card = cards.locator("tr.block-item").first
    box = card.bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    assert s.page.evaluate("document.documentElement.scrollWidth") <= 390
    content = card.locator("td[data-label=目标内容]").bounding_box()
    assert content["width"] > 300  # the content has the card's width, not ~100 px
    card.scroll_into_view_if_needed()
    s.shot("plan-cards", full_page=False)
    assert s.errors == []


def _pdf_text(pdf: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        missing("pdftotext", "apt-get install poppler-utils")
    path = tmp_path / "print.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return ["".join(p.split()) for p in out.split("\f") if p.strip()]


def test_the_printed_table_repeats_each_blocks_label_on_every_page(
    session_factory, live_world, tmp_path
):
    """Printed on A4 landscape, the 54-row table starts on page 1 and every page that holds
    rows starts them under a block label and the column heads."""
    w = live_world(prepare=_jinjiang)
    s = session_factory("print")
    s.login(w.user("a-liaison"), w.password)
    s.goto(f"/plans/{w.plan_id}")
    s.page.emulate_media(media="print")
    expect(s.page.locator(".target-blocks")).to_be_visible()
    expect(s.page.locator(".target-wide")).to_be_hidden()
    s.shot("print-media", full_page=False)
    pages = _pdf_text(s.page.pdf(format="A4", landscape=True, print_background=True), tmp_path)
    assert len(pages) >= 3
    assert "目标内容与责任分解" in pages[0] and "1-1" in pages[0]  # no wasted first page
    for n, page in enumerate(pages, start=1):
        assert "›" in page and "目标内容与责任分解" in page, f"page {n} lost its labels"
    assert "职能工作目标（65分）›重点工作目标（40分）" in pages[1]  # a long block went on


def test_the_calendar_subscription_is_copied_with_a_button(session_factory, live_world):
    """From the header's 日历订阅: create the address, copy it with the button; the feed it
    names lists the plan's open stages and not a stage already done."""
    w = live_world(state="peer_review")
    s = session_factory("calendar", permissions=["clipboard-read", "clipboard-write"])
    s.login(w.user("a-head"), w.password)
    s.page.click("[data-testid=feed-link]")
    s.page.wait_for_url(re.compile(r".*/me/calendar-feed$"))
    s.page.get_by_role("button", name="生成订阅地址").click()
    url = s.page.locator("[data-testid=feed-url]").input_value()
    s.page.click("[data-testid=copy-feed-url]")
    expect(s.page.locator("[data-copied]")).to_be_visible()
    assert s.page.evaluate("navigator.clipboard.readText()") == url
    s.shot("feed-copied")

    # The address carries the configured BASE_URL; the live server listens elsewhere.
    path = re.sub(r"^https?://[^/]+", "", url)
    feed = Calendar.from_ical(s.page.request.get(s.base + path).body())
    summaries = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    assert any(x.endswith("·同组互审") for x in summaries)
    assert not any(x.endswith("·初稿") for x in summaries)  # submitted: 初稿 is done
    rows = s.page.locator("#feed-deadlines tbody tr")
    expect(rows).to_have_count(len(summaries))
    assert s.errors == []
