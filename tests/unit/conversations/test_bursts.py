"""A turn's replies as the messages sent (`conversations.bursts`): text-only replies joined
into the next message, within each channel's limits, nothing lost and the order kept."""

from __future__ import annotations

from conversations.bursts import GAP, merged
from conversations.capabilities import ChannelCapabilities
from conversations.messages import Choice, ImageRef, Invoice, InvoicePrice, LinkButton, Outbound

WHATSAPP = ChannelCapabilities(max_text=1600, max_caption=1024)
TELEGRAM = ChannelCapabilities(max_text=4096, max_caption=1024)
YES = Choice("Yes", "yes")


def test_say_say_ask_is_one_message_that_keeps_the_choices() -> None:
    replies = [
        Outbound("Saved."),
        Outbound("Your shop is open."),
        Outbound("Next?", choices=(YES,)),
    ]
    assert merged(replies, WHATSAPP) == [
        Outbound("Saved.\n\nYour shop is open.\n\nNext?", choices=(YES,))
    ]


def test_texts_at_the_end_are_joined() -> None:
    assert merged([Outbound("One."), Outbound("Two."), Outbound("Three.")], TELEGRAM) == [
        Outbound("One.\n\nTwo.\n\nThree.")
    ]


def test_a_short_text_becomes_a_photos_caption_a_long_one_stays_apart() -> None:
    photo = Outbound("Brass necklace", image=ImageRef(key="k"), choices=(YES,))
    assert merged([Outbound("Here it is."), photo], WHATSAPP) == [
        Outbound("Here it is.\n\nBrass necklace", image=ImageRef(key="k"), choices=(YES,))
    ]
    long = Outbound("x" * 1000)
    assert merged([long, photo], WHATSAPP) == [long, photo]


def test_what_would_not_fit_goes_as_its_own_message_within_the_limit() -> None:
    replies = [Outbound(f"{n}" * 700) for n in range(5)] + [Outbound("Choose:", choices=(YES,))]
    sent = merged(replies, WHATSAPP)
    assert [len(m.text) for m in sent] == [1402, 1402, 709]
    assert GAP.join(m.text for m in sent) == GAP.join(r.text for r in replies)
    assert sent[-1].choices == (YES,)
    assert all(len(m.text) <= 1600 for m in sent)


def test_an_edit_in_place_and_an_invoice_are_never_joined() -> None:
    edit = Outbound("Page 2", choices=(YES,), replaces="41")
    invoice = Outbound(
        "Pay", invoice=Invoice("Order", "2 pieces", "p", "EUR", (InvoicePrice("Total", 100),))
    )
    said = Outbound("Your order is placed.")
    assert merged([edit, said, invoice], TELEGRAM) == [edit, said, invoice]


def test_links_and_choices_keep_their_message_and_text_joins_it() -> None:
    pay = Outbound("Pay here:", links=(LinkButton("Pay", "https://pay.example/1"),))
    assert merged([Outbound("Order A7 is placed."), pay], WHATSAPP) == [
        Outbound("Order A7 is placed.\n\nPay here:", links=pay.links)
    ]


def test_a_channel_without_limits_joins_everything() -> None:
    replies = [Outbound("y" * 5000), Outbound("z" * 5000)]
    assert merged(replies, ChannelCapabilities()) == [Outbound("y" * 5000 + GAP + "z" * 5000)]
