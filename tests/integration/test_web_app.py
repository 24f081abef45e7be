"""The web app: health answers for the database, and photos are served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from pydantic import SecretStr
from sqlalchemy import insert
from starlette.testclient import TestClient

from bot.container import Container
from bot.settings import Settings
from bot.web import create_app
from conversations import outbox
from conversations.messages import Outbound
from store import heartbeats
from store.migrate import MIGRATIONS_DIR, head_revision, upgrade
from store.models import Channel, OutboxMessage, User


def make_container(tmp_path: Path, database_url: str, **settings: object) -> Container:
    return Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            media_dir=tmp_path / "media",
            **settings,  # type: ignore[arg-type]
        )
    )


def beat(container: Container, name: str, at: datetime) -> None:
    with container.uow_factory() as uow:
        heartbeats.beat(uow.session, name, at)
        uow.commit()


def test_healthz_reports_ok_and_the_outbox_backlog(tmp_path: Path) -> None:
    container = make_container(tmp_path, f"sqlite:///{tmp_path / 'soko.db'}")
    upgrade(container.engine)
    beat(container, heartbeats.SCHEDULER, datetime.now(UTC))  # a scheduler holds its lock
    with container.uow_factory() as uow:
        now = datetime.now(UTC)
        user = User(display_name="Wanjiku")
        uow.session.add(user)
        uow.session.flush()
        for n, status in enumerate(["pending", "pending", "failed", "sent"]):
            outbound = Outbound(text=f"message {n}")
            row = outbox.row_values(user.id, Channel.TELEGRAM, "42", outbound, now=now)
            uow.session.execute(insert(OutboxMessage).values({**row, "status": status}))
        uow.commit()
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "scheduler": "alive",
        "delivery": {},  # no channel with a sender configured
        "outbox_backlog": 2,
        "outbox_failed": 1,
    }


def test_healthz_says_degraded_while_no_scheduler_runs(tmp_path: Path) -> None:
    container = make_container(tmp_path, f"sqlite:///{tmp_path / 'soko.db'}")
    upgrade(container.engine)
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        response = client.get("/healthz")
    # Web workers still serve; only the scheduler's work (expiry, sweeps) has stopped.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["scheduler"] == "stopped"


def test_healthz_says_degraded_when_a_sender_stopped_beating(tmp_path: Path) -> None:
    container = make_container(
        tmp_path,
        f"sqlite:///{tmp_path / 'soko.db'}",
        telegram_bot_token=SecretStr("123456:TEST-token"),
    )
    upgrade(container.engine)
    now = datetime.now(UTC)
    beat(container, heartbeats.SCHEDULER, now)
    beat(container, heartbeats.delivery("telegram"), now - timedelta(seconds=20))
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        stopped = client.get("/healthz")
        beat(container, heartbeats.delivery("telegram"), datetime.now(UTC))
        beating = client.get("/healthz")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "degraded"
    assert stopped.json()["scheduler"] == "alive"
    assert stopped.json()["delivery"] == {"telegram": "stopped"}
    assert beating.json()["status"] == "ok"
    assert beating.json()["delivery"] == {"telegram": "alive"}


def test_readyz_says_ready_once_the_app_started_on_a_database_at_head(tmp_path: Path) -> None:
    container = make_container(tmp_path, f"sqlite:///{tmp_path / 'soko.db'}")
    upgrade(container.engine)
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        ready = client.get("/readyz")
        live = client.get("/livez")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    assert live.status_code == 200


def test_readyz_refuses_a_database_behind_the_code_and_livez_still_answers(
    tmp_path: Path,
) -> None:
    container = make_container(tmp_path, f"sqlite:///{tmp_path / 'soko.db'}")
    older = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(head_revision()).down_revision
    assert isinstance(older, str)
    upgrade(container.engine, older)
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        ready = client.get("/readyz")
        live = client.get("/livez")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unready",
        "reason": f"database at revision {older}, this version needs {head_revision()}",
    }
    assert live.status_code == 200


def test_readyz_refuses_and_livez_answers_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    container = make_container(tmp_path, "postgresql+psycopg://soko@127.0.0.1:9/soko")
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        ready = client.get("/readyz")
        live = client.get("/livez")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unready", "reason": "database unreachable"}
    assert live.status_code == 200
    assert live.json() == {"status": "live"}


def test_healthz_is_unhealthy_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # Nothing listens on port 9 of localhost: connecting is refused at once.
    container = make_container(tmp_path, "postgresql+psycopg://soko@127.0.0.1:9/soko")
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "database": "unreachable"}


def test_media_is_served_from_the_configured_store(tmp_path: Path) -> None:
    container = make_container(tmp_path, f"sqlite:///{tmp_path / 'soko.db'}")
    container.media_store.put("a" * 64 + "/thumb.jpg", b"\xff\xd8jpeg", "image/jpeg")
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        response = client.get("/media/" + "a" * 64 + "/thumb.jpg")
    assert response.status_code == 200
    assert response.content == b"\xff\xd8jpeg"


def test_soko_web_serves_health_over_http(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'soko.db'}"}
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    assert server.stderr is not None
                    pytest.fail(f"soko web exited: {server.stderr.read().decode()[-2000:]}")
                assert time.monotonic() < deadline, "soko web did not start in 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
    finally:
        server.terminate()
        server.communicate(timeout=10)
