"""What the user sees, as plain data: text and buttons, already in the user's language.

Every capability returns these; adapters (Telegram, console) only lay them out and never
compose texts themselves.
"""

from __future__ import annotations

import base64

from pydantic import BaseModel, Field

from bot.kernel.actions import Kind


class Button(BaseModel):
    label: str
    action: str
    role: Kind


class Screen(BaseModel):
    text: str
    buttons: list[list[Button]] = Field(default_factory=list)
    prompt: bool = False  # its buttons are the live ones; the adapter reports where it went
    expects_text: bool = False


class Document(BaseModel):
    """A file for the user: a calendar entry, their data, a staff export."""

    filename: str
    content: bytes
    caption: str | None = None
    mime_type: str = "application/octet-stream"

    def payload(self, stored: bool = False) -> dict[str, object]:
        """For the outbox; `stored`: the content is kept beside the row (`outbox_files`)."""
        data: dict[str, object] = {"type": "document", "filename": self.filename, "caption": self.caption,
                                   "mime_type": self.mime_type}
        if stored:
            data["stored"] = True
        else:
            data["content"] = base64.b64encode(self.content).decode()
        return data


class Edit(BaseModel):
    """Replace an earlier message; with no screen, only take its buttons away."""

    ref: str
    screen: Screen | None = None


class Outcome(BaseModel):
    toast: str | None = None  # short notice for a button tap (Telegram's callback answer)
    source: Screen | None = None  # new content of the message whose button was tapped
    source_closed: bool = False  # the tapped message keeps its text but loses its buttons
    edits: list[Edit] = Field(default_factory=list)
    messages: list[Screen] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)  # sent after the messages
    # The person's language was just chosen or changed, or their role changed (a partner contact
    # joined): an adapter with a command menu shows them one in this language.
    menu_language: str | None = None
