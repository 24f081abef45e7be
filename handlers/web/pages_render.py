"""Rendering the public pages: the language a visitor reads, the templates, the headers.

The language is `?lang=` when given (and then kept on the page's own links), else the best
of the browser's Accept-Language, else the shop's default. Messages come from the chat's
gettext catalogs (`make messages` extracts the templates too), so a page and the chat say a
thing the same way. Templates autoescape everything; no page needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from babel import negotiate_locale
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from conversations.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    SUPPORTED_LOCALES,
    Translator,
    choose_locale,
)
from store.media.storage import MediaStore
from store.money import babel_locale
from store.pricing import PricingPolicy

_MAX_ACCEPT_LANGUAGE: Final = 512  # longer headers are not a browser's

# No scripts, no frames, nothing fetched but our own photos and the inline style; forms post
# only back to us, and only on the pages that have one.
_CSP: Final = (
    "default-src 'none'; img-src 'self' https: http:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action {forms}; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class SiteConfig:
    """What every page needs from the shop around it (built by the composition root)."""

    public_base_url: str
    pricing: PricingPolicy
    media: MediaStore
    telegram_bot_username: str = ""
    whatsapp_number: str = ""  # E.164
    default_locale: str = DEFAULT_LOCALE
    site_name: str = "Soko"
    # The artisans' calendar (ARTISAN_TIMEZONE): the day a shop's verification ends.
    timezone: str = "Africa/Nairobi"

    @property
    def base(self) -> str:
        return self.public_base_url.rstrip("/")


@dataclass(frozen=True)
class PageLanguage:
    locale: str
    explicit: bool  # chosen with ?lang=, so the page's own links keep it

    def href(self, path: str, **params: str) -> str:
        """A link to one of our pages, keeping an explicitly chosen language."""
        query = {key: value for key, value in params.items() if value}
        if self.explicit:
            query["lang"] = self.locale
        return path + (f"?{urlencode(query)}" if query else "")


def page_language(request: Request, default: str) -> PageLanguage:
    chosen = request.query_params.get("lang", "")
    if chosen in SUPPORTED_LOCALES:
        return PageLanguage(chosen, explicit=True)
    return PageLanguage(
        browser_language(request) or choose_locale(None, default=default), explicit=False
    )


def browser_language(request: Request) -> str | None:
    """The language the visitor chose (`?lang=`) or her browser prefers, when we have it;
    None when the page would only fall back on the shop's default."""
    chosen = request.query_params.get("lang", "")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    preferred = accepted_languages(request.headers.get("accept-language", ""))
    found: str | None = negotiate_locale(preferred, SUPPORTED_LOCALES, sep="-", aliases={})
    return found


def accepted_languages(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first ("sw-KE, en;q=0.5" → ["sw-KE", "en"])."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header[:_MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


class Pages:
    """The templates, rendered in a visitor's language with the site's config."""

    def __init__(self, site: SiteConfig) -> None:
        self.site = site
        self._env = Environment(
            loader=PackageLoader("handlers.web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )

    def language(self, request: Request) -> PageLanguage:
        return page_language(request, self.site.default_locale)

    def render(
        self,
        template: str,
        language: PageLanguage,
        context: Mapping[str, object],
        *,
        status_code: int = 200,
        cache_seconds: int = 300,
        allow_forms: bool = False,
    ) -> HTMLResponse:
        translator = Translator(language.locale)
        body = self._env.get_template(template).render(
            {
                "_": translator.gettext,
                "ngettext": translator.ngettext,
                "language": language,
                "locale": language.locale,
                "og_locale": babel_locale(language.locale),
                "languages": LANGUAGE_NAMES,
                "site": self.site,
                **context,
            }
        )
        headers = {
            "Cache-Control": f"public, max-age={cache_seconds}" if cache_seconds else "no-store",
            "Content-Language": language.locale,
            "Content-Security-Policy": _CSP.format(forms="'self'" if allow_forms else "'none'"),
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "X-Content-Type-Options": "nosniff",
        }
        if not language.explicit:
            headers["Vary"] = "Accept-Language"
        return HTMLResponse(body, status_code=status_code, headers=headers)

    def not_found(self, language: PageLanguage) -> HTMLResponse:
        return self.render("not_found.html", language, {}, status_code=404, cache_seconds=60)
