"""The local media store: atomic writes, content-addressed keys, no way out of its folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from store.media import InvalidMediaKey, LocalMediaStore, ProcessedPhoto, process_photo
from store.media.storage import MediaStoreError, content_type_for, is_valid_key, save_processed
from tests.unit.media.images import photo_jpeg

BASE = "https://soko.example/"


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media", BASE)


def test_put_then_get(store: LocalMediaStore) -> None:
    store.put("abc/large.jpg", b"jpeg bytes", "image/jpeg")

    assert store.get("abc/large.jpg") == b"jpeg bytes"
    assert store.exists("abc/large.jpg")
    assert (store.directory / "abc" / "large.jpg").read_bytes() == b"jpeg bytes"


def test_missing_key(store: LocalMediaStore) -> None:
    assert store.get("abc/large.jpg") is None
    assert not store.exists("abc/large.jpg")


def test_a_folder_is_not_a_file(store: LocalMediaStore) -> None:
    store.put("abc/large.jpg", b"x", "image/jpeg")

    assert store.get("abc") is None
    assert not store.exists("abc")


def test_put_overwrites_whole(store: LocalMediaStore) -> None:
    store.put("k.jpg", b"first version, longer", "image/jpeg")
    store.put("k.jpg", b"second", "image/jpeg")

    assert store.get("k.jpg") == b"second"


def test_files_are_readable_by_a_proxy_and_no_temporary_files_remain(
    store: LocalMediaStore,
) -> None:
    store.put("abc/large.jpg", b"x", "image/jpeg")

    mode = stat.S_IMODE((store.directory / "abc" / "large.jpg").stat().st_mode)
    assert mode == 0o644
    assert os.listdir(store.directory / "abc") == ["large.jpg"]


def test_failed_write_leaves_neither_file_nor_temporary(
    store: LocalMediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("abc/large.jpg", b"old", "image/jpeg")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(MediaStoreError, match=r"abc/large\.jpg: OSError"):
        store.put("abc/large.jpg", b"new", "image/jpeg")

    assert os.listdir(store.directory / "abc") == ["large.jpg"]
    assert store.get("abc/large.jpg") == b"old"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../secret",
        "abc/../../etc/passwd",
        "/etc/passwd",
        "abc//large.jpg",
        "abc/",
        ".hidden",
        "abc/.large.jpg.x1y2.tmp",
        "..",
        "abc\\..\\x",
        "%2e%2e/x",
        "a b.jpg",
        "ä.jpg",
        "abc/large.jpg\x00.png",
        "a" * 129,
        "a/b/c/d/e",
    ],
)
def test_keys_that_could_leave_the_folder_are_refused(store: LocalMediaStore, key: str) -> None:
    assert not is_valid_key(key)
    with pytest.raises(InvalidMediaKey):
        store.put(key, b"x", "image/jpeg")
    with pytest.raises(InvalidMediaKey):
        store.get(key)
    with pytest.raises(InvalidMediaKey):
        store.url(key)
    assert not any(store.directory.parent.rglob("secret"))


def test_url_uses_the_public_base_url(store: LocalMediaStore) -> None:
    assert store.url("abc/large.jpg") == "https://soko.example/media/abc/large.jpg"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a/large.jpg", "image/jpeg"),
        ("a/x.JPEG", "image/jpeg"),
        ("a/x.png", "image/png"),
        ("a/x.webp", "image/webp"),
        ("a/x.bin", "application/octet-stream"),
    ],
)
def test_content_type_follows_the_extension(key: str, expected: str) -> None:
    assert content_type_for(key) == expected


def test_save_processed_stores_every_size_under_its_content_address(
    store: LocalMediaStore,
) -> None:
    photo = process_photo(photo_jpeg(2000, 1500))
    assert isinstance(photo, ProcessedPhoto)

    keys = save_processed(store, photo)

    assert keys == {size: f"{photo.sha256}/{size}.jpg" for size in ("large", "medium", "thumb")}
    for size, key in keys.items():
        assert store.get(key) == photo.sizes[size].jpeg
    assert store.url(keys["thumb"]) == f"https://soko.example/media/{photo.sha256}/thumb.jpg"


def test_saving_the_same_photo_twice_changes_nothing(store: LocalMediaStore) -> None:
    photo = process_photo(photo_jpeg())
    assert isinstance(photo, ProcessedPhoto)

    first = save_processed(store, photo)
    second = save_processed(store, photo)

    assert first == second
    assert sorted(p.name for p in store.directory.rglob("*")) == sorted(
        [photo.sha256, "large.jpg", "medium.jpg", "thumb.jpg"]
    )
