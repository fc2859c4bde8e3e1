"""The scoreboard page in a real Chromium (Debian's, through Playwright), fed the seed tie live
through the embedded broker, a real worker and `python -m streams web`."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from streams.kafka.admin import create_topics
from streams.local.web import WebProcess
from tests.builders import moments_told
from tests.seed import SEED_TIE
from tests.streams.harness import ROOT, Namespace, Worker, feed
from tests.web.service import seed_as
from tracker import event_from_dict

pytestmark = pytest.mark.broker

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install '.[dev]')"
)
async_playwright, expect = playwright_api.async_playwright, playwright_api.expect


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip(
        "no Chromium: scripts/test.py installs Debian's chromium when run as root with apt-get; "
        "elsewhere install one or set CHROMIUM=/path/to/chromium",
        allow_module_level=True,
    )
TIE = "web-browser"
#: Where a screenshot of the finished tie is also written (the README's docs/scoreboard.png).
SCREENSHOT = os.environ.get("TRACKER_WEB_SCREENSHOT")


@pytest.fixture(scope="module")
async def web(space, worker, tmp_path_factory):
    await create_topics(space.bootstrap, space.topics.layout(space.partitions))
    service = WebProcess(
        space.broker,
        topic_prefix=space.topics.prefix,
        log_path=tmp_path_factory.mktemp("browser-web") / "web.log",
    ).start()
    service.wait_ready()
    yield service
    service.stop()


@pytest.fixture(scope="module")
async def browser():
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context(viewport={"width": 1000, "height": 1400})
    opened = await context.new_page()
    opened.errors = []
    opened.dialogs = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.on("dialog", lambda dialog: opened.dialogs.append(dialog.message))
    yield opened
    await context.close()


def by(page, testid: str):
    return page.get_by_test_id(testid)


async def moments_count(page) -> int:
    return int(await by(page, "moments-count").text_content() or 0)


async def shown_state(page) -> dict[str, str]:
    """What a fan reads on the page, element by element."""
    names = ("teams", "aggregate", "standing", "goals-needed", "legs", "moments", "version")
    return {name: await by(page, name).inner_text() for name in names}


async def test_the_seed_tie_fed_live_shows_every_turn_of_the_night(
    space, web, page, seed_events, tmp_path
):
    expect.set_options(timeout=30_000)
    events = seed_as(seed_events, TIE)
    leg2 = page.get_by_test_id("leg-2").get_by_test_id("leg-score")
    counts: list[int] = []

    async def send(*chosen) -> None:
        for event in chosen:
            await feed(space, [event])
            version = re.compile(rf"^version {events.index(event) + 1}\b")
            await expect(by(page, "version")).to_have_text(version)
            counts.append(await moments_count(page))

    await page.goto(f"{web.url}/ties/{TIE}")
    await expect(by(page, "connection")).to_have_attribute("data-state", "live")
    await expect(by(page, "connection")).to_have_text("live")

    await send(*events[:11])  # leg 1, then leg 2 to Messi's equaliser, 35'
    await expect(leg2).to_have_text("Inter Miami 1-1 LAFC")
    before = await shown_state(page)
    await page.reload()  # mid-match: the same state again
    await expect(by(page, "connection")).to_have_attribute("data-state", "live")
    await expect(by(page, "version")).to_have_text(before["version"])
    assert await shown_state(page) == before

    await send(*events[11:14])  # half-time, second half, Redondo 61'
    await expect(by(page, "standing")).to_contain_text("LAFC through on away goals")
    await expect(by(page, "goals-needed")).to_have_text("Inter Miami need 1")
    await expect(leg2).to_have_text("Inter Miami 2-1 LAFC")
    await expect(by(page, "aggregate")).to_contain_text("Inter Miami 2-2 LAFC")

    web.stop()  # the web service goes away mid-match...
    await expect(by(page, "connection")).to_have_attribute("data-state", "stale")
    await feed(space, events[14:16])  # ...while Suárez's 67' goal is ruled out for offside
    web.start().wait_ready()
    await expect(by(page, "connection")).to_have_attribute("data-state", "live")
    await expect(by(page, "version")).to_have_text(re.compile(r"^version 16\b"))
    notice = by(page, "notices").get_by_test_id("notice")
    await expect(notice).to_contain_text("Suárez (Inter Miami) goal ruled out for offside")
    await expect(leg2).to_have_text("Inter Miami 2-1 LAFC")  # the score stays
    counts.append(await moments_count(page))

    await send(*events[16:])  # Messi's penalty, 84', saves, the final whistle
    await expect(by(page, "aggregate")).to_contain_text("Inter Miami 3-2 LAFC")
    await expect(by(page, "standing")).to_have_text("Inter Miami through")
    await expect(by(page, "winner")).to_have_text("Winner: Inter Miami")
    await expect(leg2).to_have_text("Inter Miami 3-1 LAFC")
    scorers = page.get_by_test_id("leg-2").get_by_test_id("scorers")
    await expect(scorers).to_contain_text("84' Lionel Messi (Inter Miami): pen.")
    await expect(scorers).to_contain_text("61' Federico Redondo (Inter Miami): assist Noah Allen")
    assert counts == sorted(counts)  # the moments count never dropped
    assert counts[-1] > counts[0]
    await page.screenshot(path=str(tmp_path / "scoreboard.png"), full_page=True)
    if SCREENSHOT:
        await page.screenshot(path=str(ROOT / SCREENSHOT), full_page=True)

    await by(page, "minute-slider").fill("35")  # scrub back to Messi's equaliser
    await expect(by(page, "as-at")).to_contain_text("As at 35' of leg 2")
    await expect(leg2).to_have_text("Inter Miami 1-1 LAFC")
    await expect(by(page, "aggregate")).to_contain_text("Inter Miami 1-2 LAFC")
    await by(page, "back-to-live").click()
    await expect(leg2).to_have_text("Inter Miami 3-1 LAFC")

    await page.set_viewport_size({"width": 360, "height": 800})  # a phone
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.errors == []


async def test_the_seed_tie_at_full_time_names_the_round_ustaris_saves_and_each_legs_moments(
    space, web, page, seed_events
):
    expect.set_options(timeout=30_000)
    await feed(space, seed_events)
    await page.goto(f"{web.url}/ties/{SEED_TIE}")
    await expect(by(page, "version")).to_have_text(re.compile(r"^version 22\b"))

    # The tie spans both legs: its heading names the round, each leg its own.
    await expect(by(page, "competition")).to_have_text("CONCACAF Champions Cup 2025, quarterfinal")
    for leg in (1, 2):
        card = by(page, f"leg-{leg}")
        await expect(card.get_by_role("heading", name=f"Leg {leg}")).to_be_visible()

    # Ustari's two saves in the dying moments of leg 2; none were recorded in leg 1.
    await expect(by(page, "leg-2").get_by_test_id("saves")).to_have_text("Saves: Ustari 2")
    await expect(by(page, "leg-1").get_by_test_id("saves")).to_have_count(0)

    # Each leg kicked off at 0': its moments stand under its own heading, newest leg first.
    told = moments_told(seed_events)
    groups = by(page, "moments").locator(":scope > li")
    await expect(groups).to_have_count(2)
    for position, leg in enumerate((2, 1)):
        group = groups.nth(position)
        await expect(group).to_have_attribute("data-testid", f"moments-leg-{leg}")
        await expect(group.get_by_role("heading", name=f"Leg {leg}")).to_be_visible()
        of_leg = [m.text for m in told if m.match_id == f"{SEED_TIE}-leg{leg}"]
        await expect(group.get_by_test_id("moment")).to_have_text(of_leg[::-1])
        await expect(group.get_by_test_id("moment").last).to_have_text("0' Kick-off")
    await expect(by(page, "moments-count")).to_have_text(str(len(told)))
    assert page.errors == []


async def test_a_page_left_open_across_a_restart_shows_the_tie_as_it_begins_again(
    broker_url, space, worker, page, seed_events, tmp_path
):
    """The demo restarted on a new broker: versions of the tie begin again at 1. The page,
    reconnecting from version 22 of the old night, shows the new one as it goes: the old
    state does not hide it, and the old night's moments do not stay."""
    expect.set_options(timeout=30_000)
    events = seed_as(seed_events, "web-restart")
    again = Namespace(broker_url)  # the restarted demo: its own topics, its own worker
    again_worker = Worker(again, tmp_path / "again-worker").start()
    await create_topics(space.bootstrap, space.topics.layout(space.partitions))
    before = WebProcess(
        space.broker, topic_prefix=space.topics.prefix, log_path=tmp_path / "before.log"
    ).start()
    after = WebProcess(
        again.broker, topic_prefix=again.topics.prefix, log_path=tmp_path / "after.log"
    )
    try:
        before.wait_ready()
        await feed(space, events)
        await page.goto(f"{before.url}/ties/web-restart")
        await expect(by(page, "version")).to_have_text(re.compile(r"^version 22\b"))
        await expect(by(page, "moments-count")).to_have_text(str(len(moments_told(events))))

        before.stop()
        await expect(by(page, "connection")).to_have_attribute("data-state", "stale")
        again_worker.wait_ready()
        await create_topics(again.bootstrap, again.topics.layout(again.partitions))
        await feed(again, events[:11])  # leg 1, then leg 2 to Messi's equaliser, 35'
        after.port = before.port  # where the page reconnects
        after.start().wait_ready()

        await expect(by(page, "connection")).to_have_attribute("data-state", "live")
        await expect(by(page, "version")).to_have_text(re.compile(r"^version 11\b"))
        leg2 = page.get_by_test_id("leg-2").get_by_test_id("leg-score")
        await expect(leg2).to_have_text("Inter Miami 1-1 LAFC")
        await expect(by(page, "winner")).to_be_hidden()
        told = len(moments_told(events[:11]))
        await expect(by(page, "moments-count")).to_have_text(str(told))
        await expect(by(page, "moments").get_by_test_id("moment")).to_have_count(told)
        await expect(by(page, "moments")).not_to_contain_text("84' Messi (pen.)")
        assert page.errors == []
    finally:
        after.stop()
        before.stop()
        again_worker.stop()


async def test_a_player_named_like_html_shows_as_text_and_runs_nothing(space, web, page):
    expect.set_options(timeout=30_000)
    name = "<img src=x onerror=alert(1)>"
    tie, match = "web-xss", "web-xss-1"

    def event(seq: int, type: str, **fields) -> dict:
        return {"event_id": f"{match}-{seq}", "tie_id": tie, "match_id": match, "seq": seq,
                "type": type, **fields}  # fmt: skip

    await feed(
        space,
        [
            event_from_dict(e)
            for e in (
                event(0, "match_scheduled", home="Austin FC", away=name, leg=1, rules="league"),
                event(1, "period_started", period="first_half", minute=0),
                event(2, "goal_scored", period="first_half", minute=12, team=name,
                      scorer=name, assist=name),
            )
        ],
    )  # fmt: skip
    await page.goto(f"{web.url}/ties/{tie}")
    await expect(by(page, "version")).to_have_text(re.compile(r"^version 3\b"))
    scorers = page.get_by_test_id("leg-1").get_by_test_id("scorers")
    await expect(scorers).to_contain_text(f"12' {name} ({name}): assist {name}")
    await expect(by(page, "teams")).to_have_text(f"Austin FC v {name}")
    await page.goto(f"{web.url}/")
    await expect(page.get_by_test_id("tie-row").filter(has_text=name)).to_have_count(1)
    assert await page.locator("img").count() == 0
    assert page.dialogs == []
    assert page.errors == []


async def test_an_address_no_tie_can_have_says_so_and_stops_asking(web, page):
    """A broken percent-escape (the script cannot even decode it) and an id the service
    refuses (its live stream is a 404): both pages say so, and neither keeps reconnecting."""
    streams_asked: list[str] = []
    page.on(
        "request", lambda asked: streams_asked.append(asked.url) if "/events" in asked.url else None
    )
    for address, shown in (("/ties/%FF", "%FF"), ("/ties/a%2Fb", "a/b")):
        await page.goto(f"{web.url}{address}")
        await expect(by(page, "no-such-tie")).to_be_visible(timeout=10_000)
        await expect(by(page, "teams")).to_have_text(shown)
        asked = len(streams_asked)
        await page.wait_for_timeout(3_000)  # reconnecting was every 1, 2, 4... seconds
        assert streams_asked[asked:] == [], address
    assert page.errors == []
