"""The folder `soko demo --dir` builds its shop in: made afresh each time, but only ever
deleted when it is a demo's own (the marker file a demo writes into the folder it made), and
never when it holds the shop's configured database or media, whatever it holds besides."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from bot.settings import InvalidSettings, Settings, load_settings

MARKER: Final = ".soko-demo"
DEFAULT_DIR: Final = Path("var/demo")
# What `soko demo` wrote into its default folder before it wrote the marker: such a folder is
# taken for the old demo it is.
_OLD_DEMO: Final = frozenset({"soko.db", "soko.db-wal", "soko.db-shm", "media", "photos"})


class NotADemoDir(Exception):
    """The folder is not one `soko demo` may wipe; the message says why and what to do."""


def configured_paths() -> list[Path]:
    """The shop's own database file and media folder, as its settings name them (none when
    the settings do not load: then the demo has nothing of the shop's to spare)."""
    try:
        settings: Settings = load_settings()
    except InvalidSettings:
        return []
    paths = [settings.media_dir]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        paths.append(Path(str(url.database)))
    return [path.expanduser().resolve() for path in paths]


def make_demo_dir(directory: Path, keep: list[Path]) -> None:
    """`directory` made empty, with the marker in it. Raises `NotADemoDir` when it holds
    one of `keep` (or lies within one), or holds anything without the marker."""
    folder = directory.expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or _holds_anything(folder)):
        # Only a folder with something in it is deleted; a new or empty one may well be where
        # the settings point (`soko chat` on the demo's shop).
        for path in keep:
            if path == folder or folder in path.parents or path in folder.parents:
                raise NotADemoDir(
                    f"{directory} holds this shop's database (DATABASE_URL) or media "
                    "(MEDIA_DIR): name another folder with --dir"
                )
        if not folder.is_dir() or not _a_demo(folder):
            raise NotADemoDir(
                f"{directory} is not a demo folder (it holds no {MARKER} file): "
                "name a new or empty folder with --dir"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Made by `soko demo`: it deletes this folder to start again.\n")


def _holds_anything(folder: Path) -> bool:
    return any(entry.name != MARKER for entry in folder.iterdir())


def _a_demo(folder: Path) -> bool:
    """Empty, marked as a demo's, or the default folder as an older demo left it."""
    names = {entry.name for entry in folder.iterdir()}
    if not names or MARKER in names:
        return True
    return folder == DEFAULT_DIR.resolve() and names <= _OLD_DEMO
