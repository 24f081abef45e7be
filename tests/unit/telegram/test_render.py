"""Outbound → Telegram sends: text split at 4096, captions at 1024, keyboards on the last."""

from __future__ import annotations

import dataclasses

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from conversations.messages import Choice, ImageRef, Invoice, InvoicePrice, LinkButton, Outbound
from handlers.telegram.render import (
    MAX_CAPTION,
    MAX_TEXT,
    SendKind,
    render,
    render_edit,
    split_text,
)


def test_a_short_text_with_choices_is_one_message_with_an_inline_keyboard() -> None:
    sends = render(Outbound("Pick one", choices=(Choice("Necklace", "cat:necklace"),)))
    assert len(sends) == 1
    markup = sends[0].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    button = markup.inline_keyboard[0][0]
    assert (button.text, button.callback_data) == ("Necklace", "cat:necklace")


def test_links_are_url_buttons_after_the_choices() -> None:
    outbound = Outbound(
        "Pay here",
        choices=(Choice("Back", "back"),),
        links=(LinkButton("Pay now", "https://pay.test/x"),),
    )
    markup = render(outbound)[0].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [row[0].url for row in markup.inline_keyboard] == [None, "https://pay.test/x"]


def test_long_text_is_split_at_line_breaks_under_4096_and_keyboard_rides_on_the_last() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(120)]  # ~12 000 characters
    sends = render(Outbound("\n".join(lines), choices=(Choice("OK", "ok"),)))
    assert len(sends) == 3
    assert all(len(s.text) <= MAX_TEXT for s in sends)
    assert "\n".join(s.text for s in sends) == "\n".join(lines)
    assert [s.reply_markup is not None for s in sends] == [False, False, True]


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = split_text("y" * 5000, MAX_TEXT)
    assert [len(p) for p in parts] == [4096, 904]


def test_a_photo_caption_holds_1024_and_the_rest_follows_as_a_message() -> None:
    text = ("A story of beads. " * 100).strip()  # ~1800 characters
    sends = render(Outbound(text, image=ImageRef(key="a" * 64 + "/large.jpg")))
    assert [s.kind for s in sends] == [SendKind.PHOTO, SendKind.MESSAGE]
    assert len(sends[0].text) <= MAX_CAPTION
    assert f"{sends[0].text} {sends[1].text}" == text


def test_a_photo_with_a_short_text_is_one_photo_with_caption() -> None:
    sends = render(Outbound("Copper earrings", image=ImageRef(url="https://x.test/a.jpg")))
    assert [(s.kind, s.text) for s in sends] == [(SendKind.PHOTO, "Copper earrings")]


def test_asking_for_the_number_shows_the_share_button_and_the_choices_as_typed_answers() -> None:
    outbound = Outbound(
        "Your M-Pesa number?", choices=(Choice("Use 0712 345 678", "ob:own"),), request_contact=True
    )
    markup = render(outbound, "sw")[0].reply_markup
    assert isinstance(markup, ReplyKeyboardMarkup)
    share, typed = markup.keyboard[0][0], markup.keyboard[1][0]
    assert share.request_contact is True
    assert share.text == "📱 Tuma namba yangu"
    assert typed.text == "Use 0712 345 678"
    assert markup.one_time_keyboard is True


def test_user_text_is_sent_plain_so_markup_characters_need_no_escaping() -> None:
    sends = render(Outbound("Shop *Mama_Njeri* <b>[1]</b>"))
    assert sends[0].text == "Shop *Mama_Njeri* <b>[1]</b>"


def test_a_page_that_replaces_a_message_is_an_edit_of_it() -> None:
    page = Outbound("Page 2", choices=(Choice("Back", "home"),), replaces="314")
    edit = render_edit(page, render(page))
    assert edit is not None
    assert (edit.message_id, edit.send.kind, edit.send.text) == (314, SendKind.MESSAGE, "Page 2")
    assert isinstance(edit.send.reply_markup, InlineKeyboardMarkup)


def test_a_photo_that_replaces_a_message_is_an_edit_of_its_media() -> None:
    card = Outbound("Red bangle", image=ImageRef(url="https://x.test/a.jpg"), replaces="9")
    edit = render_edit(card, render(card))
    assert edit is not None
    assert (edit.message_id, edit.send.kind, edit.send.text) == (9, SendKind.PHOTO, "Red bangle")


def test_what_cannot_be_one_edited_message_is_sent() -> None:
    def edit_of(outbound: Outbound) -> object:
        return render_edit(outbound, render(outbound))

    assert edit_of(Outbound("Page 2")) is None  # replaces nothing
    assert edit_of(Outbound("x" * (MAX_TEXT + 1), replaces="5")) is None  # two messages
    long_caption = Outbound("y " * MAX_CAPTION, image=ImageRef(url="https://x.test/a.jpg"))
    assert edit_of(dataclasses.replace(long_caption, replaces="5")) is None  # photo + text
    asking = Outbound("Your number?", request_contact=True, replaces="5")
    assert edit_of(asking) is None  # a reply keyboard cannot ride on an edit
    invoice = Invoice("Order", "1 piece", "SK-1.x", "EUR", (InvoicePrice("1 piece", 100),))
    assert edit_of(Outbound("Pay", invoice=invoice, replaces="5")) is None
    assert edit_of(Outbound("Page 2", replaces="wamid.x")) is None  # not a Telegram message id


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_telegram_counts_the_limit_in_utf16_units_so_emoji_count_twice() -> None:
    text = "💎 shanga " * 800  # 8000 characters, 8800 UTF-16 units
    sends = render(Outbound(text, image=ImageRef(key="a" * 64 + "/large.jpg")))
    assert utf16_units(sends[0].text) <= MAX_CAPTION
    assert all(utf16_units(s.text) <= MAX_TEXT for s in sends[1:])
    assert " ".join(s.text for s in sends) == text.strip()
    assert [len(p) for p in split_text("💎" * 3000, MAX_TEXT)] == [2048, 952]
