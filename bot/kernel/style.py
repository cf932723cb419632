"""A language's style sheet: `locales/<lang>/STYLE.md`, prose for translators with a short
YAML front matter the program reads too.

    ---
    name: کوردی (سۆرانی)      # how the language picker names it (default: Babel's name)
    digits: arab              # latn (0-9), arab (٠-٩) or arabext (۰-۹): one system per language
    near: ku                  # listed in the picker right after this language (default: at the end)
    dates:                    # Babel date patterns where the locale's own read wrong (default: Babel's)
      medium: "d'ی' MMMM'ی' y"
      full: "EEEE d'ی' MMMM'ی' y"
    date_locale: ar_SY        # the locale whose month names dates use (default: the language's)
    clock: 24                 # 24- or 12-hour times (default: the locale's)
    ---

The digits chosen there are applied to everything Babel formats (numbers, dates), so a
catalog that writes "۵" never stands beside a formatted "27"; the catalog test holds the
catalog's own digits to the same choice.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

STYLE_FILE = "STYLE.md"
DIGITS = {"latn": "0123456789", "arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}


class LanguageStyle(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    digits: Literal["latn", "arab", "arabext"] = "latn"
    near: str | None = None
    dates: dict[Literal["medium", "full"], str] = {}
    date_locale: str | None = None
    clock: Literal[12, 24] | None = None

    def write_digits(self, text: str) -> str:
        """Latin digits (as Babel writes them) in this language's digits."""
        if self.digits == "latn":
            return text
        return text.translate(str.maketrans(DIGITS["latn"], DIGITS[self.digits]))


class StyleError(ValueError):
    pass


def front_matter(text: str) -> str | None:
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 4)
    return text[4:end] if end != -1 else None


@cache
def language_style(directory: Path, code: str) -> LanguageStyle:
    """The style of `code` in a locales directory; the defaults when it has no style sheet."""
    path = directory / code / STYLE_FILE
    if not path.is_file():
        return LanguageStyle()
    header = front_matter(path.read_text(encoding="utf-8"))
    try:
        return LanguageStyle.model_validate(yaml.safe_load(header) or {} if header else {})
    except (yaml.YAMLError, ValidationError) as error:
        raise StyleError(f"{path}: {error}") from error
