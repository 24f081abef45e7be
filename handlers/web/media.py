"""`GET /media/{key}`: serve stored photos with cache headers fit for immutable content."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from store.media.storage import (
    CACHE_CONTROL,
    MediaStore,
    MediaStoreError,
    content_type_for,
    is_public_key,
)


def media_routes(store: MediaStore) -> list[Route]:
    async def serve_media(request: Request) -> Response:
        key: str = request.path_params["key"]
        if not is_public_key(key):
            return Response(status_code=404)
        # Keys are content-addressed, so the key itself is a strong validator.
        etag = f'"{key}"'
        headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
        try:
            if _matches(request.headers.get("if-none-match", ""), etag):
                found = await run_in_threadpool(store.exists, key)
                status = 304 if found else 404
                return Response(status_code=status, headers=headers if found else None)
            data = await run_in_threadpool(store.get, key)
        except MediaStoreError:
            return Response(status_code=503, headers={"Retry-After": "30"})
        if data is None:
            return Response(status_code=404)
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(data, media_type=content_type_for(key), headers=headers)

    return [Route("/media/{key:path}", serve_media, methods=["GET"], name="media")]


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
