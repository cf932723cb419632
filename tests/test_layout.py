"""The layout the README and DEVELOPERS.md describe is the layout of the code: every module
belongs to a documented package, imports only what its package may import, and stays small
enough to read."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "conversations").rglob("*.py")])
MODULE_LINES, CLASS_LINES = 350, 300
HEADER = "| package | what it holds | may import |"


@dataclass(frozen=True)
class Rule:
    places: tuple[str, ...]  # dotted: bot.kernel, bot.services, conversations
    allowed: frozenset[str] | None  # dotted prefixes; None: anything


def layout_table(document: Path) -> list[str]:
    lines = document.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER)
    table = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def rules(table: list[str]) -> list[Rule]:
    capabilities = set()
    parsed = []
    for line in table:
        places_cell, _holds, allowed_cell = (cell.strip() for cell in line.strip("|").split("|"))
        places = tuple(p.removesuffix(".py").replace("/", ".") for p in re.findall(r"`([^`]+)`", places_cell))
        tokens = {t if t == "conversations" else f"bot.{t}" for t in re.findall(r"`([^`]+)`", allowed_cell)}
        parsed.append((places, allowed_cell, tokens))
        capabilities.update(p for p in places if p.startswith("bot.") and p.count(".") == 1)
    result = []
    for places, cell, tokens in parsed:
        if "everything" in cell:
            result.append(Rule(places, None))
            continue
        if "every capability" in cell:
            tokens |= {c for c in capabilities if c not in ("bot.cli", "bot.console", "bot.services", "bot.__main__")}
        result.append(Rule(places, frozenset(tokens)))
    return result


def dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rule_for(module: str, table: list[Rule]) -> tuple[str, Rule] | None:
    found = [(place, rule) for rule in table for place in rule.places
             if module == place or module.startswith(place + ".")]
    return max(found, key=lambda item: len(item[0])) if found else None


def imports(path: Path) -> list[tuple[int, str]]:
    """Every project module a file imports, at any depth (TYPE_CHECKING and lazy imports too),
    relative imports resolved against the file's package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [_absolute(path, node)] if isinstance(node, ast.ImportFrom) else []
        found += [(node.lineno, n) for n in names if n.split(".")[0] in ("bot", "conversations")]
    return found


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[:len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def package_graph(table: list[Rule], sources: list[tuple[str, Path]]) -> dict[str, set[str]]:
    """Which package (a place of the table) imports which other, from the code."""
    graph: dict[str, set[str]] = {}
    for module, path in sources:
        match = rule_for(module, table)
        if match is None:
            continue
        for _line, target in imports(path):
            other = rule_for(target, table)
            if other is not None and other[0] != match[0]:
                graph.setdefault(match[0], set()).add(other[0])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle reachable in `graph`, each once, as the packages along it."""
    found: dict[frozenset[str], list[str]] = {}

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt):]
                found.setdefault(frozenset(cycle), cycle)
            else:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return list(found.values())


def violations(table: list[Rule], sources: list[tuple[str, Path]]) -> list[str]:
    """`sources`: (dotted module name, file) pairs."""
    problems = []
    for module, path in sources:
        if module == "bot":
            continue
        match = rule_for(module, table)
        if match is None:
            problems.append(f"{module}: in no package of the layout table")
            continue
        place, rule = match
        if rule.allowed is None:
            continue
        for line, target in imports(path):
            own = target == place or target.startswith(place + ".")
            if not own and not any(target == a or target.startswith(a + ".") for a in rule.allowed):
                problems.append(f"{module}:{line}: {place} may not import {target}")
    return problems


@pytest.fixture(scope="module")
def table() -> list[Rule]:
    return rules(layout_table(ROOT / "DEVELOPERS.md"))


def test_the_readme_and_developers_md_show_the_same_layout() -> None:
    assert layout_table(ROOT / "README.md") == layout_table(ROOT / "DEVELOPERS.md")


def test_every_module_imports_only_what_its_package_may(table: list[Rule]) -> None:
    problems = violations(table, [(dotted(path), path) for path in SOURCES])
    assert not problems, "\n".join(problems)


def test_the_rules_that_matter_most_are_in_the_table(table: list[Rule]) -> None:
    by_place = {place: rule for rule in table for place in rule.places}
    assert by_place["bot.kernel"].allowed == frozenset()  # the kernel imports no capability
    storage = by_place["bot.storage"].allowed  # storage imports no service
    services = ("bot.survey", "bot.suggestions", "bot.staff", "bot.digest", "bot.privacy", "bot.outbox")
    assert storage is not None and not any(a.startswith(services) for a in storage)
    for place, rule in by_place.items():  # only the entry point starts the Telegram adapter
        if place.startswith("bot") and place not in ("bot.cli", "bot.__main__"):
            assert rule.allowed is not None and "conversations" not in rule.allowed, place


def test_the_check_catches_a_forbidden_import(table: list[Rule], tmp_path: Path) -> None:
    """The check itself can fail: a kernel module that imports the survey or the Telegram
    adapter is reported, and so is a module in no documented package."""
    probe = tmp_path / "probe.py"
    probe.write_text("from bot.survey.turns import Visitor\nimport conversations.app\n", encoding="utf-8")
    assert violations(table, [("bot.kernel.probe", probe), ("bot.newthing.probe", probe)]) == [
        "bot.kernel.probe:1: bot.kernel may not import bot.survey.turns",
        "bot.kernel.probe:2: bot.kernel may not import conversations.app",
        "bot.newthing.probe: in no package of the layout table",
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_classes_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MODULE_LINES, f"{path.name}: split it along its seams"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno is not None
            assert node.end_lineno - node.lineno + 1 <= CLASS_LINES, f"class {node.name}: split it along its seams"


def test_the_packages_import_each_other_in_layers_without_a_cycle(table: list[Rule]) -> None:
    graph = package_graph(table, [(dotted(path), path) for path in SOURCES])
    assert not cycles(graph), "\n".join(" -> ".join([*c, c[0]]) for c in cycles(graph))


def test_the_checks_see_relative_imports_and_cycles(table: list[Rule], tmp_path: Path) -> None:
    """The layout checks themselves: a relative import is checked like an absolute one, and a
    cycle between two packages is found."""
    package = ROOT / "bot" / "kernel"
    relative = ast.parse("from ..survey import service\nfrom .text import clean_line\n")
    found = [_absolute(package / "outcome.py", node) for node in ast.walk(relative)
             if isinstance(node, ast.ImportFrom)]
    assert found == ["bot.survey", "bot.kernel.text"]
    assert cycles({"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}}) == [["bot.a", "bot.b", "bot.c"]]
    assert cycles({"bot.a": {"bot.b"}, "bot.b": set()}) == []


def test_only_the_adapter_layer_knows_telegram() -> None:
    """The rows whose description starts with "adapter:" are the adapter layer (Telegram, the
    console, the command line, the review gallery, the office's web view); no other module imports
    python-telegram-bot or the web server and its templates."""
    table = layout_table(ROOT / "DEVELOPERS.md")
    adapters = [p.removesuffix(".py").replace("/", ".") for line in table
                if line.strip("|").split("|")[1].strip().startswith("adapter:")
                for p in re.findall(r"`([^`]+)`", line.strip("|").split("|")[0])]
    assert {"conversations", "bot.console", "bot.review", "bot.cli", "bot.web"} <= set(adapters)
    found = []
    for path in SOURCES:
        module = dotted(path)
        if any(module == a or module.startswith(a + ".") for a in adapters):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{module}:{node.lineno}: {n}" for n in names
                      if n.split(".")[0] in ("telegram", "tornado", "jinja2")]
    assert not found, "\n".join(found)


SQL_DRIVERS = ("sqlite3", "aiosqlite")
SQL_STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE"
                           r"|CREATE|ALTER|DROP|WITH|VACUUM|ATTACH) ")


def sql_outside_storage(sources: list[tuple[str, Path]]) -> list[str]:
    """Every import of an SQLite driver and every string that starts like an SQL statement in
    a module outside `bot.storage` (`sources`: dotted name, file)."""
    found = []
    for module, path in sources:
        if module == "bot.storage" or module.startswith("bot.storage."):
            continue
        lines: list[tuple[int, str]] = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            lines += [(node.lineno, f"imports {n}") for n in names if n.split(".")[0] in SQL_DRIVERS]
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATEMENT.match(node.value):
                lines.append((node.lineno, f"SQL {node.value.strip()[:40]!r}"))
        found += [f"{module}:{line}: {what}" for line, what in sorted(lines)]
    return found


def test_all_sql_is_in_storage() -> None:
    """Only `bot/storage` talks to SQLite: no other module imports the driver or holds an SQL
    statement (what code outside catches, storage names: `bot.storage.database.DatabaseError`)."""
    problems = sql_outside_storage([(dotted(path), path) for path in SOURCES])
    assert not problems, "\n".join(problems)


def test_the_sql_check_catches_a_driver_and_a_statement(tmp_path: Path) -> None:
    """The check itself can fail: a driver imported (plainly, by name, lazily) and statements
    (plain, formatted, in a script) outside storage are reported; the same file in storage is not."""
    probe = tmp_path / "probe.py"
    probe.write_text('import sqlite3\n\n\ndef f(db, t):\n    from aiosqlite import Row\n'
                     '    db.execute("SELECT 1 FROM users")\n    db.execute(f"PRAGMA {t}")\n'
                     '    db.executescript("""\n        CREATE TABLE x (a);""")\n'
                     '    return "Select a workshop", "UPDATES"\n', encoding="utf-8")
    assert sql_outside_storage([("bot.operations.probe", probe), ("bot.storage.probe", probe)]) == [
        "bot.operations.probe:1: imports sqlite3",
        "bot.operations.probe:5: imports aiosqlite",
        "bot.operations.probe:6: SQL 'SELECT 1 FROM users'",
        "bot.operations.probe:7: SQL 'PRAGMA'",
        "bot.operations.probe:8: SQL 'CREATE TABLE x (a);'",
    ]
