"""Whole conversations over WhatsApp: signed Twilio webhooks into the ASGI app, the real twilio
`Client` sending the answers to the fake Twilio API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select, update

from conversations.engine import Outcome
from handlers.whatsapp.inbound import parse_update
from handlers.whatsapp.processing import record_update
from handlers.whatsapp.templates import TemplateSids, sync, utility_name
from store.models import (
    Artisan,
    Identity,
    Order,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    Product,
    ProductPhoto,
)
from tests.e2e.whatsapp.harness import WhatsApp
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.conversations.artisans_support import seed_seller
from tests.integration.conversations.buying_support import Maker, seed_maker, seed_product
from tests.integration.conversations.listing_support import photo

RECRUIT = "+254711000001"
SELLER = "+254722000002"
BUYER = "+4915112345678"
MAKER = "+254733000003"
ASK_NAME = (
    "What is the piece called, and its price in shillings? For example: Blue glass bead necklace "
    "1500"
)


def test_a_recruit_arrives_by_a_wa_me_link_and_onboards_in_swahili(whatsapp: WhatsApp) -> None:
    mentor = seed_seller(whatsapp.uow_factory, "Mama Amina", mentor=True)
    code = f"{mentor.code[:3]}-{mentor.code[3:]}"
    # A Swahili-speaking mentor's link: "JIUNGE" tells the language, so it is not asked.
    link = f"https://wa.me/14155238886?text={quote(f'JIUNGE {code}')}"
    first = link.split("text=")[1].replace("%20", " ")  # what WhatsApp prefills and she sends

    assert whatsapp.send(RECRUIT, first, profile_name="Achieng") == [
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono.",
        "Tufungue duka lako kwenye Soko! Ni maswali machache mafupi tu.\n"
        f"Msimbo wa mlezi wako: {code}.\n"
        "Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads.",
    ]
    assert whatsapp.send(RECRUIT, "Shanga za Achieng")[0].startswith("Unafanyia kazi wapi?")
    # Her WhatsApp number is her M-Pesa number: offered as the first choice.
    assert whatsapp.send(RECRUIT, "Kibera, Nairobi") == [
        "Pesa zako zitumwe kwa namba gani ya M-Pesa? Kwa mfano: 0712 345 678\n\n"
        "1. Tumia 0711 000001"
    ]
    card = whatsapp.send(RECRUIT, "1")[0]
    assert card.startswith("Tafadhali angalia maelezo yako:\nJina: Achieng\n")
    answers = whatsapp.send(RECRUIT, "1")
    assert answers[:2] == [
        "Hongera! Duka lako Shanga za Achieng limefunguliwa.",
        "Mlezi wako Mama Amina atakusaidia. Tumemwambia umejiunga.",
    ]
    with whatsapp.uow_factory(read_only=True) as uow:
        artisan = uow.session.execute(
            select(Artisan)
            .join(Identity, Identity.user_id == Artisan.user_id)
            .where(Identity.platform_user_id == RECRUIT)
        ).scalar_one()
        assert (artisan.mentor_id, artisan.mpesa_phone) == (mentor.artisan_id, RECRUIT)
        assert artisan.user.locale == "sw"


def test_a_listing_with_three_photos_in_one_message(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    whatsapp.send(SELLER, "Hi")
    whatsapp.send(SELLER, "1")  # English
    whatsapp.send(SELLER, "Sell your jewelry")
    for answer in ("Wanjiru Beads", "Kibera", "1", "1"):
        whatsapp.send(SELLER, answer)
    assert whatsapp.send(SELLER, "List a piece") == [
        "Send 1 to 5 photos of the piece. Several at once is fine."
    ]
    urls = [fake_twilio.add_media(photo(n)) for n in (31, 32, 33)]
    assert whatsapp.send(SELLER, "", media=urls) == ["Photo received (3 of 5).", ASK_NAME]
    with whatsapp.uow_factory(read_only=True) as uow:
        [product] = uow.session.scalars(select(Product)).all()
        photos = uow.session.scalars(
            select(ProductPhoto).where(ProductPhoto.product_id == product.id)
        ).all()
    assert len(photos) == 3
    assert whatsapp.send(SELLER, "Zawadi gift") == [
        "What is your price for one piece, in shillings? For example: 1500"
    ]


def _maker_on_whatsapp(whatsapp: WhatsApp, *, last_wrote: datetime) -> Maker:
    """A Swahili-speaking artisan whose WhatsApp window closed long ago."""
    maker = seed_maker(whatsapp.uow_factory)
    with whatsapp.uow_factory() as uow:
        uow.session.add(
            Identity(
                user_id=maker.user_id,
                channel="whatsapp",
                platform_user_id=MAKER,
                last_inbound_at=last_wrote,
            )
        )
        uow.commit()
    return maker


def _buy_the_collar(whatsapp: WhatsApp) -> tuple[str, list[list[str]]]:
    """The buyer chooses by typing menu numbers only; name and address are typed."""
    said = [
        whatsapp.send(BUYER, text)
        for text in ("Hi", "1", "1", "1", "1", "2", "Anna Schmidt", "Hauptstr. 1, Berlin", "DE")
    ]
    said.append(whatsapp.send(BUYER, "1"))  # place the order
    said.append(whatsapp.send(BUYER, "1"))  # pay now (demo card)
    with whatsapp.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        assert order.status is OrderStatus.PAID
        return order.code, said


def test_a_buyer_orders_by_typing_numbers_and_the_artisan_hears_when_she_next_writes(
    whatsapp_demo_card: WhatsApp,
) -> None:
    whatsapp = whatsapp_demo_card  # the buyer pays with the demo card (PAYMENTS_DEMO)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    maker = _maker_on_whatsapp(whatsapp, last_wrote=two_days_ago)
    seed_product(whatsapp.uow_factory, maker, "Maasai collar")
    code, said = _buy_the_collar(whatsapp)
    assert said[1][1].startswith("What would you like to do?\n\n1. Shop jewelry\n")
    assert said[2][0].endswith("5. Anklets\n6. Other pieces\n7. Search")
    assert said[3][0].endswith("\n\n1. Maasai collar — US$19.40\n2. Back")
    assert said[4][0].endswith("\n\n1. Add to cart\n2. Buy now\n3. Share\n4. Back")
    assert said[5] == ["Who should we send it to? Please type the full name."]
    assert said[8][0].endswith("\n\n1. Place order\n2. Change details")
    assert said[9][1] == (
        # The collar and a parcel of one to Germany (Europe: US$12).
        f"Please pay with the link below.\nPay US$31.40: {_pay_link(code)}\n\n"
        "1. Pay now (demo card)"
    )
    assert said[10][0] == f"Payment received for {code}. Thank you!"

    # No utility template provisioned and her window is closed: the notice waits.
    assert whatsapp.inbox(MAKER) == []
    with whatsapp.uow_factory(read_only=True) as uow:
        [held] = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.platform_user_id == MAKER)
        ).all()
        assert (held.status, held.template) == (OutboxStatus.HELD, "new_order")

    answers = whatsapp.send(MAKER, "Habari")
    assert answers[0].startswith(f"Oda mpya {code}: 1 × Maasai collar")
    assert len(answers) > 1  # and then the answer to what she wrote


def test_inside_the_window_she_ships_from_the_new_order_notice_by_typing_its_numbers(
    whatsapp_demo_card: WhatsApp,
) -> None:
    whatsapp = whatsapp_demo_card
    maker = _maker_on_whatsapp(whatsapp, last_wrote=datetime.now(UTC) - timedelta(hours=1))
    key = "ab" * 32 + "/medium.jpg"
    seed_product(whatsapp.uow_factory, maker, "Maasai collar", photo_key=key)
    code, _ = _buy_the_collar(whatsapp)

    [notice] = whatsapp.new_messages(MAKER)  # the piece, its order and its one step
    assert notice.media_urls[0].endswith(f"/media/{key}")
    assert notice.body.startswith(f"Oda mpya {code}: 1 × Maasai collar")
    assert notice.body.endswith("\n\n1. Kubali")
    accepted = whatsapp.send(MAKER, "1")
    assert accepted[0] == "Umekubali: Maasai collar. Ukishatuma mzigo, chagua “Weka imetumwa”."
    assert accepted[1].endswith("\n\n1. Weka imetumwa\n2. Weka tayari\n3. Rudi")
    asked = whatsapp.send(MAKER, "1")  # sent: the carrier asked, "no number" the last choice
    assert asked[0].endswith("\n6. Kampuni nyingine\n7. Hakuna namba ya kufuatilia")
    shipped = whatsapp.send(MAKER, "7")
    assert shipped[0] == "Umetuma: Maasai collar. Tumemwambia mnunuzi. Asante!"
    with whatsapp.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        assert order.status is OrderStatus.SHIPPED


def test_a_new_order_outside_the_window_goes_out_as_an_approved_template(
    whatsapp_demo_card: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    whatsapp = whatsapp_demo_card  # the buyer pays with the demo card (PAYMENTS_DEMO)
    path = whatsapp.container.settings.twilio_templates_file
    report = sync(whatsapp.channel.client, path)
    assert len(report.created) == len(fake_twilio.contents) == 22
    assert sorted(report.submitted) == sorted(name for _, name in _approval_names(fake_twilio))
    assert sync(whatsapp.channel.client, path).created == ()  # a second sync creates nothing

    maker = _maker_on_whatsapp(whatsapp, last_wrote=datetime.now(UTC) - timedelta(hours=30))
    seed_product(whatsapp.uow_factory, maker, "Maasai collar")
    code, _ = _buy_the_collar(whatsapp)

    [notice] = whatsapp.new_messages(MAKER)
    sids = TemplateSids.load(path)
    assert notice.content_sid == sids.get(utility_name("new_order", "sw"))
    assert notice.content_variables["1"].startswith(f"Oda mpya {code}: 1 × Maasai collar")
    assert notice.body == ""


def _pay_link(code: str) -> str:
    return f"https://shop.example/pay/demo/{code}"


def _approval_names(fake: FakeTwilio) -> list[tuple[str, str]]:
    return [(sid, body["name"]) for sid, body in fake.approvals]


def test_menus_become_quick_replies_once_templates_exist(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    sync(whatsapp.channel.client, whatsapp.container.settings.twilio_templates_file)
    whatsapp.post(whatsapp.form(BUYER, "Hi"))
    whatsapp.deliver()
    [language] = whatsapp.new_messages(BUYER)  # the welcome and its question: one message
    sids = TemplateSids.load(whatsapp.container.settings.twilio_templates_file)
    assert language.content_sid == sids.quick_reply(2)
    assert language.content_variables == {
        "1": "Welcome to Soko! Buy and sell handmade jewelry.\n\n"
        "We'll chat in English. Or choose a language:",
        "2": "English",
        "3": language.content_variables["3"],
        "4": "Kiswahili",
        "5": language.content_variables["5"],
    }
    # Tapping "Kiswahili" sends its payload back as ButtonPayload.
    payload = language.content_variables["5"]
    answers = whatsapp.send(BUYER, "Kiswahili", button=(payload, "Kiswahili"))
    assert answers[0] == "Sawa, tutaongea kwa Kiswahili."
    # The main menu has more rows than buttons: a list picker.
    [menu] = [m for m in whatsapp.fake.messages_to(BUYER) if m.content_sid][-1:]
    assert menu.content_sid in {sids.list_picker(n) for n in range(2, 11)}
    assert menu.content_variables["2"] == "Chagua"


def test_status_callbacks_track_delivery_and_failures(whatsapp: WhatsApp) -> None:
    whatsapp.send(BUYER, "Hi")
    whatsapp.send(BUYER, "1")
    [first, second] = whatsapp.fake.messages_to(BUYER)
    assert first.status_callback.startswith("https://shop.example/webhooks/twilio/status?outbox=")
    assert whatsapp.status(first.sid, "delivered").status_code == 204
    assert whatsapp.status(first.sid, "read").status_code == 204
    assert whatsapp.status(first.sid, "delivered").status_code == 204  # late: ignored
    assert whatsapp.status(second.sid, "undelivered", "63018").status_code == 204  # rate limit
    with whatsapp.uow_factory() as uow:
        rows = {r.platform_message_id: r for r in uow.session.scalars(select(OutboxMessage))}
        assert rows[first.sid].status is OutboxStatus.READ
        assert rows[second.sid].status is OutboxStatus.PENDING  # back in the queue
        uow.session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
        uow.commit()
    whatsapp.deliver()
    assert [message.body for message in whatsapp.new_messages(BUYER)] == [second.body]
    resent = whatsapp.fake.messages_to(BUYER)[-1]
    assert whatsapp.status(resent.sid, "failed", "63024").status_code == 204  # bad recipient
    with whatsapp.uow_factory(read_only=True) as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.platform_message_id == resent.sid)
        ).one()
        assert (row.status, row.error) == (OutboxStatus.FAILED, "twilio 63024: not delivered")
    assert whatsapp.client.get("/healthz").json()["outbox_failed"] == 1  # surfaced
    assert _unreachable_since(whatsapp, BUYER) is not None  # notifications go elsewhere now
    whatsapp.send(BUYER, "menu")  # writing again proves the number works
    assert _unreachable_since(whatsapp, BUYER) is None


def _unreachable_since(whatsapp: WhatsApp, phone: str) -> datetime | None:
    with whatsapp.uow_factory(read_only=True) as uow:
        identity = uow.session.scalars(
            select(Identity).where(Identity.platform_user_id == phone)
        ).one()
        return identity.unreachable_at


def test_a_quick_reply_after_photos_waits_until_the_photos_are_in(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    """On 2G the photos take a while; her words typed right after must not overtake them."""
    whatsapp.send(SELLER, "Hi")
    whatsapp.send(SELLER, "1")  # English
    whatsapp.send(SELLER, "Sell your jewelry")
    for answer in ("Wanjiru Beads", "Kibera", "1", "1"):
        whatsapp.send(SELLER, answer)
    whatsapp.send(SELLER, "List a piece")
    urls = [fake_twilio.add_media(photo(n)) for n in (41, 42)]
    now = datetime.now(UTC)
    with whatsapp.uow_factory() as uow:
        photos = record_update(
            uow.session, parse_update(whatsapp.form(SELLER, "", media=urls)), now
        )
        done = record_update(uow.session, parse_update(whatsapp.form(SELLER, "Zawadi gift")), now)
        uow.commit()
    # The text's worker runs first: it fetches the earlier photos, then answers both in order.
    whatsapp.channel.processor.process(done.inbox_id)
    assert whatsapp.inbox(SELLER) == [
        "Photo received (2 of 5).",
        ASK_NAME,
        "What is your price for one piece, in shillings? For example: 1500",
    ]
    assert whatsapp.channel.processor.process(photos.inbox_id).outcome is Outcome.ALREADY_HANDLED


def test_a_photo_twilio_no_longer_has_gets_a_kind_word_and_her_next_one_is_kept(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    """As on Telegram: a photo that cannot be fetched is not left out silently."""
    whatsapp.send(SELLER, "Hi")
    whatsapp.send(SELLER, "1")  # English
    whatsapp.send(SELLER, "Sell your jewelry")
    for answer in ("Wanjiru Beads", "Kibera", "1", "1"):
        whatsapp.send(SELLER, answer)
    whatsapp.send(SELLER, "List a piece")
    gone = fake_twilio.add_media(photo(51)).rsplit("/", 1)[0] + "/ME" + "0" * 32  # a 404

    assert whatsapp.send(SELLER, "", media=[gone]) == [
        "Your photo did not arrive. Please send it again."
    ]
    again = whatsapp.send(SELLER, "", media=[fake_twilio.add_media(photo(51))])
    assert again[0].startswith("Photo received (1 of 5).")
