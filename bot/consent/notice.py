"""What the privacy notice says and what it promises: who is responsible, the purposes, how
long each kind of data is kept. The retention figures here are the ones the code applies, so
the notice, the record of processing and the deletions cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.kernel.settings import ConfigError, Settings

# Raise it whenever the notice's content changes: everybody is asked again before anything else.
NOTICE_VERSION = "3"  # 3: board members (issue 27)

DELIVERED_KEEP = timedelta(days=30)  # content of messages sent to a user (support questions)
OFFICE_FILES_KEEP = timedelta(days=1)  # content of digests and exports sent to staff
UPDATES_KEEP = timedelta(days=1)  # handled updates (their content goes once handled)
BACKUP_WEEKS = 4  # the oldest nightly backup kept (bot.operations.backups: 7 daily, 4 weekly)


class Purpose(StrEnum):
    SURVEY = "survey"  # required: the answers, for the office's planning
    NETWORKING = "networking"  # optional: shown anonymously to associations that need what it offers
    PARTNERS = "partners"  # optional: name and needs to partner organisations in integration work




@dataclass(frozen=True)
class NoticeFacts:
    controller: str
    controller_contact: str
    dpo_contact: str
    authority: str
    unfinished_days: int
    completed_days: int
    delivered_days: int = DELIVERED_KEEP.days
    backup_weeks: int = BACKUP_WEEKS
    sample: bool = False
    office_contact: str = Settings.model_fields["office_contact"].default  # a person to talk to (`/help`)

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeFacts:
        """The configured controller; sample values where none is configured (the console chat
        and tests; `msobot run` checks with `require` first)."""
        missing = settings.controller is None or settings.controller_contact is None or settings.dpo_contact is None
        return cls(
            controller=settings.controller or "Stadt Wuppertal, Ressort Zuwanderung und Integration (SAMPLE)",
            controller_contact=settings.controller_contact or "integration@example.org (SAMPLE)",
            dpo_contact=settings.dpo_contact or "datenschutz@example.org (SAMPLE)",
            authority=settings.supervisory_authority,
            unfinished_days=settings.retention_days, completed_days=settings.retention_completed_days,
            sample=missing, office_contact=settings.office_contact)


SAMPLE = NoticeFacts("Stadt Wuppertal, Ressort Zuwanderung und Integration (SAMPLE)",
                     "integration@example.org (SAMPLE)", "datenschutz@example.org (SAMPLE)",
                     Settings.model_fields["supervisory_authority"].default, 365, 1095, sample=True)


def require(settings: Settings) -> None:
    """A bot for real users names who is responsible for the data and how to reach them."""
    for name in ("controller", "controller_contact", "dpo_contact"):
        if not (getattr(settings, name) or "").strip():
            raise ConfigError(f"MSOBOT_{name.upper()}: missing (the privacy notice must name who is responsible "
                              "for the data and how to reach them and the data protection officer)")
