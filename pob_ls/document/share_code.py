"""PoB share codes: zlib-deflated build XML in URL-safe base64, decoded with a bounded inflate."""

from __future__ import annotations

import base64
import binascii
import re
import zlib

DEFAULT_MAX_DECODED_BYTES = 20 * 1024 * 1024

_SHARE_CODE = re.compile(r"[A-Za-z0-9\-_+/=\s]+")
_WHITESPACE = re.compile(r"\s+")
_CHUNK = 64 * 1024


class ShareCodeError(ValueError):
    """A text that should be a share code but does not decode to build XML."""


def looks_like_share_code(text: str) -> bool:
    """True for non-empty text made only of base64 (either alphabet), padding and whitespace."""
    return bool(text.strip()) and _SHARE_CODE.fullmatch(text) is not None


def encode_share_code(xml: str) -> str:
    """Encode build XML the way PoB does: deflate, base64, then ``+``->``-`` and ``/``->``_`` (``=`` kept)."""
    encoded = base64.b64encode(zlib.compress(xml.encode("utf-8"), 9)).decode("ascii")
    return encoded.replace("+", "-").replace("/", "_")


def decode_share_code(text: str, *, max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> str:
    """Decode a share code to its XML; raises `ShareCodeError` instead of inflating past ``max_bytes``."""
    compact = _WHITESPACE.sub("", text).replace("-", "+").replace("_", "/")
    if not compact:
        raise ShareCodeError("the share code is empty")
    compact = compact.rstrip("=")
    if len(compact) % 4 == 1:
        raise ShareCodeError("the share code has an impossible length (is it truncated?)")
    try:
        compressed = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ShareCodeError(f"the share code is not valid base64: {exc}") from None
    if not compressed:
        raise ShareCodeError("the share code decodes to nothing")
    try:
        return _inflate(compressed, max_bytes).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShareCodeError(f"the share code does not hold UTF-8 text: {exc}") from None


def _inflate(compressed: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj()
    chunks: list[bytes] = []
    produced = 0
    pending = compressed
    try:
        while True:
            chunk = inflater.decompress(pending, min(_CHUNK, max_bytes - produced + 1))
            produced += len(chunk)
            chunks.append(chunk)
            if produced > max_bytes:
                raise ShareCodeError(
                    f"the share code inflates to more than {max_bytes} bytes; refusing (zip bomb?)"
                )
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and not chunk):
                break
    except zlib.error as exc:
        raise ShareCodeError(f"the share code is not zlib-compressed data: {exc}") from None
    if not inflater.eof:
        raise ShareCodeError("the share code ends in the middle of its compressed data (truncated?)")
    return b"".join(chunks)
