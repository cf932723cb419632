"""The offers the bot can suggest: workshops and partner organisations, imported from files."""

from bot.catalog.model import Partner, PartnerKind, Registration, Workshop

__all__ = ["Partner", "PartnerKind", "Registration", "Workshop"]
