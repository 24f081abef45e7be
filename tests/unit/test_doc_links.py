"""The documentation's links work in a clone of the repository.

A clone holds only what is tracked: a link that leaves the repository (the design notes once
kept in a `shared` folder beside it) or names a file that is not there is broken for every
reader.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_LINK = re.compile(rb"\.\./shared/")
# Where a test or the CI scripts may name the outside folder (to look for it, as here).
MAY_NAME_IT = ("tests/", ".ci/")
# Folders of what the tools make, never tracked; skipped when git cannot list the files.
UNTRACKED = {".git", ".venv", "venv", "var", "build", "test-artifacts", "node_modules"}

# `[text](target)` and `![alt](target)`, and reference definitions `[label]: target`.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
NOT_A_FILE = re.compile(r"^([a-z][a-z0-9+.-]*:|#|//)", re.IGNORECASE)


def tracked_files() -> list[Path]:
    """The repository's files as a clone has them (git's list; a walk without git)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return [
            path
            for path in ROOT.rglob("*")
            if path.is_file()
            and not UNTRACKED.intersection(path.relative_to(ROOT).parts)
            and not any(part.endswith((".egg-info", "_cache")) for part in path.parts)
            and "__pycache__" not in path.parts
        ]
    return [ROOT / name for name in listed.decode().split("\0") if name]


def documentation() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def relative_links(markdown: str) -> list[str]:
    """Link targets that name a file in the repository (not a URL, not an anchor alone),
    outside code spans and blocks, without their `#anchor`."""
    prose = INLINE_CODE.sub("", FENCED_CODE.sub("", markdown))
    targets = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    return [t.split("#", 1)[0] for t in targets if not NOT_A_FILE.match(t)]


def test_link_reader_finds_relative_links_and_only_them() -> None:
    markdown = (
        'See [the design](docs/architecture.md#layers), ![a photo](img/a.png "title"),\n'
        "[the web](https://example.com), [top](#top), `[code](not/a/link.md)`.\n"
        "```\n[in a block](block.md)\n```\n"
        "[ref]: ../shared/STYLE.md\n"
    )

    assert relative_links(markdown) == [
        "docs/architecture.md",
        "img/a.png",
        "../shared/STYLE.md",
    ]


def test_no_tracked_file_links_outside_the_repository() -> None:
    offending = []
    for path in tracked_files():
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(MAY_NAME_IT) or not path.is_file():
            continue
        if OUTSIDE_LINK.search(path.read_bytes()):
            offending.append(name)

    assert offending == [], f"these files point outside the repository (../shared/): {offending}"


@pytest.mark.parametrize("document", documentation(), ids=lambda path: path.name)
def test_every_relative_link_names_a_file_of_the_repository(document: Path) -> None:
    broken = []
    for target in relative_links(document.read_text(encoding="utf-8")):
        resolved = (document.parent / target).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)

    assert broken == [], f"{document.name} links to what a clone does not have: {broken}"
