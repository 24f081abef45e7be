"""Every notice carries its action: a new order ships in two taps from its notice, the morning
reminder's pieces move from it, a manager reviews a new listing from its notice; buttons on
Telegram, numbers on WhatsApp; an old notice tapped after the order moved on is answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from conversations.jobs.reminders import remind_artisans
from conversations.messages import Choice, ImageRef
from conversations.notify import orders as order_notices
from handlers.telegram.render import SendKind
from handlers.telegram.render import render as telegram_render
from handlers.whatsapp.render import render as whatsapp_render
from handlers.whatsapp.templates import TemplateSids
from store.models import (
    Channel,
    Identity,
    LineStatus,
    Order,
    Product,
    ProductStatus,
    Role,
)
from store.services import catalog, fulfilment, listing_review, orders
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    PHOTO_KEY,
    Person,
    artisan,
    forge,
    line_ids,
    line_state,
    outbox_texts,
    paid_order,
    person,
    piece,
    product_state,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the engine's clock starts here, a second a turn
PAID_AT = NOW + timedelta(hours=1)  # a payment while she chats: after her last question
SHIP_TO = "Send to:\nJane Doe\n10 Downing Street, London\nUnited Kingdom"

ASK_CARRIER = (
    "Which carrier is taking it? Pick one, or type its name:\n1. DHL\n2. FedEx\n3. UPS\n"
    "4. Posta Kenya\n5. G4S\n6. Another carrier\n7. No tracking number"
)


def tell_artisans(uow_factory: UnitOfWorkFactory, order_id: int, at: datetime = PAID_AT) -> None:
    """What the payment webhook does once an order is paid: the notices go out."""
    with uow_factory() as uow:
        order_notices.order_paid(uow.session, uow.session.get_one(Order, order_id), at)
        uow.commit()


def on_whatsapp(uow_factory: UnitOfWorkFactory, someone: Person) -> None:
    """Her chat identity is a WhatsApp one (the helpers make Telegram ones)."""
    with uow_factory() as uow:
        identity = (
            uow.session.query(Identity)
            .filter_by(user_id=someone.user_id, platform_user_id=someone.chat.platform_user_id)
            .one()
        )
        identity.channel = Channel.WHATSAPP
        uow.commit()
    someone.chat.channel = Channel.WHATSAPP


def test_a_new_order_ships_in_two_taps_from_its_notice_on_telegram(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    necklace = piece(uow_factory, amina, "Blue glass necklace")
    order = paid_order(uow_factory, tom, [necklace])
    (line,) = line_ids(uow_factory, order.id)
    amina.chat.send("menu")  # she is looking at her menu when the order comes in
    since = amina.chat.last_outbox_id()

    tell_artisans(uow_factory, order.id)

    [notice] = amina.chat.outbounds_since(since)
    assert notice.image == ImageRef(key=PHOTO_KEY)  # the piece, shown
    assert notice.choices == (Choice("Accept", f"l:acc:{line}"),)
    assert notice.text == (
        f"New order {order.code}: 1 × Blue glass necklace, ship to United Kingdom; "
        "you receive Ksh1,350.\n"
        "Choose “Accept” if you can make it; then “Mark shipped” once it is sent."
    )
    [photo] = telegram_render(notice)  # one photo, its caption and a button under it
    assert photo.kind is SendKind.PHOTO
    assert isinstance(photo.reply_markup, InlineKeyboardMarkup)
    assert [b.text for row in photo.reply_markup.inline_keyboard for b in row] == ["Accept"]

    head = f"Order {order.code} · paid 1 Mar, 12:00"
    assert amina.chat.tap(f"l:acc:{line}", on="notice") == [  # tap 1
        "Accepted: Blue glass necklace. Mark it shipped when you have sent it.",
        f"{head}\n• Blue glass necklace × 1 — accepted\n{SHIP_TO}\n"
        "1. Mark shipped\n2. Mark ready\n3. Back",
    ]
    assert amina.chat.tap(f"l:shp:{line}") == [ASK_CARRIER]  # tap 2
    # Tap 3: she has no tracking number (with one she picks the carrier and types it).
    assert amina.chat.tap("car:none") == [
        "Shipped: Blue glass necklace. We have told the buyer. Thank you!",
        f"Nothing more to send for order {order.code}.",
        "No orders to send right now. We'll tell you when someone buys.",
    ]
    assert line_state(uow_factory, line).status is LineStatus.SHIPPED
    assert outbox_texts(uow_factory, tom.user_id)[-1].startswith(
        f"Your order {order.code}: Blue glass necklace has been shipped."
    )


def test_on_whatsapp_she_answers_the_notice_with_its_numbers_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    on_whatsapp(uow_factory, wanjiru)
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    earrings = piece(uow_factory, wanjiru, "Hereni za shaba")
    order = paid_order(uow_factory, tom, [earrings])
    (line,) = line_ids(uow_factory, order.id)
    menu = wanjiru.chat.send("menyu")[0]
    assert "\n1. " in menu  # her menu's own "1" is something else
    since = wanjiru.chat.last_outbox_id()

    tell_artisans(uow_factory, order.id)

    [notice] = wanjiru.chat.outbounds_since(since)
    rendered = whatsapp_render(
        notice, image_url=lambda ref: f"https://soko.test/media/{ref.key}", templates=TemplateSids()
    )
    # Without quick-reply templates: the photo, its caption the text and its numbered step.
    [message] = rendered
    assert message.media_url == f"https://soko.test/media/{PHOTO_KEY}"
    assert message.body.endswith(
        "\nChagua “Kubali” kama unaweza kuitengeneza; kisha “Weka imetumwa” ukishatuma."
        "\n\n1. Kubali"
    )

    accepted = wanjiru.chat.send("1")  # the notice's 1, not the menu's
    assert accepted[0] == "Umekubali: Hereni za shaba. Ukishatuma mzigo, chagua “Weka imetumwa”."
    assert accepted[1].endswith("1. Weka imetumwa\n2. Weka tayari\n3. Rudi")
    assert line_state(uow_factory, line).status is LineStatus.ACCEPTED
    assert wanjiru.chat.send("1")[0].endswith("\n7. Hakuna namba ya kufuatilia")
    shipped = wanjiru.chat.send("7")
    assert shipped[0] == "Umetuma: Hereni za shaba. Tumemwambia mnunuzi. Asante!"
    assert line_state(uow_factory, line).status is LineStatus.SHIPPED


def test_typing_the_label_of_a_notice_button_takes_it_and_other_words_answer_her_question(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    on_whatsapp(uow_factory, amina)
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    (line,) = line_ids(uow_factory, order.id)
    amina.chat.send("menu")
    tell_artisans(uow_factory, order.id)
    assert amina.chat.send("accept")[0] == (
        "Accepted: Red bangle. Mark it shipped when you have sent it."
    )
    assert line_state(uow_factory, line).status is LineStatus.ACCEPTED
    # The card is now her question: its own numbers answer it.
    assert amina.chat.send("2")[0] == "Ready: Red bangle. Mark it shipped when you have sent it."


def test_a_number_answers_her_question_when_it_was_asked_after_the_notice(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    on_whatsapp(uow_factory, amina)
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    (line,) = line_ids(uow_factory, order.id)
    menu = amina.chat.send("menu")[0]
    # A notice queued before her menu was asked, written after it (as when the menu is still
    # held in a batch with her next message): older than her question.
    tell_artisans(uow_factory, order.id, at=NOW - timedelta(minutes=1))
    first = menu.split("\n1. ", 1)[1].split("\n", 1)[0]
    assert first != "Accept"
    amina.chat.send("1")  # her menu's first entry
    assert line_state(uow_factory, line).status is LineStatus.PAID


def test_an_old_notice_tapped_after_the_order_moved_on_is_answered_kindly(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    cancelled = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    sent = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Blue anklet")])
    hers = paid_order(uow_factory, tom, [piece(uow_factory, joy, "Joy's ring")])
    (cancelled_line,) = line_ids(uow_factory, cancelled.id)
    (sent_line,) = line_ids(uow_factory, sent.id)
    (her_line,) = line_ids(uow_factory, hers.id)
    amina.chat.send("menu")
    with uow_factory() as uow:
        orders.cancel_order(uow.session, tom.user_id, cancelled.id, NOW)
        fulfilment.accept_line(uow.session, amina.user_id, sent_line, NOW)
        fulfilment.ship_line(uow.session, amina.user_id, sent_line, NOW)
        uow.commit()

    assert amina.chat.tap(f"l:acc:{cancelled_line}", on="notice")[0] == (
        f"Order {cancelled.code} was cancelled: please don't send Red bangle."
    )
    assert line_state(uow_factory, cancelled_line).status is LineStatus.CANCELLED
    again = amina.chat.tap(f"l:shp:{sent_line}", on="notice")
    assert again[0] == (
        f"Blue anklet from order {sent.code} has already been shipped. Nothing more to do."
    )
    assert len(again) == 1  # shipped once: the buyer is not told twice
    accept_sent = amina.chat.tap(f"l:acc:{sent_line}", on="notice")
    assert accept_sent[0].startswith("Blue anklet from order")
    # Another artisan's line: a button from an earlier message, never acted on.
    assert amina.chat.tap(f"l:acc:{her_line}", on="notice")[0] == (
        "That button is from an earlier message."
    )
    assert line_state(uow_factory, her_line).status is LineStatus.PAID


def test_the_morning_reminder_carries_each_pieces_next_step(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(
        uow_factory,
        tom,
        [piece(uow_factory, amina, "Red bangle"), piece(uow_factory, amina, "Blue anklet")],
    )
    new, accepted = line_ids(uow_factory, order.id)
    with uow_factory() as uow:
        fulfilment.accept_line(uow.session, amina.user_id, accepted, NOW)
        uow.commit()
    amina.chat.send("menu")
    since = amina.chat.last_outbox_id()

    assert remind_artisans(uow_factory, NOW + timedelta(days=1), ZoneInfo("Africa/Nairobi"))

    [reminder] = amina.chat.outbounds_since(since)
    assert reminder.image == ImageRef(key=PHOTO_KEY)
    assert [choice.label for choice in reminder.choices] == [
        "Accept: Red bangle",
        "Mark shipped: Blue anklet",
        "Mark ready: Blue anklet",
    ]
    assert amina.chat.tap(f"l:shp:{accepted}", on="reminder") == [ASK_CARRIER]
    answers = amina.chat.tap("car:none")  # no tracking number: sent
    assert answers[0] == "Shipped: Blue anklet. We have told the buyer. Thank you!"
    assert line_state(uow_factory, accepted).status is LineStatus.SHIPPED
    assert line_state(uow_factory, new).status is LineStatus.PAID
    assert "Red bangle × 1 — new, please accept" in answers[1]  # what is left of the order


def submit(uow_factory: UnitOfWorkFactory, maker: Person, product_id: int) -> list[str]:
    """She sends her finished listing for review from its preview (as the listing flow does)."""
    maker.chat.send("menu")
    forge(
        maker.chat,
        uow_factory,
        maker.user_id,
        flow="listing",
        step="preview",
        data={"product_id": product_id},
        offered=[Choice("Submit for review", "lst:submit")],
    )
    return maker.chat.tap("lst:submit")


def test_a_manager_approves_from_the_new_listing_notice_in_one_tap(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    grace = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    necklace = piece(uow_factory, amina, "Blue glass necklace", status=ProductStatus.DRAFT)
    grace.chat.send("menu")
    since = grace.chat.last_outbox_id()
    submit(uow_factory, amina, necklace)

    [notice] = grace.chat.outbounds_since(since)
    assert notice.image == ImageRef(key=PHOTO_KEY)
    assert notice.text.startswith(
        'A new listing waits for review: "Blue glass necklace" from Amina Beads.\n'
        "“Blue glass necklace” from Amina Beads\nArtisan’s price: Ksh1,500"
    )
    assert [choice.label for choice in notice.choices] == ["Approve", "Reject", "See all of it"]
    approve, reject, see_all = (choice.payload for choice in notice.choices)

    assert grace.chat.tap(approve, on="notice") == [
        "Approved: Blue glass necklace. The artisan has been told.",
        "All done: no listings are waiting. Thank you!",
    ]
    assert product_state(uow_factory, necklace).status is ProductStatus.ACTIVE
    assert outbox_texts(uow_factory, amina.user_id)[-1].startswith(
        f"[photo: {PHOTO_KEY}]\nHabari njema! Bidhaa yako “Blue glass necklace”"
    )
    # Tapped again, or by a second manager: someone has already reviewed it.
    assert grace.chat.tap(reject, on="notice") == [
        "Someone has already reviewed that listing.",
        "All done: no listings are waiting. Thank you!",
    ]
    assert grace.chat.tap(see_all, on="notice")[0] == "Someone has already reviewed that listing."
    assert product_state(uow_factory, necklace).status is ProductStatus.ACTIVE


def test_a_manager_rejects_or_opens_the_review_from_the_notice_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    on_whatsapp(uow_factory, wanjiru)
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    bangle = piece(uow_factory, joy, "Red bangle", status=ProductStatus.DRAFT, photos=2)
    anklet = piece(uow_factory, joy, "Blue anklet", status=ProductStatus.DRAFT)
    wanjiru.chat.send("menyu")
    submit(uow_factory, joy, bangle)

    opened = wanjiru.chat.send("3")  # "Tazama yote": the whole card, every photo
    assert opened[0] == "Bidhaa zinazosubiri kukaguliwa: 1"
    assert opened[1].startswith("[photo: ")
    assert "Picha 2 kati ya 2" in opened[1]
    assert opened[2].endswith("1. Idhinisha\n2. Kataa\n3. Ruka\n4. Weka kwenye mkusanyiko")

    submit(uow_factory, joy, anklet)
    asked = wanjiru.chat.send("Kataa")  # the notice's label, typed
    assert asked[0].startswith("Kwa nini haikubaliwi?")
    done = wanjiru.chat.send("2")
    assert done[0] == "Umekataa: Blue anklet. Fundi ameambiwa sababu."
    assert product_state(uow_factory, anklet).status is ProductStatus.REJECTED
    assert product_state(uow_factory, bangle).status is ProductStatus.PENDING_REVIEW


def test_a_forged_notice_decision_from_someone_not_a_manager_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    mine = piece(uow_factory, amina, "Blue glass necklace", status=ProductStatus.PENDING_REVIEW)
    amina.chat.send("menu")
    assert amina.chat.tap(f"rvn:ok:{mine}:0", on="notice") == ["Sorry, you can't do that."]
    assert product_state(uow_factory, mine).status is ProductStatus.PENDING_REVIEW


def test_every_notice_about_a_piece_shows_it(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    since = amina.chat.last_outbox_id()
    with uow_factory() as uow:
        found = uow.session.get_one(Order, order.id)
        order_notices.order_cancelled(uow.session, found, NOW)
        uow.commit()
    [cancelled] = amina.chat.outbounds_since(since)
    assert cancelled.image == ImageRef(key=PHOTO_KEY)
    assert cancelled.text.startswith(f"Order {order.code} was cancelled: 1 × Red bangle.")


def test_the_new_order_notice_says_when_it_sold_her_last_piece(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    earrings = piece(uow_factory, wanjiru, "Hereni za shaba")
    bangle = piece(uow_factory, wanjiru, "Bangili ya pembe", stock=3)
    order = paid_order(uow_factory, tom, [earrings, bangle])
    with uow_factory() as uow:  # as paying commits the stock: the earrings' last one went
        sold = uow.session.get_one(Product, earrings)
        sold.stock_on_hand, sold.status = 0, ProductStatus.SOLD_OUT
        uow.commit()
    since = wanjiru.chat.last_outbox_id()
    tell_artisans(uow_factory, order.id)
    [notice] = wanjiru.chat.outbounds_since(since)
    assert "\nHakuna tena sokoni: Hereni za shaba.\n" in notice.text
    assert [choice.label for choice in notice.choices] == [
        "Kubali: Hereni za shaba",
        "Kubali: Bangili ya pembe",
    ]


def test_a_number_typed_to_her_question_without_choices_answers_it_not_the_notice(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    on_whatsapp(uow_factory, amina)
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    (line,) = line_ids(uow_factory, order.id)
    ring = piece(uow_factory, joy, "Joy's ring", stock=3)
    amina.chat.send(f"/start p-{ring}")
    assert amina.chat.send("Add to cart") == [
        "How many would you like? There are 3. Type a number."
    ]
    tell_artisans(uow_factory, order.id)  # while she is about to type how many
    # Her "1" answers the question she was typing to, as before the notice came (its "Accept"
    # stays there for her, by its label or its button): no order accepted unawares.
    assert amina.chat.send("1")[0].startswith("Added to your cart: 1 × Joy's ring.")
    assert line_state(uow_factory, line).status is LineStatus.PAID


def test_accept_tapped_again_is_never_told_the_order_may_be_cancelled(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    (line,) = line_ids(uow_factory, order.id)
    amina.chat.send("menu")
    accept = f"l:acc:{line}"
    first = amina.chat.tap(accept, on="notice")
    again = amina.chat.tap(accept, on="notice")  # her first tap took a while to answer
    assert again[0] == first[0] == "Accepted: Red bangle. Mark it shipped when you have sent it."
    ready = amina.chat.tap(f"l:rdy:{line}", on="card")
    assert amina.chat.tap(f"l:rdy:{line}", on="card")[0] == ready[0]
    assert amina.chat.tap(accept, on="notice")[0] == ready[0]  # accepted, and ready since
    assert line_state(uow_factory, line).status is LineStatus.READY


def test_an_old_notices_approve_never_approves_what_was_changed_since(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    grace = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    necklace = piece(uow_factory, amina, "Blue glass necklace", status=ProductStatus.DRAFT)
    grace.chat.send("menu")
    since = grace.chat.last_outbox_id()
    submit(uow_factory, amina, necklace)
    [first_notice] = grace.chat.outbounds_since(since)
    approve_first = first_notice.choices[0].payload
    with uow_factory() as uow:  # another manager sends it back; she changes it and resubmits
        listing_review.reject(uow.session, grace.user_id, necklace, "Photo too dark", NOW)
        catalog.update_details(
            uow.session, amina.artisan_id, necklace, title="Plastic beads necklace"
        )
        uow.commit()
    submit(uow_factory, amina, necklace)

    # The first notice showed the listing as it was: its Approve opens the listing as it is.
    shown = grace.chat.tap(approve_first, on="notice")
    assert any("“Plastic beads necklace” from Amina Beads" in text for text in shown)
    assert product_state(uow_factory, necklace).status is ProductStatus.PENDING_REVIEW
