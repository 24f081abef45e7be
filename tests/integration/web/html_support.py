"""Reading rendered pages in tests: meta tags, links and images, parsed (not grepped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Parsed:
    lang: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # property or name -> content
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    images: list[dict[str, str]] = field(default_factory=list)
    text: str = ""

    def hrefs(self) -> list[str]:
        return [href for href, _ in self.links]

    def link_to(self, text: str) -> str:
        found = [href for href, label in self.links if label == text]
        assert found, f"no link {text!r} in {self.links}"
        return found[0]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self._href: str | None = None
        self._label: list[str] = []
        self._texts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.parsed.lang = values.get("lang", "")
        elif tag == "meta" and ("property" in values or "name" in values):
            self.parsed.meta[values.get("property") or values["name"]] = values.get("content", "")
        elif tag == "a":
            self._href, self._label = values.get("href", ""), []
        elif tag == "img":
            self.parsed.images.append(values)
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.parsed.links.append((self._href, " ".join("".join(self._label).split())))
            self._href = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._label.append(data)
        if not self._in_style:
            self._texts.append(data)

    def close(self) -> None:
        super().close()
        self.parsed.text = " ".join(" ".join(self._texts).split())


def parse(html: str) -> Parsed:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.parsed
