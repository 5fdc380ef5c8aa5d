"""The private iCal feed: parses with `icalendar`, holds the right dates, can be revoked."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from tests.pages import csrf_token, login


def _events(client, url: str) -> dict[str, date]:
    r = client.get(url.replace("http://testserver", ""))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(r.data)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    found = {}
    for event in cal.walk("VEVENT"):
        assert event["UID"] and event["DTSTAMP"]
        found[str(event["SUMMARY"])] = event.decoded("DTSTART")
        assert event.decoded("DTEND") > event.decoded("DTSTART")
    return found


def test_the_liaisons_feed_holds_the_draft_deadline(world, api, client):
    """A liaison subscribes: the feed lists the 7月10日 draft deadline as an all-day event."""
    url = api(world.a_liaison).post("/api/v1/me/ical").get_json()["url"]
    assert url.startswith("http://testserver/ical/") and url.endswith(".ics")
    assert _events(client, url) == {"【截止】单位A·初稿": date(2024, 7, 10)}


def test_the_unit_head_sees_every_stage_of_the_units_plan(world, api, client):
    """The head hears of every stage when late, so the feed holds each due date."""
    url = api(world.a_head).post("/api/v1/me/ical").get_json()["url"]
    assert _events(client, url) == {
        "【截止】单位A·初稿": date(2024, 7, 10),
        "【截止】单位A·同组互审": date(2024, 7, 19),
        "【截止】单位A·分管领导审定": date(2024, 7, 26),
        "【截止】单位A·绩效办批复": date(2024, 8, 15),
    }


def test_an_extension_shows_in_the_feed(world, api, client):
    """The feed gives this plan's extended date."""
    api(world.office).post(
        f"/api/v1/plans/{world.plan.id}/extensions",
        json={"due_date": "2024-07-15", "reason": "顺延"},
    )
    url = api(world.a_liaison).post("/api/v1/me/ical").get_json()["url"]
    assert _events(client, url)["【截止】单位A·初稿"] == date(2024, 7, 15)


def test_a_renewed_or_revoked_feed_url_stops_working(world, api, client):
    """Renewing gives a new URL and kills the old; revoking kills it too; forged tokens 404."""
    liaison = api(world.a_liaison)
    old = liaison.post("/api/v1/me/ical").get_json()["url"].replace("http://testserver", "")
    new = liaison.post("/api/v1/me/ical").get_json()["url"].replace("http://testserver", "")
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert liaison.get("/api/v1/me/ical").get_json()["url"].endswith(new)
    assert liaison.delete("/api/v1/me/ical").get_json() == {"url": None}
    assert client.get(new).status_code == 404
    assert client.get("/ical/not-a-token.ics").status_code == 404


def test_the_feed_page_offers_a_url_with_csrf_protected_buttons(world, client):
    """The page creates the private URL on a POST carrying the CSRF token."""
    login(client, world.a_liaison)
    assert "尚未开启日历订阅" in client.get("/me/calendar-feed").get_data(as_text=True)
    assert client.post("/me/calendar-feed/rotate").status_code == 400
    token = csrf_token(client, "/me/calendar-feed")
    client.post("/me/calendar-feed/rotate", data={"csrf_token": token})
    page = client.get("/me/calendar-feed").get_data(as_text=True)
    assert 'value="http://testserver/ical/' in page and "2024-07-10" in page
