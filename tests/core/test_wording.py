"""All user-facing wording lives in bot/rendering: the adapters (Discord, console, CLI) and
the application layer print, write and notify only what a rendering function composed, and
describe their commands (Discord's command list, `python -m bot --help`) with its texts.

Checked on the source, because "where does this sentence live" is a property of the code:
a sentence typed into an adapter's print(), stream write() or render_notice() fails here,
as does a module-level string constant of the adapter's own that one of them prints
(client.py's MISSING_TOKEN and MALFORMED_TOKEN were such constants). Log messages may stay
where they are: they are for the log, not for the person in front of the bot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = sorted(
    [
        *(ROOT / "bot" / "discord").rglob("*.py"),
        ROOT / "bot" / "console.py",
        ROOT / "bot" / "__main__.py",
        ROOT / "bot" / "app.py",
        ROOT / "bot" / "service.py",
    ]
)
# Calls whose text a person reads: print(...), stream.write(...), render_notice(...); and
# what Discord and argparse show for a command: description=..., help=..., describe(option=...).
SHOWN = {"print", "write", "render_notice"}
SHOWN_KEYWORDS = {"description", "help"}
DESCRIBE = "describe"


def _words(node: ast.AST, constants: dict[str, ast.AST]) -> str | None:
    """The first piece of literal wording (a string with letters) in an expression, following
    names bound to module-level constants; None when it has none. A key looked up in a table
    (`COMMAND_HELP["kb add"]`) names the text, it is not the text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        found = _words(constants[node.id], {})
        return f"{node.id} = {found!r}" if found is not None else None
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.Subscript) and child is node.slice:
            continue
        found = _words(child, constants)
        if found is not None:
            return found
    return None


def _module_constants(tree: ast.Module) -> dict[str, ast.AST]:
    out: dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            out[stmt.targets[0].id] = stmt.value
    return out


def wording_outside_rendering(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _module_constants(tree)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        shown = list(node.args) if name in SHOWN else []
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS or name == DESCRIBE]
        for arg in shown:
            words = _words(arg, constants)
            if words is not None:
                found.append(f"{where}:{node.lineno}: {name}({words[:60]!r})")
    return found


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_adapters_show_only_wording_composed_in_rendering(path: Path) -> None:
    assert wording_outside_rendering(path) == []


def test_the_check_finds_wording_typed_into_an_adapter(tmp_path: Path) -> None:
    """The check itself can fail: literal text, an f-string and a module constant are found;
    a rendering call and a bare newline are not."""
    sample = tmp_path / "adapter.py"
    source = (
        'HINT = "Try again " + "later."\n'
        "def f(out, x):\n"
        '    print("error: no token", file=out)\n'
        '    out.write(f"wrote {x} gaps\\n")\n'
        "    print(HINT)\n"
        "    out.write(render_help(x) + '\\n')\n"
        '    render_notice(f"Cannot read {x}")\n'
        '@app_commands.command(name="ask", description="Ask a question")\n'
        '@app_commands.describe(question="What do you want to know?")\n'
        "async def ask(interaction, question): ...\n"
        "def parser(p):\n"
        '    p.add_argument("--json", help="print JSON", action="store_true")\n'
        "@app_commands.command(name=NAME, description=TEXT.ask)\n"
        "async def quiet(interaction): ...\n"
        '@app_commands.command(name="help", description=COMMAND_HELP["help"])\n'
        "async def looked_up(interaction): ...\n"
    )
    sample.write_text(source, encoding="utf-8")
    found = wording_outside_rendering(sample)
    shown = [line.split(": ", 1)[1].split("(", 1)[0] for line in found]
    assert sorted(shown) == sorted(["print", "write", "print", "render_notice", "command", "describe", "add_argument"])
