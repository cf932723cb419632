"""The durable outbox: every message that is not an immediate reply is queued in the database
in the transaction that causes it, and delivered within Telegram's limits by the worker."""

from bot.outbox.parcels import (
    Compose,
    Parcel,
    Rejected,
    RetryLater,
    Transient,
    Transport,
    Unconfirmed,
    Unreachable,
    parcel_from_payload,
    screen_payload,
)
from bot.outbox.worker import OutboxWorker

__all__ = ["Compose", "OutboxWorker", "Parcel", "Rejected", "RetryLater", "Transient", "Transport", "Unconfirmed",
           "Unreachable", "parcel_from_payload", "screen_payload"]
