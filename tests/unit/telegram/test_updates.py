"""Telegram updates → Inbound: texts, /start payloads, photos (also as documents), albums,
button taps, contacts, languages; group chats ignored."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update

from handlers.telegram.updates import MAX_DOWNLOAD_BYTES, read_update
from store.models import Channel
from tests.fakes.telegram_api import TOKEN, contact, document, photo, tap, text, user

BOT = Bot(TOKEN)
WANJIRU = user(42, "Wanjiru", "sw")


def _update(content: dict[str, Any], update_id: int = 7) -> Update:
    update = Update.de_json({"update_id": update_id, **content}, BOT)
    assert update is not None
    return update


def test_a_text_carries_who_what_and_the_language() -> None:
    incoming = read_update(_update(text(WANJIRU, "habari")), "7000001")
    assert incoming is not None
    inbound = incoming.inbound
    assert inbound.channel is Channel.TELEGRAM
    assert (inbound.platform_user_id, inbound.platform_message_id) == ("42", "7000001:7")
    assert (inbound.text, inbound.locale_hint, inbound.profile_name) == ("habari", "sw", "Wanjiru")


def test_a_deep_link_start_passes_its_payload_as_text() -> None:
    incoming = read_update(_update(text(WANJIRU, "/start ref-K7QX2M")), "1")
    assert incoming is not None
    assert incoming.inbound.text == "/start ref-K7QX2M"


def test_the_largest_photo_size_is_fetched_and_the_caption_is_the_text() -> None:
    incoming = read_update(_update(photo(WANJIRU, "big", 300_000, caption="KES 1500")), "1")
    assert incoming is not None
    assert incoming.photo is not None
    assert incoming.photo.file_id == "big"
    assert incoming.inbound.text == "KES 1500"
    assert incoming.inbound.photos == ()  # recorded awaiting it, fetched afterwards


def test_an_album_photo_keeps_its_media_group() -> None:
    incoming = read_update(_update(photo(WANJIRU, "a1", 1000, media_group_id="G1")), "1")
    assert incoming is not None
    assert incoming.inbound.media_group_id == "G1"


def test_a_photo_sent_as_an_image_document_is_a_photo_and_over_20_mb_it_is_refused() -> None:
    fine = read_update(_update(document(WANJIRU, "doc", 5_000_000)), "1")
    assert fine is not None
    assert fine.photo is not None
    assert fine.photo.file_id == "doc"
    huge = read_update(_update(document(WANJIRU, "doc", MAX_DOWNLOAD_BYTES + 1)), "1")
    assert huge is not None
    assert huge.photo is None
    assert huge.photo_too_large
    pdf = read_update(_update(document(WANJIRU, "doc", 10, "application/pdf")), "1")
    assert pdf is not None
    assert pdf.photo is None
    assert not pdf.photo_too_large


def test_a_button_tap_carries_its_payload_the_query_to_answer_and_the_tapped_message() -> None:
    incoming = read_update(_update(tap(WANJIRU, "p:123", message_id=314)), "1")
    assert incoming is not None
    assert incoming.inbound.payload == "p:123"
    assert incoming.callback_query_id is not None
    assert incoming.inbound.tapped_message_id == "314"


def test_a_typed_message_has_no_tapped_message() -> None:
    incoming = read_update(_update(text(WANJIRU, "more")), "1")
    assert incoming is not None
    assert incoming.inbound.tapped_message_id is None


def test_a_shared_contact_says_whether_it_is_the_senders_own_number() -> None:
    own = read_update(_update(contact(WANJIRU, "254712345678", 42)), "1")
    other = read_update(_update(contact(WANJIRU, "+254733000111", 99)), "1")
    assert own is not None
    assert own.inbound.contact is not None
    assert other is not None
    assert other.inbound.contact is not None
    assert (own.inbound.contact.phone, own.inbound.contact.is_own) == ("+254712345678", True)
    assert other.inbound.contact.is_own is False
    # Only her own number is vouched for (and linked to her by the engine).
    assert (own.inbound.verified_phone, other.inbound.verified_phone) == ("+254712345678", None)


def test_group_chats_are_ignored() -> None:
    update = text(WANJIRU, "hello all")
    update["message"]["chat"] = {"id": -100, "type": "group", "title": "Beaders"}
    assert read_update(_update(update), "1") is None


def test_a_voice_note_or_sticker_is_marked_unusable() -> None:
    voice = {
        "message": {
            "message_id": 9,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private"},
            "from": WANJIRU,
            "voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3},
        }
    }
    incoming = read_update(_update(voice), "1")
    assert incoming is not None
    assert incoming.inbound.unsupported_media
    assert incoming.photo is None
    plain = read_update(_update(text(WANJIRU, "habari")), "1")
    assert plain is not None
    assert not plain.inbound.unsupported_media


def test_a_tap_whose_data_could_not_be_ours_is_still_a_tap_never_words() -> None:
    """Too long, or not text: the dispatcher answers it as a button from an earlier message."""
    for data in ("x" * 65, "p:\x00"):
        incoming = read_update(_update(tap(WANJIRU, data)), "1")
        assert incoming is not None
        assert (incoming.inbound.payload, incoming.inbound.text) == ("?", "")
