"""A cap on request bodies: 413, with a JSON body naming the limit, before a large body is read."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes (max_request_bytes)"


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as an int; None when absent or not a number."""
    value = Headers(scope=scope).get("content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


class BodySizeLimit:
    """ASGI middleware: refuse a body over `max_bytes` by its Content-Length before the app runs,
    and a body without one (chunked) as soon as what the app has read passes the limit.

    FastAPI's own `max_body_size` answers in plain text, and for a route that never reads its
    body only after the route has run; a refused write here never starts.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > self.max_bytes:
            response = JSONResponse({"detail": too_large(self.max_bytes)}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route's body read; the app's error handler answers it.
                    raise HTTPException(413, detail=too_large(self.max_bytes))
            return message

        await self.app(scope, counted, send)
