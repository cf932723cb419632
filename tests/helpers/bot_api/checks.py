"""What the Telegram Bot API refuses, as one function the stubs call before they act.

`refusal(method, params)` answers None for a call Telegram would take, or the `Refusal` it would
answer with. Two sources: `spec.json` (parameter names, types, which are required, the fixed
values of a field — the public machine-readable description of the Bot API, see
`update_spec.py`) and the limits Telegram states in its prose (`limits.py`). Parameters arrive
as they travel: each one a string (objects JSON-encoded) or an uploaded file.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers.bot_api import limits

SPEC_FILE = Path(__file__).with_name("spec.json")
_INTEGER = re.compile(r"-?\d+")
_SCALARS = {"Integer", "String", "Boolean", "Float", "InputFile"}


@dataclass(frozen=True)
class Refusal:
    status: int
    description: str

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.status, "description": self.description}


class _Refused(Exception):
    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.refusal = Refusal(status, description)


@functools.cache
def spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


def version() -> str:
    return str(spec()["version"])


def known(method: str) -> bool:
    return method in spec()["methods"]


def decode(method: str, form: dict[str, Any]) -> dict[str, Any]:
    """The parameters as Telegram reads them: integers, booleans and objects decoded by what the
    spec says each parameter is; an undecodable value stays a string (and is refused by `refusal`)."""
    fields = {f["name"]: f["types"] for f in spec()["methods"].get(method, {}).get("fields", [])}
    return {key: _decode_value(value, fields.get(key, ["String"])) for key, value in form.items()}


def refusal(method: str, params: dict[str, Any]) -> Refusal | None:
    """`params` as `decode` returns them."""
    if not known(method):
        return Refusal(404, "Not Found: method not found")
    try:
        _check_fields(spec()["methods"][method]["fields"], params, method)
        limits.check(method, params)
    except _Refused as exc:
        return exc.refusal
    except limits.LimitExceeded as exc:
        return Refusal(400, f"Bad Request: {exc.args[0]}")
    return None


def _decode_value(value: Any, types: list[str]) -> Any:
    if not isinstance(value, str):
        return value  # an uploaded file
    if "Integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "Boolean" in types and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    if "Float" in types:
        try:
            return float(value)
        except ValueError:
            pass
    if any(t not in _SCALARS for t in types):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_fields(fields: list[dict[str, Any]], given: dict[str, Any], where: str) -> None:
    for field in fields:
        name = field["name"]
        if name not in given or given[name] is None:
            if field["required"]:
                raise _Refused(f"Bad Request: {name} is empty" if where[0].islower() else
                               f"Bad Request: field \"{name}\" must be specified in {where}")
            continue
        value = given[name]
        if not any(_is(value, kind) for kind in field["types"]):
            raise _Refused(f"Bad Request: can't parse {name}: expected {' or '.join(field['types'])}")
        if "const" in field and value != field["const"]:
            raise _Refused(f"Bad Request: wrong {where} type \"{value}\"")


def _is(value: Any, kind: str) -> bool:
    if kind.startswith("Array of "):
        return isinstance(value, list) and all(_is(item, kind[len("Array of "):]) for item in value)
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "String":
        return isinstance(value, str)
    if kind == "InputFile":
        return hasattr(value, "file") or (isinstance(value, str) and value.startswith("attach://"))
    return _is_object(value, kind)


def _is_object(value: Any, kind: str) -> bool:
    entry = spec()["types"].get(kind)
    if entry is None or not isinstance(value, dict):
        return False
    if "subtypes" in entry:
        candidates = [s for s in entry["subtypes"] if _type_const(s) == value.get("type")]
        if len(candidates) != 1:
            raise _Refused(f"Bad Request: unsupported {kind} type \"{value.get('type')}\"")
        return _is_object(value, candidates[0])
    _check_fields(entry["fields"], value, kind)
    return True


def _type_const(kind: str) -> str | None:
    for field in spec()["types"][kind]["fields"]:
        if field["name"] == "type":
            return field.get("const")
    return None
