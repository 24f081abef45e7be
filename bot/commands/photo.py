"""`soko photo check FILE…`: run the photo pipeline on files, one JSON object per line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings, load_settings
from store.media import PhotoError, PhotoLimits, ProcessedPhoto, process_photo

UNREADABLE = "unreadable"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("photo", help="photo pipeline tools")
    actions = parser.add_subparsers(dest="photo_action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="process photo files as if an artisan had sent them",
        description=(
            "Run the photo pipeline on each FILE and print one JSON object per line: "
            '{"file", "ok", "error", "width", "height", "sizes", "sha256", "advice"}. '
            "Limits come from the PHOTO_* settings. Exits 1 if any file was refused or "
            f'could not be read (error "{UNREADABLE}"), 0 if all were accepted.'
        ),
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write the renditions as DIR/<file stem>.<size>.jpg",
    )
    check.set_defaults(handler=_check)


def limits_from(settings: Settings) -> PhotoLimits:
    return PhotoLimits(
        max_bytes=settings.photo_max_bytes,
        max_pixels_jpeg=settings.photo_max_pixels_jpeg,
        max_pixels_other=settings.photo_max_pixels_other,
        min_side=settings.photo_min_side,
    )


def _check(args: argparse.Namespace) -> int:
    limits = limits_from(load_settings())
    out_dir: Path | None = args.out
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    failed = False
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError:
            print(json.dumps(_failure(path, UNREADABLE)))
            failed = True
            continue
        result = process_photo(data, limits)
        if isinstance(result, PhotoError):
            print(json.dumps(_failure(path, result.code.value)))
            failed = True
            continue
        if out_dir is not None:
            for name, rendition in result.sizes.items():
                (out_dir / f"{path.stem}.{name}.jpg").write_bytes(rendition.jpeg)
        print(json.dumps(_success(path, result)))
    sys.stdout.flush()
    return 1 if failed else 0


def _failure(path: Path, code: str) -> dict[str, object]:
    return {
        "file": str(path),
        "ok": False,
        "error": code,
        "width": None,
        "height": None,
        "sizes": None,
        "sha256": None,
        "advice": [],
    }


def _success(path: Path, photo: ProcessedPhoto) -> dict[str, object]:
    return {
        "file": str(path),
        "ok": True,
        "error": None,
        "width": photo.width,
        "height": photo.height,
        "sizes": {
            name: [rendition.width, rendition.height, len(rendition.jpeg)]
            for name, rendition in photo.sizes.items()
        },
        "sha256": photo.sha256,
        "advice": [advice.value for advice in photo.advice],
    }
