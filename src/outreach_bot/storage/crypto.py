"""Encryption at rest for personal fields, and keyed hashes to look them up without decrypting.

SQLAlchemy column types are declared when models are imported, long before the secret key is
known, so the cipher is installed once at start-up (``install_cipher``) and read by the column
type. This is the one piece of process-wide state in the project; ``open_services`` owns it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import LargeBinary, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class FieldCipher:
    """Fernet (AES-128-CBC + HMAC) keyed from the application secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("an empty secret cannot protect personal data")
        digest = hashlib.sha256(b"outreach-bot/fields/v1:" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._hash_key = hashlib.sha256(b"outreach-bot/lookup/v1:" + secret.encode()).digest()
        # The search index has a key of its own: a copy of the index (or its key) reveals
        # nothing about the encrypted fields or the senders' lookup hashes, and the other way
        # round.
        self._search_key = hashlib.sha256(b"outreach-bot/search/v1:" + secret.encode()).digest()

    def encrypt(self, value: str) -> str:
        """Encrypt a text value."""
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a value written by :meth:`encrypt`.

        Raises:
            InvalidToken: the value was written with another key, or tampered with.
        """
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def encrypt_bytes(self, value: bytes) -> bytes:
        """Encrypt a file's bytes (a voice note, a photo) the same way as a text field."""
        return self._fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """Decrypt bytes written by :meth:`encrypt_bytes`.

        Raises:
            InvalidToken: the bytes were written with another key, or tampered with.
        """
        return self._fernet.decrypt(token)

    def lookup_hash(self, value: str) -> str:
        """A keyed hash, stable for one secret, so equal values can be found without decrypting."""
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()

    def search_token(self, word: str) -> str:
        """A search index entry: HMAC-SHA256 of a normalised word, under the search key.

        Cut to 128 bits (32 hex digits): still far from any chance of two words sharing a
        token, and the index is half as large.
        """
        return hmac.new(self._search_key, word.encode(), hashlib.sha256).hexdigest()[:32]


class _CipherSlot:
    cipher: FieldCipher | None = None


def install_cipher(cipher: FieldCipher) -> None:
    """Make ``cipher`` the one used by every :class:`EncryptedText` column."""
    _CipherSlot.cipher = cipher


def current_cipher() -> FieldCipher:
    """The installed cipher.

    Raises:
        RuntimeError: nothing was installed: personal data would be written in clear.
    """
    if _CipherSlot.cipher is None:
        raise RuntimeError("no field cipher installed; call install_cipher() at start-up")
    return _CipherSlot.cipher


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; reads and writes plain ``str`` in Python."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return None if value is None else current_cipher().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt on the way out; a value under another key reads as None rather than crashing."""
        if value is None:
            return None
        try:
            return current_cipher().decrypt(str(value))
        except InvalidToken:
            return None


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column stored encrypted (Fernet, like :class:`EncryptedText`): a file a young
    person sent. Reads and writes plain ``bytes`` in Python; a database dump shows none of it.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        """Encrypt on the way in."""
        return None if value is None else current_cipher().encrypt_bytes(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        """Decrypt on the way out; bytes under another key read as None rather than crashing."""
        if value is None:
            return None
        try:
            return current_cipher().decrypt_bytes(bytes(value))
        except InvalidToken:
            return None
