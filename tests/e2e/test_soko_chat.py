"""A whole sale through `soko chat`, run as a subprocess on a demo shop, as a newcomer would:
the artisan lists a piece with a photo, the community manager approves it, the buyer finds it,
buys it and pays with the demo provider, and the artisan sees the order and her balance.

Each person's part is a separate run of the command (a restart in between), fed through stdin.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from store.demo.pictures import draw_piece
from store.models import Category

pytestmark = pytest.mark.slow

TITLE = "Copper leaf earrings"
TYPED = re.compile(r"(naliaka|grace|lena)> .*")  # a line echoed after its prompt


def soko(*args: str, env: dict[str, str], cwd: Path, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def chat(person: str, lines: list[str], *, env: dict[str, str], cwd: Path) -> list[str]:
    out = soko("chat", "--as", person, env=env, cwd=cwd, stdin="\n".join(lines) + "\n")
    return out.splitlines()


def after(lines: list[str], typed: str) -> list[str]:
    """What was printed after the first (echoed) line `typed`, up to the next typed line."""
    start = next(
        n for n, line in enumerate(lines) if TYPED.fullmatch(line) and line.endswith(f"> {typed}")
    )
    rest = lines[start + 1 :]
    end = next((n for n, line in enumerate(rest) if TYPED.fullmatch(line)), len(rest))
    return [line for line in rest[:end] if line]


@pytest.fixture
def shop(tmp_path: Path) -> tuple[dict[str, str], Path]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop' / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "shop" / "media"),
        "PAYMENTS_DEMO": "true",  # `soko chat` on the demo's shop: its buyer pays by demo card
    }
    env.pop("PUBLIC_BASE_URL", None)
    out = soko("demo", "--no-chat", "--dir", str(tmp_path / "shop"), env=env, cwd=tmp_path)
    assert "Demo shop ready" in out
    return env, tmp_path


def test_a_whole_sale_in_the_terminal(shop: tuple[dict[str, str], Path]) -> None:
    env, cwd = shop
    photo = cwd / "earrings.jpg"
    photo.write_bytes(draw_piece(Category.EARRINGS, seed=4242))

    # Naliaka, an artisan, lists a piece by sending its photo and answering.
    said = chat(
        "naliaka",
        [
            "menu",
            "List a piece",
            f"/photo {photo}",
            f"{TITLE} 1200",  # it names the kind and the material: the card comes next
            "Change something",
            "Quantity",
            "2",
            "Submit for review",
        ],
        env=env,
        cwd=cwd,
    )
    assert said[0] == "— now chatting as Naliaka Wafula (naliaka) —"
    assert "Photo received (1 of 5)." in after(said, f"/photo {photo}")
    preview = after(said, "2")
    assert preview[0].startswith("[photo: ")
    assert Path(preview[0].removeprefix("[photo: ").removesuffix("]")).is_file()
    assert TITLE in preview
    assert "You receive: Ksh1,200 for each piece sold" in preview
    submitted = after(said, "Submit for review")
    assert submitted[0].startswith("Thank you! A community manager will review it")
    assert "(a message is waiting for grace: /as grace to read it)" in submitted

    # Grace, the community manager, finds it waiting and approves the queue.
    said = chat(
        "grace", ["menu", "Review listings", "Approve", "Approve", "Approve"], env=env, cwd=cwd
    )
    assert said[:2] == ["— now chatting as Grace Mutua (grace) —", "(while you were away)"]
    assert said[2].startswith("[photo: ")  # the notice shows the piece
    assert said[3] == f'A new listing waits for review: "{TITLE}" from Kitengela Glass Drops.'
    assert f"Approved: {TITLE}. The artisan has been told." in said

    # Lena, the buyer, searches, buys one and pays with the demo card; then Naliaka looks.
    said = chat(
        "lena",
        [
            "menu",
            "Search",
            "copper",
            "1",
            "Add to cart",
            "1",
            "Checkout",
            "Yes, same address",  # the demo's Lena bought before
            "Place order",
            "Pay now (demo card)",
            "/as naliaka",
            "menu",
            "My earnings",
        ],
        env=env,
        cwd=cwd,
    )
    assert after(said, "copper")[:2] == ["Pieces for “copper”:", f"1. {TITLE} — US$12.93"]
    card = after(said, "1")
    assert TITLE in card
    assert "Naliaka receives Ksh1,200" in card
    same = after(said, "Checkout")
    assert same == [
        "Send it to the same address as last time?",
        "Lena Fischer, Oranienstraße 25, 10999 Berlin, Germany",
        "1. Yes, same address",
        "2. Change address",
    ]
    placed = after(said, "Place order")
    code = placed[0].removeprefix("Order ").split(" ", 1)[0]
    assert placed[0] == f"Order {code} is placed. We hold these pieces for 30 minutes."
    assert "1. Pay now (demo card)" in placed
    paid = after(said, "Pay now (demo card)")
    assert f"Payment received for {code}. Thank you!" in paid
    assert "(a message is waiting for naliaka: /as naliaka to read it)" in paid

    back = after(said, "/as naliaka")
    assert back[:2] == ["— now chatting as Naliaka Wafula (naliaka) —", "(while you were away)"]
    assert any(line.startswith(f"Good news! Your {TITLE} is live!") for line in back)
    assert f"New order {code}: 1 × {TITLE}, ship to Germany; you receive Ksh1,200." in back
    earnings = after(said, "My earnings")
    # Her share waits until the buyer has the piece.
    assert "On the way to buyers: Ksh1,200" in earnings
    assert any(line.startswith(f"• {TITLE}: Ksh1,200, yours when the") for line in earnings)
