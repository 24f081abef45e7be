"""`soko demo --dir X` starts afresh by deleting X only when X is a demo it made itself (its
marker file is there), and never when X holds the shop's configured database or media: a
mistyped `--dir var` must not delete the production database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo_dir import MARKER
from tests.e2e.operator_env import OperatorEnv, operator_env
from tests.e2e.soko_process import soko

pytestmark = pytest.mark.slow


def shop_with_defaults(folder: Path) -> OperatorEnv:
    """A shop on the defaults: var/soko.db and var/media in the folder it runs in."""
    shop = operator_env(folder)
    del shop.variables["DATABASE_URL"], shop.variables["MEDIA_DIR"]
    return shop


def test_a_folder_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    shop = operator_env(tmp_path)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "orders.txt").write_text("Wanjiru: 3 bangles")

    refused = soko(shop, "demo", "--dir", "notes", "--no-chat")

    assert refused.returncode == 2, refused.stdout
    assert refused.stderr.strip() == (
        "soko: notes is not a demo folder (it holds no .soko-demo file): "
        "name a new or empty folder with --dir"
    )
    assert (notes / "orders.txt").read_text() == "Wanjiru: 3 bangles"
    assert sorted(p.name for p in notes.iterdir()) == ["orders.txt"]


def test_the_configured_database_and_media_are_never_deleted(tmp_path: Path) -> None:
    shop = shop_with_defaults(tmp_path)
    assert soko(shop, "db", "upgrade").returncode == 0
    database = tmp_path / "var" / "soko.db"
    assert database.is_file()
    (tmp_path / "var" / MARKER).touch()  # as if a demo had once been made there

    refused = soko(shop, "demo", "--dir", "var", "--no-chat")

    assert refused.returncode == 2, refused.stdout
    assert refused.stderr.strip() == (
        "soko: var holds this shop's database (DATABASE_URL) or media (MEDIA_DIR): "
        "name another folder with --dir"
    )
    assert database.is_file()
    assert soko(shop, "db", "current").stdout.strip() != "empty"


def test_the_default_folder_an_older_demo_left_is_made_again(tmp_path: Path) -> None:
    shop = operator_env(tmp_path)
    old = tmp_path / "var" / "demo"
    (old / "media").mkdir(parents=True)
    (old / "photos").mkdir()
    (old / "soko.db").write_bytes(b"an older demo's database")

    made = soko(shop, "demo", "--no-chat")  # its default folder, var/demo

    assert made.returncode == 0, made.stderr
    assert (old / MARKER).is_file()
    assert (old / "soko.db").read_bytes() != b"an older demo's database"


def test_its_own_demo_is_made_again_and_an_empty_folder_taken(tmp_path: Path) -> None:
    shop = operator_env(tmp_path)
    (tmp_path / "empty").mkdir()
    for folder in ("empty", "var/demo", "var/demo"):  # the second var/demo: made again
        made = soko(shop, "demo", "--dir", folder, "--no-chat")
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("Demo shop ready in sqlite:///"), made.stdout
        assert (tmp_path / folder / MARKER).is_file()
        assert (tmp_path / folder / "soko.db").is_file()
