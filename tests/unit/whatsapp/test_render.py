"""Rendering for WhatsApp: 1,600-character parts, image URLs, buttons only when they fit and
their templates exist, a numbered menu otherwise; utility templates outside the window."""

from __future__ import annotations

import json

from conversations.messages import Choice, ImageRef, LinkButton, Outbound
from handlers.whatsapp.render import TwilioMessage, render, render_template, split_text
from handlers.whatsapp.templates import (
    TemplateSids,
    list_picker_name,
    quick_reply_name,
    utility_name,
)

NONE = TemplateSids()
ALL = TemplateSids(
    {
        **{quick_reply_name(n): f"HXq{n}" for n in range(1, 4)},
        **{list_picker_name(n): f"HXl{n}" for n in range(2, 11)},
        utility_name("new_order", "en"): "HXne",
        utility_name("new_order", "sw"): "HXns",
    }
)


def url_of(image: ImageRef) -> str:
    return image.url or f"https://shop.example/media/{image.key}"


def choices(*labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(label, f"p:{n}") for n, label in enumerate(labels))


def test_long_text_is_split_at_line_breaks_within_1600_characters() -> None:
    paragraph = ("Shanga " * 100).strip()  # 699 characters
    text = "\n".join([paragraph] * 5)
    parts = [m.body for m in render(Outbound(text), image_url=url_of, templates=NONE)]
    assert len(parts) == 3
    assert all(len(part) <= 1600 for part in parts)
    assert "\n".join(parts) == text


def test_a_word_longer_than_a_part_is_cut() -> None:
    assert [len(p) for p in split_text("x" * 4000)] == [1600, 1600, 800]


def test_without_templates_choices_are_a_numbered_menu() -> None:
    [message] = render(
        Outbound("Pick one", choices=choices("Yes", "No")), image_url=url_of, templates=NONE
    )
    assert message == TwilioMessage(body="Pick one\n\n1. Yes\n2. No")


def test_up_to_three_short_choices_are_quick_replies() -> None:
    [message] = render(
        Outbound("Pick one", choices=choices("Yes", "No")), image_url=url_of, templates=ALL
    )
    assert message.content_sid == "HXq2"
    assert message.content_variables == {
        "1": "Pick one",
        "2": "Yes",
        "3": "p:0",
        "4": "No",
        "5": "p:1",
    }
    assert json.loads(str(message.create_kwargs()["content_variables"]))["4"] == "No"


def test_long_titles_or_many_choices_take_a_list_and_then_text() -> None:
    long_titles = choices("A title of 21 letters", "Short")
    [listed] = render(
        Outbound("Pick", choices=long_titles), image_url=url_of, templates=ALL, locale="sw"
    )
    assert (listed.content_sid, listed.content_variables["2"]) == ("HXl2", "Chagua")
    eleven = choices(*(f"Row {n}" for n in range(11)))
    [text] = render(Outbound("Pick", choices=eleven), image_url=url_of, templates=ALL)
    assert text.body.endswith("\n11. Row 10")
    assert not text.content_sid
    too_long = choices("A title that is far too long for a list", "B")
    [text] = render(Outbound("Pick", choices=too_long), image_url=url_of, templates=ALL)
    assert text.body == "Pick\n\n1. A title that is far too long for a list\n2. B"


def test_an_image_carries_a_short_caption_or_comes_first() -> None:
    image = ImageRef(key="abc/card.jpg")
    [one] = render(Outbound("Collar", image=image), image_url=url_of, templates=NONE)
    assert one == TwilioMessage(body="Collar", media_url="https://shop.example/media/abc/card.jpg")
    first, second = render(
        Outbound("Collar", image=image, choices=choices("Buy", "Back")),
        image_url=url_of,
        templates=ALL,
    )
    assert first == TwilioMessage(media_url="https://shop.example/media/abc/card.jpg")
    assert second.content_sid == "HXq2"


def test_links_are_written_out() -> None:
    outbound = Outbound("Pay here", links=(LinkButton("Pay", "https://pay.test/K1"),))
    [message] = render(outbound, image_url=url_of, templates=NONE)
    assert message.body == "Pay here\nPay: https://pay.test/K1"


def test_a_utility_template_in_the_persons_language_or_none() -> None:
    notice = Outbound("Oda mpya K1:\n1 × Collar", template="new_order")
    message = render_template(notice, "new_order", ALL, "sw")
    assert message == TwilioMessage(
        content_sid="HXns", content_variables={"1": "Oda mpya K1: 1 × Collar"}
    )
    assert render_template(notice, "order_shipped", ALL, "sw") is None
    assert render_template(notice, "new_order", NONE, "sw") is None


MENU = (
    Choice("List a piece", "menu:list", number=1),
    Choice("Orders to send", "menu:send", number=3),
    Choice("More", "menu:more", number=9),
)


def test_a_menu_shows_each_entrys_own_number() -> None:
    [text] = render(Outbound("Menu", choices=MENU), image_url=url_of, templates=NONE)
    assert text.body == "Menu\n\n1. List a piece\n3. Orders to send\n9. More"
    [listed] = render(Outbound("Menu", choices=MENU), image_url=url_of, templates=ALL)
    rows = [listed.content_variables[str(n)] for n in (2, 4, 6)]  # quick-reply titles
    assert rows == ["1. List a piece", "3. Orders to send", "9. More"]
