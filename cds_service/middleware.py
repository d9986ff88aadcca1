"""Cross-cutting HTTP behaviour: JSON error bodies, CORS on every response, one structured log line per call.

CORS is done here (an after_request hook) rather than with flask-cors: it is a few lines, it must also
cover error responses (413, 500) and preflight, and it avoids one more dependency to audit.
"""

from __future__ import annotations

import orjson
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from cds_service.errors import ApiError
from cds_service.logs import Timer, logger


def json_response(body: Any, status: int = 200) -> Response:
    return current_app.response_class(
        orjson.dumps(body), status=status, mimetype="application/json"
    )


_json = json_response


def _cors(response: Response) -> Response:
    origins = current_app.config.get("CORS_ORIGINS") or "*"
    if isinstance(origins, str):
        origins = origins.split(",")
    allowed = [str(o).strip() for o in origins if str(o).strip()]
    origin = request.headers.get("Origin")
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


def _log_request(response: Response) -> Response:
    info = getattr(g, "log", None)
    if info is not None:
        info["status"] = response.status_code
        info["duration_ms"] = g.timer.ms
        level = 20 if response.status_code < 500 else 40
        logger.log(level, info["event"], extra=info)
    return response


def _api_error(exc: ApiError):
    if getattr(g, "log", None) is not None:
        g.log["error"] = exc.error
        g.log["reason"] = exc.message  # for 401 the reason stays in the log, out of the body
    response = _json(exc.body(), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _http_error(exc: HTTPException):
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        body = {"error": "payload-too-large", "message": f"request body over the limit of {limit} bytes"}
    else:
        body = {"error": (exc.name or "error").lower().replace(" ", "-"), "message": exc.description or exc.name}
    if getattr(g, "log", None) is not None:
        g.log["error"] = body["error"]
    response = _json(body, exc.code or 500)
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception):
    info = getattr(g, "log", None) or {}
    logger.error("unexpected fault", exc_info=exc, extra={
        "event": "fault", "service": info.get("service"), "hookInstance": info.get("hookInstance")})
    if info:
        info["error"] = "internal"
    return _json({"error": "internal", "message": "internal error; see the service log"}, 500)


def _start_timer() -> None:
    g.timer = Timer()


def install(app: Flask) -> None:
    app.before_request(_start_timer)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_log_request)
    app.after_request(_cors)
