"""`soko photo check` as an operator runs it: files in, one JSON line per file out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from tests.unit.media.images import outside_scans

LINE_KEYS = ["file", "ok", "error", "width", "height", "sizes", "sha256", "advice"]


def sideways_photo(path: Path) -> Path:
    """A 3000x2000 landscape picture stored portrait with EXIF orientation 6 and GPS."""
    stored = Image.linear_gradient("L").resize((2000, 3000)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "S", 2: (1.0, 17.0, 30.0)})
    stored.save(path, "JPEG", exif=exif.tobytes())
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["photo", "check", *argv])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_accepted_photo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = sideways_photo(tmp_path / "necklace.jpg")

    code, lines = run(capsys, str(photo))

    assert code == 0
    [line] = lines
    assert list(line) == LINE_KEYS
    assert line["file"] == str(photo)
    assert line["ok"] is True
    assert line["error"] is None
    assert (line["width"], line["height"]) == (3000, 2000)
    sizes = line["sizes"]
    assert isinstance(sizes, dict)
    assert [sizes[name][:2] for name in ("large", "medium", "thumb")] == [
        [1600, 1067],
        [800, 533],
        [320, 213],
    ]
    assert all(isinstance(sizes[name][2], int) and sizes[name][2] > 0 for name in sizes)
    assert isinstance(line["sha256"], str)
    assert len(line["sha256"]) == 64
    assert isinstance(line["advice"], list)


def test_refused_files_say_why_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "not-a-photo.jpg"
    text.write_text("hello")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(tiny)
    good = sideways_photo(tmp_path / "good.jpg")

    code, lines = run(capsys, str(text), str(tiny), str(tmp_path / "missing.jpg"), str(good))

    assert code == 1
    assert [(line["ok"], line["error"]) for line in lines] == [
        (False, "not_an_image"),
        (False, "too_small"),
        (False, "unreadable"),
        (True, None),
    ]
    assert all(list(line) == LINE_KEYS for line in lines)
    assert lines[0]["sizes"] is None


def test_out_writes_the_renditions_without_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = sideways_photo(tmp_path / "earrings.jpg")
    out = tmp_path / "out" / "nested"

    code, [line] = run(capsys, str(photo), "--out", str(out))

    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "earrings.large.jpg",
        "earrings.medium.jpg",
        "earrings.thumb.jpg",
    ]
    large = (out / "earrings.large.jpg").read_bytes()
    sizes = line["sizes"]
    assert isinstance(sizes, dict)
    assert len(large) == sizes["large"][2]
    image = Image.open(io.BytesIO(large))
    assert image.size == (1600, 1067)
    assert b"GPS" not in outside_scans(large)
    assert len(image.getexif()) == 0


def test_limits_come_from_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHOTO_MIN_SIDE", "2500")
    photo = sideways_photo(tmp_path / "bracelet.jpg")

    code, [line] = run(capsys, str(photo))

    assert code == 1
    assert line["error"] == "too_small"


def test_no_files_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["photo", "check"])
    assert exited.value.code == 2
