"""A JSON case with free text: ``{"text": "...", "lang": "de"?, "present": [...]?, "absent": [...]?}``."""

from __future__ import annotations

import json

from ..errors import CaseFormatError
from .normalise import LANGUAGES
from .reader import MAX_TEXT_CHARS


def split_text_case(body: bytes) -> tuple[str | None, str | None, bytes]:
    """(text, lang, the rest of the case as JSON bytes, empty when nothing else is left).

    A body that is no JSON object or has no ``"text"`` key comes back unchanged (``None, None,
    body``), for the ordinary case parser to accept or refuse with its own message.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None, None, body
    if not isinstance(data, dict) or "text" not in data:
        return None, None, body
    text, lang = data.pop("text"), data.pop("lang", None)
    if not isinstance(text, str) or not text.strip():
        raise CaseFormatError("'text' must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise CaseFormatError(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    if lang is not None and lang not in LANGUAGES:
        raise CaseFormatError(f"'lang' must be one of {', '.join(LANGUAGES)} (or left out to detect it)")
    rest = json.dumps(data).encode() if data.get("present") or data.get("absent") else b""
    return text, lang, rest
