"""Photos both ways: downloading what people send (through getFile only), and sending product
photos once — after the first upload Telegram's `file_id` is stored and reused."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from conversations.i18n import N_, Translator
from conversations.ports import StopSignal
from handlers.awaiting_media import MediaGone, MediaNotYet
from handlers.telegram.updates import MAX_DOWNLOAD_BYTES, PhotoToFetch
from store.media.errors import PhotoErrorCode
from store.models import ProductPhoto

MEDIA_KEY = "telegram_photo"  # payload key: the file still to fetch (`PhotoToFetch.to_dict`)
# One download (getMe, getFile, the file) takes at most this, whatever each call's timeouts.
DOWNLOAD_TIMEOUT_SECONDS: Final = 60.0
STOP_CHECK_SECONDS: Final = 0.2


class PhotoProblem(StrEnum):
    TOO_LARGE = "too_large"  # over the 20 MB a bot may download


# Said instead of processing a photo the bot cannot have.
PROBLEM_TEXTS: Final = {
    PhotoProblem.TOO_LARGE: N_(
        "That photo is too big for me to open (over 20 MB). Please send it again as a normal "
        "photo, not as a file."
    ),
}


def problem_text(problem: PhotoProblem, locale: str) -> str:
    return Translator(locale)._(PROBLEM_TEXTS[problem])


_PRODUCT_PHOTO_KEY = re.compile(r"([0-9a-f]{64})/[a-z]+\.jpg")


class PhotoTooLarge(Exception):
    def __init__(self, file_size: int) -> None:
        super().__init__(f"photo of {file_size} bytes: over the 20 MB download limit")
        self.file_size = file_size


async def download(bot: Bot, photo: PhotoToFetch) -> bytes:
    """The photo's bytes via getFile (raises `PhotoTooLarge` when Telegram says it is over
    20 MB, and PTB's `NetworkError` family when the download fails)."""
    file = await bot.get_file(photo.file_id)
    if file.file_size is not None and file.file_size > MAX_DOWNLOAD_BYTES:
        raise PhotoTooLarge(file.file_size)
    return bytes(await file.download_as_bytearray())


class TelegramFiles:
    """The photos people send, fetched from Telegram (`handlers.awaiting_media.MediaSource`),
    each in a thread of the media worker through a short-lived Bot (`new_bot`), so no
    event loop or connection is shared with the poller's."""

    def __init__(
        self,
        new_bot: Callable[[], Bot],
        stopping: StopSignal,
        timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
    ) -> None:
        self._new_bot = new_bot
        self._stopping = stopping
        self._timeout = timeout

    def forget(self, item: dict[str, Any]) -> None:
        """Nothing to do: a bot cannot delete what a person sent it."""

    def fetch(self, item: dict[str, Any]) -> bytes:
        try:
            return asyncio.run(self._download(PhotoToFetch.from_dict(item)))
        except PhotoTooLarge as exc:
            raise MediaGone(str(exc), PhotoErrorCode.TOO_LARGE) from exc
        except BadRequest as exc:  # a NetworkError in PTB, yet it will not pass: no such file
            raise MediaGone(f"refused by Telegram ({type(exc).__name__})") from exc
        except (NetworkError, RetryAfter, TimeoutError) as exc:  # timeouts included
            raise MediaNotYet(type(exc).__name__) from exc
        except TelegramError as exc:  # Telegram will not serve this file
            raise MediaGone(f"refused by Telegram ({type(exc).__name__})") from exc

    async def _download(self, photo: PhotoToFetch) -> bytes:
        """The download, cut short when the process begins stopping (the row then stays
        awaiting its photo): a stop never waits for Telegram's timeouts."""
        async with self._new_bot() as bot:
            task = asyncio.ensure_future(asyncio.wait_for(download(bot, photo), self._timeout))
            while not task.done():
                await asyncio.wait({task}, timeout=STOP_CHECK_SECONDS)
                if self._stopping.is_set() and not task.done():
                    task.cancel()
                    raise MediaNotYet("the process is stopping")
            return task.result()


def product_photo_sha(key: str) -> str | None:
    """The content hash of a product photo rendition's media key (`<sha256>/<size>.jpg`)."""
    match = _PRODUCT_PHOTO_KEY.fullmatch(key)
    return match.group(1) if match else None


def known_file_id(session: Session, key: str) -> str | None:
    sha = product_photo_sha(key)
    if sha is None:
        return None
    return session.execute(
        select(ProductPhoto.telegram_file_id)
        .where(ProductPhoto.sha256 == sha, ProductPhoto.telegram_file_id.is_not(None))
        .limit(1)
    ).scalar_one_or_none()


def remember_file_id(session: Session, key: str, file_id: str) -> None:
    sha = product_photo_sha(key)
    if sha is None:
        return
    session.execute(
        update(ProductPhoto)
        .where(ProductPhoto.sha256 == sha)
        .values(telegram_file_id=file_id)
        .execution_options(synchronize_session=False)
    )


def forget_file_id(session: Session, file_id: str) -> None:
    """Telegram refused a stored file_id (another bot's, or expired): upload again next time."""
    session.execute(
        update(ProductPhoto)
        .where(ProductPhoto.telegram_file_id == file_id)
        .values(telegram_file_id=None)
        .execution_options(synchronize_session=False)
    )
