"""Catalog entries as staff write them (YAML or CSV), validated by pydantic.

Texts shown to MSOs (titles, descriptions) are given per language; German is required and
is what other languages fall back to. Ids are stable: a re-import with the same id updates.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

CatalogId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=24)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()/-]{5,30}$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=300)]


class PartnerKind(StrEnum):
    WELFARE = "welfare"  # AWO, Caritas, Diakonie, DRK, Paritätischer
    VHS = "vhs"  # adult education centre
    KIZ = "kiz"  # municipal integration centre
    VOLUNTEERING = "volunteering"
    FOUNDATION = "foundation"
    UMBRELLA = "umbrella"  # MSO umbrella bodies and networks
    OTHER = "other"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _localized(value: dict[str, str] | None, field: str) -> dict[str, str] | None:
    if value is None:
        return None
    if "de" not in value:
        raise ValueError(f"a German text ('de') is required for {field}")
    return {code: text.strip() for code, text in value.items() if text and text.strip()}


class Contact(_Entry):
    phone: Phone | None = None
    email: EmailStr | None = None
    website: Url | None = None
    address: Line | None = None

    @model_validator(mode="after")
    def _something(self) -> Contact:
        if not any((self.phone, self.email, self.website, self.address)):
            raise ValueError("give at least one of phone, email, website or address")
        return self


class Partner(_Entry):
    id: CatalogId
    name: Line
    kind: PartnerKind
    topics: list[Code] = Field(min_length=1)
    languages: list[Code] = Field(min_length=1)
    district: Code | None = None
    contact: Contact
    description: dict[Code, Paragraph] | None = None

    @field_validator("description")
    @classmethod
    def _german(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _localized(value, "description")


class Registration(_Entry):
    link: Url | None = None
    phone: Phone | None = None
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _something(self) -> Registration:
        if not any((self.link, self.phone, self.email)):
            raise ValueError("give at least one of link, phone or email")
        return self


class Workshop(_Entry):
    id: CatalogId
    title: dict[Code, Line]
    description: dict[Code, Paragraph] | None = None
    topics: list[Code] = Field(min_length=1)
    languages: list[Code] = Field(min_length=1)
    start: datetime
    end: datetime
    online: bool = False
    address: Line | None = None
    district: Code | None = None
    provider: CatalogId
    capacity: int | None = Field(default=None, ge=1, le=10000)
    registration: Registration
    cost: Decimal | None = Field(default=None, ge=0, le=100000, decimal_places=2)  # euros; 0 = free

    @field_validator("title")
    @classmethod
    def _title_german(cls, value: dict[str, str]) -> dict[str, str]:
        result = _localized(value, "title")
        assert result is not None
        return result

    @field_validator("description")
    @classmethod
    def _description_german(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _localized(value, "description")

    @field_validator("start", "end")
    @classmethod
    def _zoned(cls, value: datetime, info: ValidationInfo) -> datetime:
        """Times without a zone are local times of the office (MSOBOT_TIMEZONE)."""
        if value.tzinfo is None:
            tz: tzinfo | None = (info.context or {}).get("tz")
            if tz is None:
                raise ValueError("a time zone is needed (the importer passes MSOBOT_TIMEZONE)")
            value = value.replace(tzinfo=tz)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Workshop:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if not self.online and (self.address is None or self.district is None):
            raise ValueError("a workshop in person needs address and district (or online: true)")
        return self

    def text(self, field: str, language: str) -> str | None:
        """Title or description in the reader's language, else German."""
        texts: dict[str, str] | None = getattr(self, field)
        if not texts:
            return None
        return texts.get(language) or texts["de"]
