"""`/emulator`: a chat window in the browser on the web channel, for demos and local work.

`GET /emulator` is the page (server-rendered, plus `static/emulator.js`); the script talks to
a small JSON API:

- `GET /emulator/api/chat/{person}`: the recent transcript; with `?after=ID`, only the bot's
  messages since outbox row ID (the script asks about once a second), and who else has some;
- `POST /emulator/api/chat/{person}`: multipart form with `id` (the browser's message id, so a
  retry is a duplicate), `text`, `payload` (a tapped choice) and `photo` files.

Anyone who reaches these routes can chat as anyone, so `bot/` mounts them only in demo mode or
when an operator sets WEB_EMULATOR. Writes need the `X-Soko-Emulator` header, which a page on
another site cannot send without the browser asking first (and being refused).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from conversations.i18n import DEFAULT_LOCALE, N_, Translator
from conversations.messages import ImageRef
from handlers.bodies import capped
from handlers.web.emulator_channel import (
    InvalidMessageId,
    InvalidPerson,
    Person,
    Said,
    WebChat,
    person_key,
)
from handlers.web.emulator_page import describe, render_page
from handlers.web.pages_render import PageLanguage, browser_language, page_language

WRITE_HEADER = "x-soko-emulator"
# Photos in one message, as in a Telegram album; the listing keeps as many as a piece may have.
ALBUM_MAX = 10
# Besides the photos: the text, the payload, the id and each part's headers.
FORM_OVERHEAD_BYTES: Final = 64 * 1024
# A browser uploading an album of large photos over a slow connection.
UPLOAD_SECONDS: Final = 60.0
_NO_STORE = {"Cache-Control": "no-store"}

NOTHING_TO_SEND: Final = N_("Type a message, choose an answer or send a photo.")
PHOTO_TOO_BIG: Final = N_("That photo is too big: at most {megabytes} MB.")

Endpoint = Callable[[Request], Awaitable[Response]]
LanguageOf = Callable[[Request], PageLanguage]


def static_dir() -> Path:
    return Path(str(files("handlers.web") / "static"))


def emulator_routes(
    chat: WebChat, *, photo_max_bytes: int, default_locale: str = DEFAULT_LOCALE
) -> list[BaseRoute]:
    """The page and its API; their language is `?lang=` (the script passes the page's on),
    else the browser's Accept-Language, else `default_locale`."""

    def language(request: Request) -> PageLanguage:
        return page_language(request, default_locale)

    return [
        Route("/emulator", _page(chat, language), methods=["GET"], name="emulator"),
        Route("/emulator/api/chat/{person}", _read(chat, language), methods=["GET"]),
        Route(
            "/emulator/api/chat/{person}",
            _send(chat, language, photo_max_bytes),
            methods=["POST"],
        ),
        Mount("/emulator/static", StaticFiles(directory=static_dir()), name="emulator_static"),
    ]


def _page(chat: WebChat, language_of: LanguageOf) -> Endpoint:
    async def page(request: Request) -> Response:
        people = await run_in_threadpool(chat.people)
        chosen = _chosen(request.query_params.get("as", ""), people)
        language = language_of(request)
        headers = {**_NO_STORE, "Content-Language": language.locale}
        if not language.explicit:
            headers["Vary"] = "Accept-Language"
        return HTMLResponse(render_page(people, chosen, language), headers=headers)

    return page


def _read(chat: WebChat, language_of: LanguageOf) -> Endpoint:
    async def read(request: Request) -> Response:
        person = request.path_params["person"]
        after = request.query_params.get("after")
        try:
            if after is None:
                said = await run_in_threadpool(chat.history, person)
            elif after.isdigit():
                said = await run_in_threadpool(chat.news, person, int(after))
            else:
                return _error(400, "after must be an outbox id")
        except InvalidPerson as exc:
            return _error(400, str(exc))
        people = await run_in_threadpool(chat.people)
        t = Translator(language_of(request).locale)
        body = {"messages": transcript(said), "people": [person_json(p, t) for p in people]}
        return JSONResponse(body, headers=_NO_STORE)

    return read


def _send(chat: WebChat, language_of: LanguageOf, photo_max_bytes: int) -> Endpoint:
    async def send(request: Request) -> Response:
        t = Translator(language_of(request).locale)
        if request.headers.get(WRITE_HEADER) != "1":
            return _error(403, f"writes need the {WRITE_HEADER} header")
        person = request.path_params["person"]
        most = ALBUM_MAX * (photo_max_bytes + 1) + FORM_OVERHEAD_BYTES
        limited = capped(request, most, UPLOAD_SECONDS)
        async with limited.form(max_files=ALBUM_MAX, max_fields=10) as form:
            photos: list[bytes] = []
            for upload in form.getlist("photo"):
                if not isinstance(upload, UploadFile):
                    return _error(400, "photo must be a file")
                data = await upload.read(photo_max_bytes + 1)
                if len(data) > photo_max_bytes:
                    megabytes = f"{photo_max_bytes / 1_000_000:g}"
                    return _error(413, t._(PHOTO_TOO_BIG).format(megabytes=megabytes))
                if data:
                    photos.append(data)
            text, payload, message_id = (
                str(form.get(name) or "") for name in ("text", "payload", "id")
            )
        if not (text.strip() or payload or photos):
            return _error(400, t._(NOTHING_TO_SEND))
        try:
            result = await run_in_threadpool(
                lambda: chat.send(
                    person,
                    message_id,
                    text=text,
                    photos=photos,
                    payload=payload or None,
                    # Someone new speaks the page's language only when her browser chose
                    # it; else her first words or the shop's default decide (the engine).
                    locale_hint=browser_language(request),
                )
            )
        except (InvalidPerson, InvalidMessageId) as exc:
            return _error(400, str(exc))
        return JSONResponse({"outcome": result.outcome.value}, headers=_NO_STORE)

    return send


def transcript(said: list[Said]) -> list[dict[str, Any]]:
    """JSON for the page; a tapped choice shows the label the bot had offered for it."""
    labels: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for line in said:
        if line.outbound is None:
            text = line.text or labels.get(line.payload or "", line.payload or "")
            out.append({"id": line.id, "from": "person", "text": text, "photos": line.photos})
            continue
        message = line.outbound
        labels.update((c.payload, c.label) for c in message.choices)
        out.append(
            {
                "id": line.id,
                "from": "bot",
                "text": message.text,
                "image": _image_url(message.image),
                "choices": [{"label": c.label, "payload": c.payload} for c in message.choices],
                "links": [{"label": b.label, "url": b.url} for b in message.links],
                "request_contact": message.request_contact,
            }
        )
    return out


def person_json(person: Person, t: Translator) -> dict[str, Any]:
    return {
        "key": person.key,
        "name": person.name,
        "roles": list(person.roles),
        "shop": person.shop,
        "about": describe(person, t),
        "waiting": person.waiting,
    }


def _image_url(image: ImageRef | None) -> str | None:
    if image is None:
        return None
    # Same origin as the page: the web app serves every public key at /media/.
    return f"/media/{quote(image.key)}" if image.key else image.url


def _chosen(asked: str, people: list[Person]) -> str:
    """Who the page opens as: `?as=`, else the first person without a role (a buyer)."""
    try:
        return person_key(asked)
    except InvalidPerson:
        pass
    buyers = [p.key for p in people if not p.roles and not p.shop]
    return (buyers or [p.key for p in people] or ["guest"])[0]


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=_NO_STORE)
