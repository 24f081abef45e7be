"""The pages a payment page sends the buyer back to: in her language, back to her chat."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.container import Container
from store.models import Channel
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.web.conftest import BOT_USERNAME
from tests.integration.web.html_support import parse


def order_for(container: Container, locale: str, channel: Channel) -> str:
    with container.uow_factory() as uow:
        piece = make_product(uow.session, make_artisan(uow.session))
        order = make_paid_order(uow.session, make_user(uow.session, locale=locale), [(piece, 1)])
        order.channel = channel
        uow.commit()
        return order.code


def test_the_buyer_reads_it_in_her_language_with_her_chat_to_go_back_to(
    container: Container, client: TestClient
) -> None:
    code = order_for(container, "sw", Channel.WHATSAPP)
    response = client.get("/checkout/success", params={"order": code.lower()})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = parse(response.text)
    assert page.lang == "sw"
    assert f"Oda {code}" in page.text
    assert "Asante! Malipo yako yanathibitishwa" in page.text
    assert ("https://wa.me/14155238886", "Rudi kwenye WhatsApp") in page.links
    assert not any("t.me" in href for href in page.hrefs())
    assert page.meta["robots"] == "noindex"

    english = parse(client.get("/checkout/cancel", params={"order": code, "lang": "en"}).text)
    assert english.lang == "en"
    assert "No payment was taken." in english.text


def test_a_telegram_buyer_goes_back_to_telegram(container: Container, client: TestClient) -> None:
    code = order_for(container, "en", Channel.TELEGRAM)
    page = parse(client.get("/checkout/cancel", params={"order": code}).text)
    assert ("https://t.me/" + BOT_USERNAME, "Back to Telegram") in page.links
    assert not any("wa.me" in href for href in page.hrefs())


def test_an_unknown_or_forged_order_gets_a_plain_page(client: TestClient) -> None:
    unknown = parse(client.get("/checkout/success", params={"order": "SK-NOPE42"}).text)
    assert "Order SK-NOPE42" in unknown.text
    assert "Back to Telegram" in unknown.text
    assert "Back to WhatsApp" in unknown.text
    forged = client.get("/checkout/cancel", params={"order": "<script>alert(1)</script>"})
    assert forged.status_code == 200
    assert "<script>" not in forged.text
    assert "Your order" in parse(forged.text).text
