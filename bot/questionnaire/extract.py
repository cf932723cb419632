"""Babel extractor: every text of a questionnaire YAML file goes into the gettext catalogs.

Registered in pyproject.toml's `[tool.babel]` mapping, so `pybabel extract -F pyproject.toml`
picks it up; each entry carries the ids it belongs to as a translator comment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

TEXT_KEYS = ("title", "text", "hint", "label")
# What each kind of text is, for the translator: a label is shown on a button.
ROLES = {"title": "title", "text": "question or text", "hint": "hint below the question",
         "label": "a button: a few words"}


def extract_questionnaire(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) as Babel expects of an extraction method."""
    encoding = str(options.get("encoding", "utf-8"))
    root = yaml.compose(fileobj.read().decode(encoding), Loader=yaml.SafeLoader)
    if root is not None:
        yield from _walk(root, [])


def _walk(node: yaml.Node, path: list[str]) -> Iterator[tuple[int, str, str, list[str]]]:
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _walk(child, path)
    elif isinstance(node, yaml.MappingNode):
        ident = next((v.value for k, v in node.value
                      if k.value == "id" and isinstance(v, yaml.ScalarNode)), None)
        here = [*path, str(ident)] if ident is not None else path
        for key, value in node.value:
            if key.value in TEXT_KEYS and isinstance(value, yaml.ScalarNode) and value.value.strip():
                where = ".".join(here) or "questionnaire"
                yield value.start_mark.line + 1, "gettext", value.value.strip(), [f"{where} ({ROLES[key.value]})"]
            else:
                nested = here if key.value in ("sections", "questions", "options") else [*here, key.value]
                yield from _walk(value, nested)
