"""The shape of a Telegram update we act on, checked before python-telegram-bot reads it.

``Update.de_json`` builds objects from whatever it is given: a message without ``chat``, a
``chat.id`` that is text or a ``text`` that is a list come out as objects our adapter then
trips over (a 500 on a request that carried the right secret token). Telegram itself never
sends such updates, but a leaked secret or a broken proxy could; so the fields the adapter
reads are checked here, strictly, as the REST channel checks its body, and anything else is a
400 that names the field, never its value.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)


class _User(_Shape):
    id: int
    language_code: str | None = None


class _Chat(_Shape):
    id: int
    type: str


class _Contact(_Shape):
    phone_number: str
    user_id: int | None = None


class _File(_Shape):
    """A voice note, audio, document, photo size or video: what the media path reads."""

    file_id: str
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None


class _Message(_Shape):
    message_id: int
    date: int
    chat: _Chat
    sender: _User | None = Field(default=None, alias="from")
    text: str | None = None
    contact: _Contact | None = None
    voice: _File | None = None
    audio: _File | None = None
    document: _File | None = None
    video: _File | None = None
    video_note: _File | None = None
    photo: list[_File] | None = None

    @field_validator("text")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL cannot store U+0000 in text; Telegram never sends it.
        if value is not None and "\x00" in value:
            raise ValueError("must be text")
        return value


class _CallbackQuery(_Shape):
    id: str
    sender: _User = Field(alias="from")
    message: _Message | None = None
    data: str | None = None


class _Update(_Shape):
    update_id: int
    message: _Message | None = None
    callback_query: _CallbackQuery | None = None


def update_shape_error(data: Any) -> str | None:
    """Why ``data`` is not an update the adapter can read (the field's path), or ``None``.

    Only our own field names and list positions appear in the answer: never a value, and
    never a key the client chose.
    """
    try:
        _Update.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return None
