"""Load the questionnaire YAML and turn every fault into a message staff can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.questionnaire import checks
from bot.questionnaire.model import Questionnaire


@dataclass(frozen=True)
class Problem:
    file: str
    question: str | None
    message: str

    def __str__(self) -> str:
        where = f"question '{self.question}': " if self.question else ""
        return f"{self.file}: {where}{self.message}"


class QuestionnaireError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so an option id `no` or `yes` stays a string."""


YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def default_path() -> Path:
    return Path(str(resources.files("bot.questionnaire") / "mso_needs.yaml"))


def load(path: Path | None = None) -> Questionnaire:
    """Read, validate and cross-check a questionnaire file; raise QuestionnaireError."""
    path = path or default_path()
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)
    except OSError as exc:
        raise QuestionnaireError([Problem(name, None, f"cannot read the file: {exc.strerror}")]) from exc
    except yaml.YAMLError as exc:
        raise QuestionnaireError([Problem(name, None, f"not valid YAML: {exc}")]) from exc
    try:
        questionnaire = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise QuestionnaireError(_explain(name, raw, exc)) from exc
    found = [Problem(name, qid, message) for qid, message in checks.problems(questionnaire)]
    if found:
        raise QuestionnaireError(found)
    return questionnaire


def _explain(name: str, raw: Any, error: ValidationError) -> list[Problem]:
    result = []
    for item in error.errors():
        loc = tuple(item["loc"])
        if _other_union_branch(raw, loc):
            continue
        question, field = _question_at(raw, loc)
        result.append(Problem(name, question, f"{field}: {_message(item)}" if field else _message(item)))
    return result


_UNION_PREFIXES = ("list[", "constrained-", "function-")
_UNION_NAMES = {"str", "int", "Condition", "Option"}


def _is_union_tag(key: Any) -> bool:
    return isinstance(key, str) and (key in _UNION_NAMES or key.startswith(_UNION_PREFIXES))


def _other_union_branch(raw: Any, loc: tuple[Any, ...]) -> bool:
    """True for an error from the union branch that does not match the value's kind."""
    node = raw
    for key in loc:
        if _is_union_tag(key):
            return str(key).startswith("list[") != isinstance(node, list)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    return False


def _message(item: Any) -> str:
    if item["type"] == "missing":
        return "missing"
    if item["type"] == "extra_forbidden":
        return "unknown field"
    return str(item["msg"]).removeprefix("Value error, ")


def _question_at(raw: Any, loc: tuple[Any, ...]) -> tuple[str | None, str]:
    """Find the question id on the error's path and the field below it."""
    node = raw
    question: str | None = None
    rest_from = 0
    for index, key in enumerate(loc):
        parent_is_questions = index > 0 and loc[index - 1] == "questions"
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if parent_is_questions:
            question = str(node.get("id")) if isinstance(node, dict) and node.get("id") else f"#{key + 1}"
            rest_from = index + 1
    start = rest_from if question is not None else 0
    fields = [str(k) for k in loc[start:] if not _is_union_tag(k)]
    return question, ".".join(fields)
