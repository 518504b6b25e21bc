"""All user-facing wording lives in bot/rendering: the adapters (Discord, console, CLI) and
the application layer print, write and notify only what a rendering function composed.

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
# Calls whose text a person reads: print(...), stream.write(...), render_notice(...).
SHOWN = {"print", "write", "render_notice"}


def _words(node: ast.AST, constants: dict[str, ast.AST]) -> str | None:
    """The first piece of literal wording (a string with letters) in an expression, following
    names bound to module-level constants; None when it has none."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and any(c.isalpha() for c in sub.value):
            return sub.value
        if isinstance(sub, ast.Name) and sub.id in constants:
            found = _words(constants[sub.id], {})
            if found is not None:
                return f"{sub.id} = {found!r}"
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
        if name not in SHOWN:
            continue
        for arg in node.args:
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
    )
    sample.write_text(source, encoding="utf-8")
    found = wording_outside_rendering(sample)
    assert [line.split(": ", 1)[1].split("(", 1)[0] for line in found] == ["print", "write", "print", "render_notice"]
