"""Hostile webhook bodies against the real `soko web` (uvicorn, a process of its own), sent as
raw bytes on a socket, as an attacker who knows no secret sends them: a post that says it is
256 MiB is refused without being read, and a body trickled a byte every 5 s is cut off."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.operator_env import OperatorEnv, operator_env
from tests.e2e.soko_process import SokoProcess
from tests.fakes import stripe_api
from tests.fakes.serving import free_port

HUGE = 256 * 1024 * 1024
GIVE_UP_SECONDS = 60.0  # far beyond the server's deadline: no answer by then is a failure
TRICKLE_SECONDS = 5.0


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[OperatorEnv]:
    """`soko web` with Stripe's webhook on (Stripe's API is never asked)."""
    env = operator_env(
        tmp_path / "shop",
        port=free_port(),
        STRIPE_SECRET_KEY=stripe_api.API_KEY,
        STRIPE_WEBHOOK_SECRET=stripe_api.WEBHOOK_SECRET,
        STRIPE_API_BASE_URL="http://127.0.0.1:9",
    )
    with SokoProcess(env, "web"):
        yield env


def request_head(shop: OperatorEnv, *, length: int) -> bytes:
    return (
        "POST /webhooks/stripe HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{shop.port}\r\n"
        "Content-Type: application/json\r\n"
        "Stripe-Signature: t=1,v1=00\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def answer_of(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(GIVE_UP_SECONDS)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"no answer and the connection still open: {received!r}")
    except ConnectionResetError:
        pass
    return received


def test_a_post_of_256_mib_is_refused_without_reading_it(shop: OperatorEnv) -> None:
    assert shop.port is not None
    with socket.create_connection(("127.0.0.1", shop.port)) as sock:
        sock.sendall(request_head(shop, length=HUGE) + b"{" * 65536)  # and not a byte more

        answer = answer_of(sock)

    assert answer.startswith(b"HTTP/1.1 413 ")


def test_a_body_trickled_a_byte_every_5_seconds_is_cut_off(shop: OperatorEnv) -> None:
    assert shop.port is not None
    length = 1000
    sent = 0
    with socket.create_connection(("127.0.0.1", shop.port)) as sock:
        sock.sendall(request_head(shop, length=length))
        answered = False
        while not answered and sent * TRICKLE_SECONDS < GIVE_UP_SECONDS:
            try:
                sock.sendall(b"{")
                sent += 1
            except (BrokenPipeError, ConnectionResetError):
                break  # the server closed the connection: its answer is waiting
            answered = bool(select.select([sock], [], [], TRICKLE_SECONDS)[0])
        answer = answer_of(sock)

    assert sent < length  # answered while the body was still coming
    assert answer.startswith(b"HTTP/1.1 408 ")
