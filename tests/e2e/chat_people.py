"""People chatting with a shop, for the end-to-end tests: on Telegram (updates fed to the fake
Bot API) or on WhatsApp (messages posted to the shop's webhook, signed as Twilio does). They
only write, tap or choose, share their contact or location and send photos; each time one waits
until the shop has settled (read from its database) and gets what she was sent since she last
looked.
Each counts what she sends and keeps a transcript, to print when a test fails."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from handlers.whatsapp.webhook import WHATSAPP_PATH
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import wait_until
from tests.e2e.whatsapp.harness import SENDER, message_sid, rendered
from tests.fakes import telegram_api
from tests.fakes.serving import TLS
from tests.fakes.telegram_api import Call, FakeTelegram, contact, photo, tap, text, user
from tests.fakes.twilio_api import FakeTwilio
from tests.said import things_in_all

ANSWER_SECONDS = 60.0  # a loaded machine may take this long to answer
NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.+?)\s*$", re.MULTILINE)  # "2. Sell your jewelry"


class Person(ABC):
    """Someone in a chat with the shop; what she does on her channel is the subclass's."""

    def __init__(self, name: str, database: ShopDatabase) -> None:
        self.name = name
        self.database = database
        self.sent = 0  # messages, taps, photos
        self.transcript: list[str] = []

    @abstractmethod
    def unread(self) -> list[str]:
        """What she was sent since she last looked."""

    @abstractmethod
    def _send_words(self, words: str) -> None: ...

    @abstractmethod
    def choose(self, label: str) -> list[str]:
        """Pick the option `label`, as her channel offers it."""

    @abstractmethod
    def _photo_updates(self, pictures: list[bytes], caption: str) -> list[Callable[[], object]]:
        """How she sends `pictures` on her channel: one call per update."""

    def say(self, words: str) -> list[str]:
        return self._answers(words, 1, lambda: self._send_words(words))

    def say_many(self, words: list[str]) -> list[str]:
        """Send every one of `words` as fast as her phone can, then wait as `say` does."""

        def send() -> None:
            for each in words:
                self._send_words(each)

        return self._answers(f"{len(words)} messages at once", len(words), send)

    def say_and_go(self, words: str) -> None:
        """Send and walk away (signal lost, or the shop is going down): no waiting."""
        self._send_words(words)
        self.sent += 1
        self.transcript.append(f"{self.name} > {words}  (not waiting)")

    def send_photos(self, pictures: list[bytes], caption: str = "") -> list[str]:
        updates = self._photo_updates(pictures, caption)
        return self._answers(f"({len(pictures)} photos)", len(updates), lambda: _all(updates))

    def send_photos_and_go(self, pictures: list[bytes], caption: str = "") -> None:
        """Send the photos and walk away: no waiting."""
        updates = self._photo_updates(pictures, caption)
        _all(updates)
        self.sent += len(updates)
        self.transcript.append(f"{self.name} > ({len(pictures)} photos)  (not waiting)")

    def told(self, words: str, timeout: float = ANSWER_SECONDS) -> list[str]:
        """Wait until something she is sent says `words` (a notice, not an answer to her)."""
        seen: list[str] = []

        def arrived() -> bool:
            seen.extend(self.unread())
            return any(words in message for message in seen)

        wait_until(arrived, timeout, f"{self.name} to be told {words!r}")
        return self._heard("(waits)", seen)

    def _answers(self, said: str, updates: int, send: Callable[[], None]) -> list[str]:
        """`send` her `updates`, wait until the shop has handled them and sent every reply;
        what she was sent."""
        before = self.database.counts()["inbox"]
        send()
        self.sent += updates
        wait_until(
            lambda: self.database.settled_after(before, updates),
            ANSWER_SECONDS,
            f"the answer to {self.name}'s {said!r}",
        )
        return self._heard(said, self.unread())

    def _heard(self, said: str, answers: list[str]) -> list[str]:
        self.transcript.append(f"{self.name} > {said}")
        self.transcript += [f"    {answer}".replace("\n", "\n    ") for answer in answers]
        return answers


def shown(call: Call) -> str:
    """A Telegram message as she sees it: its text (or caption), then its buttons."""
    words = str(call.params.get("text") or call.params.get("caption") or "")
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    buttons = "".join(f"\n[{button['text']}]" for row in rows for button in row)
    return f"[photo] {words}{buttons}" if call.method == "sendPhoto" else words + buttons


class TelegramPerson(Person):
    def __init__(
        self,
        name: str,
        telegram_id: int,
        fake: FakeTelegram,
        database: ShopDatabase,
        language: str = "en",
    ) -> None:
        super().__init__(name, database)
        self.telegram_id = telegram_id
        self.fake = fake
        self.user = user(telegram_id, name, language)
        self.taps = 0  # of inline buttons: each must be answered (answerCallbackQuery)
        self._seen = 0
        self._albums = 0

    def unread(self) -> list[str]:
        calls = self.fake.sent_to(self.telegram_id)
        new, self._seen = calls[self._seen :], len(calls)
        return things_in_all(shown(call) for call in new)

    def buttons(self) -> list[dict[str, Any]]:
        """The inline buttons of every message she was sent."""
        return [
            button
            for call in self.fake.sent_to(self.telegram_id)
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]

    def links(self) -> list[str]:
        """Where the link buttons of her messages lead, oldest first."""
        return [button["url"] for button in self.buttons() if "url" in button]

    def _feed(self, said: str, *updates: dict[str, Any]) -> list[str]:
        def send() -> None:
            for update in updates:
                self.fake.feed(update)

        return self._answers(said, len(updates), send)

    def _send_words(self, words: str) -> None:
        self.fake.feed(text(self.user, words))

    def tap(self, label: str) -> list[str]:
        """Tap the button `label` on the latest message that has it."""
        for call in reversed(self.fake.sent_to(self.telegram_id)):
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        self.taps += 1
                        data, message_id = button["callback_data"], call.message_id or 1
                        return self._feed(f"[{label}]", tap(self.user, data, message_id))
            for row in markup.get("keyboard", []):
                for button in row:
                    if button["text"] == label:  # a reply keyboard's button sends its words
                        return self.say(label)
        raise AssertionError(f"no button {label!r} in {self.name}'s Telegram chat")

    def choose(self, label: str) -> list[str]:
        return self.tap(label)

    def tap_on_message(self, label: str, saying: str) -> list[str]:
        """Tap the button `label` on the latest message whose text says `saying` (an older
        message scrolled back to)."""
        for call in reversed(self.fake.sent_to(self.telegram_id)):
            if saying not in str(call.params.get("text") or call.params.get("caption") or ""):
                continue
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        self.taps += 1
                        data, message_id = button["callback_data"], call.message_id or 1
                        return self._feed(f"[{label}] (older)", tap(self.user, data, message_id))
        raise AssertionError(f"no button {label!r} on a message saying {saying!r}")

    def share_own_contact(self, phone: str) -> list[str]:
        update = contact(self.user, phone, owner_id=self.telegram_id)
        return self._feed(f"(her contact {phone})", update)

    def share_location(self, latitude: float, longitude: float) -> list[str]:
        update = telegram_api.message(
            self.user, location={"latitude": latitude, "longitude": longitude}
        )
        return self._feed(f"(her location {latitude}, {longitude})", update)

    def _photo_updates(self, pictures: list[bytes], caption: str) -> list[Callable[[], object]]:
        """The pictures as one album, `caption` on the first."""
        self._albums += 1
        updates = []
        for picture in pictures:
            file_id = self.fake.add_file(picture)
            album = f"album-{self._albums}"
            updates.append(photo(self.user, file_id, len(picture), media_group_id=album))
        if caption:
            updates[0]["message"]["caption"] = caption
        return [partial(self.fake.feed, update) for update in updates]


class WhatsAppPerson(Person):
    def __init__(
        self, name: str, phone: str, fake: FakeTwilio, database: ShopDatabase, shop_url: str
    ) -> None:
        super().__init__(name, database)
        self.phone = phone
        self.fake = fake
        self.webhook = shop_url + WHATSAPP_PATH
        self._seen = 0

    def unread(self) -> list[str]:
        messages = self.fake.messages_to(self.phone)
        new, self._seen = messages[self._seen :], len(messages)
        return things_in_all(rendered(message) for message in new)

    def share_location(self, latitude: float, longitude: float) -> list[str]:
        said = f"(her location {latitude}, {longitude})"
        place = {"Latitude": str(latitude), "Longitude": str(longitude)}
        return self._answers(said, 1, lambda: self._post("", place=place))

    def _post(
        self, body: str, media: list[str] | None = None, place: dict[str, str] | None = None
    ) -> None:
        sid = message_sid()
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.fake.account_sid,
            "WaId": self.phone.removeprefix("+"),
            "From": f"whatsapp:{self.phone}",
            "To": SENDER,
            "ProfileName": self.name,
            "Body": body,
            "NumMedia": str(len(media or [])),
        }
        form.update(place or {})
        for n, url in enumerate(media or []):
            form[f"MediaUrl{n}"] = url
            form[f"MediaContentType{n}"] = "image/jpeg"
        signature = RequestValidator(self.fake.auth_token).compute_signature(self.webhook, form)
        headers = {"X-Twilio-Signature": signature}
        posted = httpx.post(self.webhook, data=form, headers=headers, verify=TLS)
        assert posted.status_code == 200, posted.text

    def _send_words(self, words: str) -> None:
        self._post(words)

    def choose(self, label: str) -> list[str]:
        """Reply with the number the latest numbered menu gives `label`, as people do."""
        for message in reversed(self.fake.messages_to(self.phone)):
            for number, line in NUMBERED.findall(rendered(message)):
                if line == label:
                    return self.say(number)
        raise AssertionError(f"no choice {label!r} in {self.name}'s WhatsApp chat")

    def _photo_updates(self, pictures: list[bytes], caption: str) -> list[Callable[[], object]]:
        """The pictures in one message, with `caption`."""
        urls = [self.fake.add_media(picture) for picture in pictures]
        return [lambda: self._post(caption, urls)]


def _all(updates: list[Callable[[], object]]) -> None:
    for update in updates:
        update()
