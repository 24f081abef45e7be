"""`soko demo`: a fresh demo shop in a local SQLite file, served with the web chat emulator
(or, with `--terminal`, a chat in this terminal); no tokens needed."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from bot.commands.chat import chat
from bot.container import Container
from bot.demo_dir import DEFAULT_DIR, NotADemoDir, configured_paths, make_demo_dir
from bot.demo_web import serve_web_demo
from bot.lifecycle import run_until_stopped, sigterm_interrupts
from bot.settings import MediaStoreKind, Settings, load_settings
from handlers.console.channel import InvalidPerson, person_key
from store.demo import content
from store.demo.pictures import draw_piece
from store.demo.seed import DemoSummary, seed_demo
from store.migrate import upgrade
from store.models import Artisan, Category, Channel, Product, ProductStatus, User
from store.money import Money
from store.services import ledger

EXAMPLE_ARTISAN = "naliaka"  # an English-speaking artisan, independent
SAMPLE_PHOTOS = (Category.EARRINGS, Category.NECKLACE, Category.BRACELET)
SAMPLE_PHOTO_SEED = 9000  # far from the seeds of the pieces already in the shop
DEFAULT_PORT = 8000
# Identities on both local channels; notifications go to the browser until someone writes
# from the terminal (and, for the terminal demo and scripts, the other way round).
FOR_BROWSER = (Channel.CONSOLE, Channel.WEB)
FOR_TERMINAL = (Channel.WEB, Channel.CONSOLE)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="build a fresh demo shop and chat with it in the browser (or this terminal)",
        description="Build a fresh demo shop, start the web app with the chat emulator and"
        " print its address; Ctrl-C stops it.",
    )
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help=f"where the demo lives ({DEFAULT_DIR})"
    )
    parser.add_argument(
        "--as",
        dest="person",
        default=content.BUYER.key,
        metavar="NAME",
        help=f"who you are in the chat at first (default {content.BUYER.key}, the buyer)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to serve on ({DEFAULT_PORT}; 0 or a busy port: any free one)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--terminal",
        action="store_true",
        help="chat in this terminal instead of the browser (no web app)",
    )
    mode.add_argument(
        "--no-chat",
        dest="chat",
        action="store_false",
        help="only build the shop and show what it holds (for scripts)",
    )
    parser.set_defaults(handler=run)


def demo_settings(
    directory: Path, *, public_base_url: str = "", web_emulator: bool = False
) -> Settings:
    """Local files and the demo card (PAYMENTS_DEMO, on for this shop only), whatever the
    environment says: the demo never talks to real Telegram, Twilio or Stripe accounts, even
    on an operator's machine."""
    none = SecretStr("")
    return load_settings(
        _env_file=None,
        database_url=f"sqlite:///{directory / 'soko.db'}",
        media_dir=directory / "media",
        media_store=MediaStoreKind.LOCAL,
        public_base_url=public_base_url or Settings.model_fields["public_base_url"].default,
        web_emulator=web_emulator,
        telegram_bot_token=none,
        twilio_account_sid="",
        twilio_auth_token=none,
        stripe_secret_key=none,
        stripe_webhook_secret=none,
        telegram_payment_provider_token=none,
        payments_demo=True,
    )


def build_demo(
    directory: Path,
    *,
    now: datetime,
    settings: Settings | None = None,
    channels: Sequence[Channel] = FOR_TERMINAL,
) -> tuple[Container, DemoSummary]:
    """Wipe ``directory`` (only a demo's own: `bot.demo_dir`, which raises `NotADemoDir`) and
    build the demo shop in it. Its people can chat on each of `channels`; notifications go to
    the last until they write from another."""
    make_demo_dir(directory, configured_paths())
    container = Container(settings or demo_settings(directory))
    upgrade(container.engine)
    summary = seed_demo(
        container.uow_factory,
        container.media_store,
        container.pricing,
        now=now,
        channels=channels,
    )
    return container, summary


def run(args: argparse.Namespace) -> int:
    try:
        make_demo_dir(args.dir, configured_paths())  # refused before a port is taken
        return _run(args)
    except NotADemoDir as refused:
        print(f"soko: {refused}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.chat and not args.terminal:
        return serve_demo(args)
    container, summary = build_demo(args.dir, now=datetime.now(UTC))
    try:
        if not args.chat:
            print(describe(container, summary))
            return 0
        photos = write_sample_photos(args.dir / "photos")
        print(guide(summary, photos))
        with sigterm_interrupts():
            return chat(container, args.person)
    finally:
        container.close()


def serve_demo(args: argparse.Namespace) -> int:
    """The demo shop on the web app, with the chat emulator, until Ctrl-C."""
    try:
        person = person_key(args.person)
    except InvalidPerson as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.verbose:  # the guide is what the newcomer reads; `soko -v demo` shows logs
        logging.getLogger().setLevel(logging.WARNING)
    with sigterm_interrupts():
        return _serve_demo(args, person)


def _serve_demo(args: argparse.Namespace, person: str) -> int:
    sock = listen(args.host, args.port)
    host, port = sock.getsockname()[:2]
    # A browser on this machine reaches a server listening on every address at 127.0.0.1.
    base = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"  # noqa: S104
    settings = demo_settings(args.dir, public_base_url=base, web_emulator=True)
    try:
        container, summary = build_demo(
            args.dir, now=datetime.now(UTC), settings=settings, channels=FOR_BROWSER
        )
        try:
            photos = write_sample_photos(args.dir / "photos")
            print(web_guide(summary, photos, f"{base}/emulator?as={person}"), flush=True)
            run_until_stopped(
                lambda stop: serve_web_demo(container, sock, stop), container.stopping
            )
        finally:
            container.close()
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) before the web app was up
        pass
    finally:
        sock.close()
    print("Demo stopped.", flush=True)
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on `port`, or on any free port when it is 0 or taken."""
    if port:
        try:
            return socket.create_server((host, port))
        except OSError as exc:
            print(f"Port {port} is not free ({exc.strerror}); taking another.", file=sys.stderr)
    return socket.create_server((host, 0))


def write_sample_photos(directory: Path) -> list[Path]:
    """Fresh pictures (not in the shop yet) an artisan can send with `/photo`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, category in enumerate(SAMPLE_PHOTOS):
        path = directory / f"{category.value}.jpg"
        path.write_bytes(draw_piece(category, seed=SAMPLE_PHOTO_SEED + n))
        paths.append(path)
    return paths


def who_is_who(summary: DemoSummary) -> list[str]:
    lines = []
    for spec in content.ARTISANS:
        role = "artisan and mentor" if spec.mentor else "artisan"
        if spec.mentor_key:
            role += f", mentored by {spec.mentor_key}"
        speaks = " (chats in Swahili)" if spec.person.locale == "sw" else ""
        lines.append(
            f"  {spec.person.key:<8} {spec.person.name}, {role} — {spec.shop_name}{speaks}"
        )
    manager, buyer = content.COMMUNITY_MANAGER, content.BUYER
    return [
        *lines,
        f"  {manager.key:<8} {manager.name}, community manager: reviews new listings",
        f"  {buyer.key:<8} {buyer.name}, a buyer in Berlin (order {summary.order_code} is hers)",
    ]


def web_guide(summary: DemoSummary, photos: list[Path], url: str) -> str:
    """Where the emulator is, who is who, and a path through a whole sale."""
    artisan = content.NALIAKA.name.split()[0]
    manager = content.COMMUNITY_MANAGER.name.split()[0]
    buyer = content.BUYER.name.split()[0]
    return "\n".join(
        [
            "Demo shop ready. Chat with it in your browser (Ctrl-C here stops it):",
            "",
            f"    {url}",
            "",
            "Who is who (pick a person at the top of the chat window):",
            *who_is_who(summary),
            "",
            "Type to chat, or tap a choice; menu, help, cancel, language work anywhere.",
            "Try a whole sale:",
            f"  as {artisan}: menu → List a piece → camera button: send {photos[0]}, then answer",
            f"  as {manager}: menu → Review listings → Approve",
            f"  as {buyer}: Shop jewelry → find it, add to cart, check out, Pay now (demo card)",
            f"  as {artisan}: her new order is waiting; My earnings shows what she is owed",
            f"More photos to send: {', '.join(str(p) for p in photos[1:])}",
            "In a terminal instead: soko demo --terminal (or soko chat --as NAME).",
            "",
        ]
    )


def guide(summary: DemoSummary, photos: list[Path]) -> str:
    """Who is who in the demo, the console's commands and a path through a whole sale."""
    manager, buyer = content.COMMUNITY_MANAGER, content.BUYER
    lines = [
        "Demo shop ready. Who is who (switch with /as NAME):",
        *who_is_who(summary),
        "",
        "Type to chat; a number picks a choice; menu, help, cancel, language work anywhere.",
        "Console commands: /photo PATH… sends photos, /as NAME switches person, /quit ends.",
        "",
        "Try a whole sale:",
        f"  /as {EXAMPLE_ARTISAN} → menu → list a piece: /photo {photos[0]}, then answer",
        f"  /as {manager.key} → menu → review listings → approve it",
        f"  /as {buyer.key} → Shop jewelry: find it, add to cart, check out, pay (demo card)",
        f"  /as {EXAMPLE_ARTISAN} → her new order, and her balance in her earnings",
        f"More photos to send: {', '.join(str(p) for p in photos[1:])}",
        "",
    ]
    return "\n".join(lines)


def describe(container: Container, summary: DemoSummary) -> str:
    lines = [f"Demo shop ready in {container.settings.database_url}", ""]
    with container.uow_factory(read_only=True) as uow:
        session = uow.session
        lines.append("Artisans:")
        for artisan in session.scalars(select(Artisan).order_by(Artisan.id)):
            user = session.get(User, artisan.user_id)
            mentor = session.get(Artisan, artisan.mentor_id) if artisan.mentor_id else None
            balance = ledger.payable_balance(session, artisan.id)
            count = session.scalar(
                select(func.count()).select_from(Product).where(Product.artisan_id == artisan.id)
            )
            lines.append(
                f"  {artisan.shop_name} — {user.display_name if user else '?'}, {artisan.location}"
                + (f" (mentored by {mentor.shop_name})" if mentor else f" ({artisan.status.value})")
                + f"): {count} pieces, owed {balance.format('en')}"
            )
        lines.append("")
        counted = session.execute(select(Product.status, func.count()).group_by(Product.status))
        by_status: dict[ProductStatus, int] = dict(counted.all())
        lines.append(
            "Pieces: "
            + ", ".join(f"{by_status.get(s, 0)} {s.value.replace('_', ' ')}" for s in ProductStatus)
        )
        for product in session.scalars(
            select(Product).where(Product.status == ProductStatus.ACTIVE).order_by(Product.id)
        ).all()[:5]:
            price = Money(product.price_minor or 0, product.currency)
            quote = container.pricing.quote_line(price, 1, has_mentor=False)
            lines.append(
                f"  {product.title}: artisan receives {price.format('en')},"
                f" buyer pays {quote.unit_price.format('en')}"
            )
        lines.append("  …")
    lines += [
        "",
        f"Wanjiru's referral code: {summary.referral_code}",
        f"A paid order to fulfil: {summary.order_code}",
        f"Listings waiting for the community manager: {summary.pending_review}",
        f"People: {', '.join(summary.users)}",
    ]
    return "\n".join(lines)
