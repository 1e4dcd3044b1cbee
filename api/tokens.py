"""Bearer tokens: ``qq_<prefix>_<secret>``. The prefix finds the row; only the digest is stored."""

from __future__ import annotations

import hmac
import secrets

from api.models import TOKEN_PREFIX, token_digest


def generate() -> tuple[str, str, str]:
    """A new token: (full token to show once, prefix, digest to store)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", prefix, token_digest(secret)


def split(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(secret), digest)
