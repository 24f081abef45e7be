"""The emulator's routes on the web app: off unless turned on, writes only from its own page,
uploads within limits, and names shown escaped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.container import Container
from bot.routes import channel_routes
from bot.settings import Settings
from bot.web import create_app
from handlers.web.emulator import WRITE_HEADER, static_dir
from handlers.web.emulator_page import SCRIPT_LABELS
from store.migrate import upgrade
from store.models import Channel
from store.services import people

WRITE = {WRITE_HEADER: "1"}
SWAHILI_BROWSER = {"accept-language": "sw-KE,sw;q=0.9,en;q=0.5"}
LABELS = re.compile(r'<script id="labels" type="application/json">(.*?)</script>')


def make_client(tmp_path: Path, **settings: object) -> TestClient:
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{tmp_path / 'soko.db'}",
            media_dir=tmp_path / "media",
            **settings,  # type: ignore[arg-type]
        )
    )
    upgrade(container.engine)
    return TestClient(
        create_app(container, channel_routes(container)),
        base_url=container.settings.public_base_url,
    )


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path, web_emulator=True)


def test_the_emulator_is_not_there_unless_turned_on(tmp_path: Path) -> None:
    assert Settings(_env_file=None).web_emulator is False  # type: ignore[call-arg]
    with make_client(tmp_path) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/emulator").status_code == 404
        assert client.get("/emulator/api/chat/lena").status_code == 404
        sent = client.post("/emulator/api/chat/lena", data={"text": "hi"}, headers=WRITE)
        assert sent.status_code == 404
        assert client.get("/emulator/static/emulator.js").status_code == 404


def test_page_script_and_a_conversation_over_the_api(client: TestClient) -> None:
    with client:
        page = client.get("/emulator?as=zawadi")
        assert page.status_code == 200
        assert '<body data-person="zawadi"' in page.text
        assert '<script src="/emulator/static/emulator.js">' in page.text
        assert client.get("/emulator/static/emulator.js").status_code == 200
        assert client.get("/emulator/static/emulator.css").status_code == 200

        sent = client.post(
            "/emulator/api/chat/zawadi", data={"id": "abcdefgh01", "text": "hello"}, headers=WRITE
        )
        assert sent.json() == {"outcome": "handled"}
        news = client.get("/emulator/api/chat/zawadi?after=0").json()
        assert news["messages"][0]["from"] == "bot"
        assert news["messages"][0]["text"].startswith("Welcome to Soko!")
        assert [p["key"] for p in news["people"]] == ["zawadi"]
        last = news["messages"][-1]["id"]
        assert client.get(f"/emulator/api/chat/zawadi?after={last}").json()["messages"] == []
        history = client.get("/emulator/api/chat/zawadi").json()["messages"]
        assert history[0] == {"id": 1, "from": "person", "text": "hello", "photos": 0}


def test_writes_need_the_emulator_header(client: TestClient) -> None:
    with client:
        refused = client.post("/emulator/api/chat/lena", data={"id": "abcdefgh01", "text": "hi"})
        assert refused.status_code == 403
        assert client.get("/emulator/api/chat/lena?after=0").json()["messages"] == []


def test_bad_requests_are_refused_kindly(client: TestClient) -> None:
    with client:
        empty = client.post("/emulator/api/chat/lena", data={"id": "abcdefgh01"}, headers=WRITE)
        assert empty.status_code == 400
        who = client.post(
            "/emulator/api/chat/not%20a%20name",
            data={"id": "abcdefgh01", "text": "hi"},
            headers=WRITE,
        )
        assert who.status_code == 400
        assert "not a name" in who.json()["error"]
        bad_id = client.post(
            "/emulator/api/chat/lena", data={"id": "1", "text": "hi"}, headers=WRITE
        )
        assert bad_id.status_code == 400
        assert client.get("/emulator/api/chat/lena?after=x").status_code == 400


def test_photos_are_uploaded_within_the_limit(tmp_path: Path) -> None:
    with make_client(tmp_path, web_emulator=True, photo_max_bytes=1000) as client:
        photo = ("a.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
        sent = client.post(
            "/emulator/api/chat/lena",
            data={"id": "abcdefgh01"},
            files=[("photo", photo)],
            headers=WRITE,
        )
        assert sent.json() == {"outcome": "handled"}
        history = client.get("/emulator/api/chat/lena").json()["messages"]
        assert history[0]["photos"] == 1
        huge = ("b.jpg", b"\xff\xd8\xff" + b"0" * 2000, "image/jpeg")
        refused = client.post(
            "/emulator/api/chat/lena",
            data={"id": "abcdefgh02"},
            files=[("photo", huge)],
            headers=WRITE,
        )
        assert refused.status_code == 413


def test_names_are_shown_escaped(tmp_path: Path) -> None:
    client = make_client(tmp_path, web_emulator=True)
    name = '<img src=x onerror="alert(1)">'
    container = Container(
        Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'soko.db'}")
    )  # type: ignore[call-arg]
    with container.uow_factory() as uow:
        user, _ = people.find_or_create_user(
            uow.session, Channel.WEB, "mallory", profile_name=name, now=datetime.now(UTC)
        )
        user.display_name = name
        uow.commit()
    container.close()
    with client:
        page = client.get("/emulator").text
    assert name not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; (buyer)" in page
    # The script shows whatever a message or a name says as text, never as markup.
    script = (static_dir() / "emulator.js").read_text()
    assert "innerHTML" not in script
    assert "textContent" in script


def test_a_swahili_browser_gets_the_page_its_script_and_its_answers_in_swahili(
    tmp_path: Path,
) -> None:
    with make_client(tmp_path, web_emulator=True, photo_max_bytes=1000) as client:
        page = client.get("/emulator?as=zawadi", headers=SWAHILI_BROWSER)
        assert page.headers["content-language"] == "sw"
        assert page.headers["vary"] == "Accept-Language"
        html = page.text
        assert '<html lang="sw">' in html
        assert "<title>Kiigaji cha gumzo la Soko</title>" in html
        assert '<label for="person">Unazungumza kama</label>' in html
        assert '<option value="__new__">Mtu mpya…</option>' in html
        assert 'placeholder="Ujumbe"' in html
        assert '<button id="send" type="submit">Tuma</button>' in html
        assert "<noscript>Kiigaji cha gumzo kinahitaji JavaScript.</noscript>" in html
        assert "Chatting as" not in html
        found = LABELS.search(html)
        assert found is not None
        labels = json.loads(found.group(1))
        assert set(labels) == set(SCRIPT_LABELS)
        assert labels["hint"] == "Sema habari, au andika menyu."
        assert labels["photos"] == "📷 Picha: {count}"
        assert labels["waiting"] == "{label} · {count} mpya"

        # Someone new starts in the page's language; the API describes people in it too.
        sent = client.post(
            "/emulator/api/chat/zawadi?lang=sw",
            data={"id": "abcdefgh01", "text": "habari"},
            headers=WRITE,
        )
        assert sent.json() == {"outcome": "handled"}
        news = client.get("/emulator/api/chat/zawadi?after=0&lang=sw").json()
        assert news["messages"][0]["text"].startswith("Karibu Soko!")
        assert [p["about"] for p in news["people"]] == ["mnunuzi"]

        empty = client.post(
            "/emulator/api/chat/zawadi?lang=sw", data={"id": "abcdefgh02"}, headers=WRITE
        )
        assert empty.json() == {"error": "Andika ujumbe, chagua jibu au tuma picha."}
        huge = ("b.jpg", b"\xff\xd8\xff" + b"0" * 2000, "image/jpeg")
        refused = client.post(
            "/emulator/api/chat/zawadi?lang=sw",
            data={"id": "abcdefgh03"},
            files=[("photo", huge)],
            headers=WRITE,
        )
        assert refused.status_code == 413
        assert refused.json() == {"error": "Picha hiyo ni kubwa mno: isizidi MB 0.001."}


def test_lang_in_the_address_wins_and_the_language_links_keep_the_person(
    tmp_path: Path,
) -> None:
    with make_client(tmp_path, web_emulator=True) as client:
        page = client.get("/emulator?as=zawadi&lang=en", headers=SWAHILI_BROWSER)
        assert page.headers["content-language"] == "en"
        assert "vary" not in page.headers
        assert '<html lang="en">' in page.text
        assert '<label for="person">Chatting as</label>' in page.text
        assert 'href="?lang=sw&amp;as=zawadi" hreflang="sw" lang="sw">Kiswahili</a>' in page.text
        assert 'hreflang="en" lang="en" aria-current="true">English</a>' in page.text
        unknown = client.get("/emulator?as=zawadi", headers={"accept-language": "fr"})
        assert '<html lang="en">' in unknown.text  # the shop's default


def test_without_a_browser_language_we_have_her_words_then_the_default_decide(
    tmp_path: Path,
) -> None:
    french = {"accept-language": "fr-FR,fr;q=0.9"}
    english = {"accept-language": "en-GB,en;q=0.9"}

    def first_answer(client: TestClient, person: str, text: str, headers: dict[str, str]) -> str:
        sent = client.post(
            f"/emulator/api/chat/{person}",
            data={"id": "abcdefgh01", "text": text},
            headers={**WRITE, **headers},
        )
        assert sent.json() == {"outcome": "handled"}
        news = client.get(f"/emulator/api/chat/{person}?after=0", headers=headers).json()
        return str(news["messages"][0]["text"])

    with make_client(tmp_path, web_emulator=True, default_locale="sw") as client:
        assert first_answer(client, "amani", "hello", french).startswith("Welcome to Soko!")
        assert first_answer(client, "baraka", "👋", french).startswith("Karibu Soko!")
        # The browser's own language comes first.
        assert first_answer(client, "chebet", "habari", english).startswith("Welcome to Soko!")
