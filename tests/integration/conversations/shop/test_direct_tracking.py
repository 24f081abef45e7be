"""Direct mode: the artisan ships her piece herself and records the carrier and tracking
number; the buyer gets the number, with a link where the carrier's page is known. In English
and Swahili, with a carrier we don't know, a typed carrier's name and no number at all."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from conversations.payloads import ReportParcel
from store.models import CaseKind, LineStatus, Parcel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    artisan,
    line_ids,
    line_state,
    outbox_texts,
    paid_order,
    person,
    piece,
)

ASK_CARRIER_SW = (
    "Kampuni gani ya usafirishaji inakipeleka? Chagua moja, au andika jina lake:\n1. DHL\n"
    "2. FedEx\n3. UPS\n4. Posta Kenya\n5. G4S\n6. Kampuni nyingine\n"
    "7. Hakuna namba ya kufuatilia"
)


def _parcels(uow_factory: UnitOfWorkFactory) -> list[tuple[str, str]]:
    with uow_factory() as uow:
        rows = uow.session.scalars(select(Parcel).order_by(Parcel.id)).all()
        return [(parcel.carrier, parcel.tracking_number) for parcel in rows]


def test_she_ships_with_posta_and_the_buyer_gets_the_link_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    baraka = person(new_chat, uow_factory, "Baraka Mnunuzi", locale="sw")
    order = paid_order(
        uow_factory,
        baraka,
        [piece(uow_factory, wanjiru, "Hereni za shaba")],
        name="Baraka",
        address="Moi Avenue",
        country="KE",
    )
    (line,) = line_ids(uow_factory, order.id)
    wanjiru.chat.send("menyu")
    wanjiru.chat.send("Oda za wateja")
    wanjiru.chat.send("Kubali")
    assert wanjiru.chat.send("Weka imetumwa") == [ASK_CARRIER_SW]
    assert wanjiru.chat.send("posta") == ["Andika namba ya kufuatilia ya Posta Kenya:"]
    answers = wanjiru.chat.send("RR123456789KE")
    assert answers[0] == "Umetuma: Hereni za shaba. Tumemwambia mnunuzi. Asante!"
    assert line_state(uow_factory, line).status is LineStatus.SHIPPED
    assert _parcels(uow_factory) == [("Posta Kenya", "RR123456789KE")]
    assert outbox_texts(uow_factory, baraka.user_id)[-1] == (
        f"Kifurushi chako cha oda {order.code} kiko njiani: Hereni za shaba.\n"
        "Namba ya kufuatilia ya Posta Kenya: RR123456789KE\nKifuatilie hapa: "
        "https://www.posta.co.ke/track-trace/?tracking_number=RR123456789KE\n"
        f"Kila kitu katika oda {order.code} kiko njiani. Asante kwa kununua kazi za mikono!\n"
        "Kikifika, au kama kuna tatizo, tujulishe:\n"
        "1. Nimepokea\n2. Haijafika\n3. Imeharibika"
    )


def test_another_carrier_gives_the_number_alone_and_a_second_tap_ships_nothing_twice(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Blue glass necklace")])
    (line,) = line_ids(uow_factory, order.id)
    amina.chat.send("menu")
    amina.chat.send("Orders to send")
    amina.chat.send("Accept")
    amina.chat.send("Mark shipped")
    assert amina.chat.send("Another carrier") == ["Type the carrier's name:"]
    assert amina.chat.send("Aramex") == ["Type the Aramex tracking number:"]
    assert amina.chat.send("   ") == ["Type the Aramex tracking number:"]
    assert amina.chat.send("x" * 65) == ["That is too long for a tracking number. Type it again:"]
    assert amina.chat.send("ARX-55 12")[0] == (
        "Shipped: Blue glass necklace. We have told the buyer. Thank you!"
    )
    assert outbox_texts(uow_factory, tom.user_id)[-1] == (
        f"Your parcel from order {order.code} is on its way: Blue glass necklace.\n"
        "Aramex tracking number: ARX-55 12\n"
        f"Everything in order {order.code} is on its way. Thank you for buying handmade!\n"
        "When it arrives, or if something is wrong, let us know:\n"
        "1. Received\n2. Not arrived\n3. Damaged"
    )
    # The old "Mark shipped" tapped again: already shipped, the buyer not told twice.
    told_before = len(outbox_texts(uow_factory, tom.user_id))
    assert amina.chat.tap(f"l:shp:{line}")[0] == (
        f"Blue glass necklace from order {order.code} has already been shipped. Nothing more to do."
    )
    assert len(outbox_texts(uow_factory, tom.user_id)) == told_before
    assert _parcels(uow_factory) == [("Aramex", "ARX-55 12")]
    # Someone else's "Received" is not hers to tap.
    stranger = person(new_chat, uow_factory, "Sam Stranger", locale="en")
    stranger.chat.send("menu")
    assert stranger.chat.tap(f"rcv:{order.id}")[0] == "That button is from an earlier message."
    # "Damaged" on the notice starts his report on that order.
    damaged = ReportParcel(CaseKind.DAMAGED, order.id).encode()
    assert tom.chat.tap(damaged)[0] == (
        f"Sorry that order {order.code} came damaged. Tell us in a few words what is wrong, "
        "and send a photo of it if you can."
    )
