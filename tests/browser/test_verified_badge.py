"""A verified workshop as buyers see it in a real browser (JavaScript off, as on a cheap
phone's data saver): after a community manager's passed visit, the piece page and the shop
page say "Workshop visited by Soko, <month>", in English and in Swahili; a shop never visited
says nothing. Screenshots are saved in the test's own folder (and as artifacts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.commands.demo import FOR_BROWSER, build_demo, demo_settings, listen
from bot.web import create_app
from store.models import Artisan, Product, ProductStatus, Role, VisitOutcome
from store.services import workshop_visits
from store.services.audit import Actor
from store.services.workshop_visits import Check
from tests.browser.browser_support import Shot, served
from tests.factories import make_user


@dataclass(frozen=True)
class Shops:
    base_url: str
    piece_slug: str
    shop_slug: str
    other_shop_slug: str  # a shop nobody has visited


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shops]:
    """The demo shop served, with a passed visit today to the maker of its first piece."""
    directory = tmp_path_factory.mktemp("verified") / "demo"
    sock = listen("127.0.0.1", 0)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    now = datetime.now(UTC)
    settings = demo_settings(directory, public_base_url=base_url)
    container, _ = build_demo(directory, now=now, settings=settings, channels=FOR_BROWSER)
    with container.uow_factory() as uow:
        s = uow.session
        product = s.scalars(
            select(Product).where(Product.status == ProductStatus.ACTIVE).order_by(Product.id)
        ).first()
        assert product is not None
        assert product.slug
        maker = s.get(Artisan, product.artisan_id)
        assert maker is not None
        other = s.scalars(
            select(Artisan.slug)
            .join(Product, Product.artisan_id == Artisan.id)
            .where(Artisan.id != maker.id, Product.status == ProductStatus.ACTIVE)
        ).first()
        assert other is not None
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        workshop_visits.record_visit(
            s,
            Actor.user(manager.id),
            maker.id,
            visited_on=workshop_visits.today_in(now),
            outcome=VisitOutcome.PASSED,
            checks={"materials": Check.OK, "tools": Check.OK, "working_conditions": Check.OK},
            now=now,
        )
        found = Shops(base_url, product.slug, maker.slug, other)
        uow.commit()
    try:
        with served(create_app(container), sock):
            yield found
    finally:
        container.close()


def test_the_piece_and_shop_pages_show_the_workshop_visit(
    shops: Shops, no_js_page: Page, shot: Shot, tmp_path: Path
) -> None:
    page = no_js_page
    month = datetime.now(ZoneInfo("Africa/Nairobi")).date()
    english = f"✓ Workshop visited by Soko, {format_date(month, 'LLLL y', locale='en')}"
    swahili = f"✓ Karakana imetembelewa na Soko, {format_date(month, 'LLLL y', locale='sw')}"

    page.goto(f"{shops.base_url}/p/{shops.piece_slug}")
    badge = page.locator("p.verified")
    expect(badge).to_have_text(english)
    badge.scroll_into_view_if_needed()
    expect(badge).to_be_visible()
    piece_shot = tmp_path / "piece-page-verified.png"
    page.screenshot(path=piece_shot, full_page=True)
    shot(page, "piece page, verified workshop")

    page.goto(f"{shops.base_url}/a/{shops.shop_slug}?lang=sw")
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    expect(page.locator("p.verified")).to_have_text(swahili)
    expect(page.locator("p.verified")).to_be_visible()
    shop_shot = tmp_path / "shop-page-verified-sw.png"
    page.screenshot(path=shop_shot, full_page=True)

    page.goto(f"{shops.base_url}/a/{shops.other_shop_slug}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("p.verified")).to_have_count(0)

    for saved in (piece_shot, shop_shot):
        assert saved.stat().st_size > 0
