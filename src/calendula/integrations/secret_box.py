"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) keyed from the secret key.

Owns: `FernetSecretBox` (port `services.ports.SecretBox`). The Fernet key is derived from
`CALENDULA_SECRET_KEY` with HKDF-SHA256 (RFC 5869: no salt, info `calendula/secret-box/v1`,
32 bytes, URL-safe base64 as Fernet expects), so the configured key is never used directly
and other uses of it derive other keys. Changing the secret key makes stored secrets
unreadable (`open` raises `ValueError`): they must be set again. Never logs what it handles.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `cryptography` (~7 MB resident) is imported on the first seal or open
    from cryptography.fernet import Fernet

HKDF_INFO = b"calendula/secret-box/v1"


def derive_fernet_key(secret_key: str) -> bytes:
    """The Fernet key for `secret_key`: HKDF-SHA256, no salt, info `calendula/secret-box/v1`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


class FernetSecretBox:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is required to seal secrets")
        self._secret_key = secret_key
        self._cipher: Fernet | None = None

    @property
    def _fernet(self) -> Fernet:
        """Built on first use (a race builds two equal ones, harmlessly)."""
        if self._cipher is None:
            from cryptography.fernet import Fernet

            self._cipher = Fernet(derive_fernet_key(self._secret_key))
        return self._cipher

    def __repr__(self) -> str:
        return "FernetSecretBox(<key hidden>)"

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise ValueError(
                "the stored secret cannot be opened with the current CALENDULA_SECRET_KEY"
            ) from None
