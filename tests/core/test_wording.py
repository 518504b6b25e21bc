"""All user-facing wording lives in bot/rendering: the adapters (Discord, console, CLI) and
the application layer print, write and notify only what a rendering function composed, and
describe their commands (Discord's command list, `python -m bot --help`) with its texts.

Checked on the source, because "where does this sentence live" is a property of the code:
a sentence typed into an adapter's print(), stream write() or render_notice() fails here,
as does a module-level string constant of the adapter's own that one of them prints
(client.py's MISSING_TOKEN and MALFORMED_TOKEN were such constants). Log messages may stay
where they are: they are for the log, not for the person in front of the bot.

The core and the service word no error either: a BotError (or a class derived from it)
raised with a literal text or an f-string anywhere in bot/ outside bot/rendering fails, as
does the reason of a SkippedFile (a line of the reload report) typed beside the code. Their
texts live in bot/rendering/errors.py; a RuntimeError, TypeError or ValueError only a bug
can cause keeps its own words.

The core modules whose results a rendering function words (the eval report, knowledge gaps,
the application layer's outcomes) compose no text at all: an f-string with letters or a
phrase of words there fails (bot/evaluate.py once built its report and its misses' sentences
itself). Docstrings, log messages, raised errors (checked above) and keys (a dict's, a
subscript's: `f["hit@1"]` names a figure) are not looked at.
"""

from __future__ import annotations

import ast
import re
import sys
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


CORE = sorted(p for p in (ROOT / "bot").rglob("*.py") if "rendering" not in p.relative_to(ROOT).parts)
# Beside the errors, what the reload report lists: a skipped file's reason.
REPORTED = {"SkippedFile"}


def error_classes(paths: list[Path], known: frozenset[str] = frozenset({"BotError"})) -> set[str]:
    """BotError (or `known`) and every class derived from it in `paths`, found on the source
    so that a new error class is checked without being listed here."""
    bases: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else b.attr
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                }
                bases.setdefault(node.name, set()).update(names)
    found = set(known)
    while more := {name for name, parents in bases.items() if parents & found} - found:
        found |= more
    return found


ERRORS = frozenset(error_classes(CORE))


def _composed(node: ast.AST, names: dict[str, list[ast.AST]], follow: bool = True) -> str | None:
    """Wording in an error's argument: literal text or an f-string (which composes a message
    even when its letters all come from values), also through a name bound to one (a module
    constant, a local `why = "..."`), and a text's own method ("cannot read {}".format(x)).
    What another call is given is not looked into (`wording.cannot_read_file(name.decode(
    "ascii"), ...)`: the call composes the text), nor any other attribute's object
    (`s.shard_count`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return ast.unparse(node)
    if isinstance(node, ast.Name):
        for value in names.get(node.id, []) if follow else []:
            found = _composed(value, names, follow=False)
            if found is not None:
                return f"{node.id} = {found!r}"
        return None
    if isinstance(node, ast.Call):
        return _composed(node.func, names, follow) if isinstance(node.func, ast.Attribute) else None
    if isinstance(node, ast.Attribute):
        return _composed(node.value, names, follow) if isinstance(node.value, ast.Constant | ast.JoinedStr) else None
    if isinstance(node, ast.Subscript):
        return None
    for child in ast.iter_child_nodes(node):
        found = _composed(child, names, follow)
        if found is not None:
            return found
    return None


def _local_names(scope: ast.AST) -> dict[str, list[ast.AST]]:
    """Every value a plain name is given in a function (`why = "..."`, then SkippedFile(rel, why))."""
    out: dict[str, list[ast.AST]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out.setdefault(node.target.id, []).append(node.value)
    return out


def _shown_arguments(call: ast.Call, name: str) -> list[ast.AST]:
    """An error's message; a SkippedFile's reason (its path is no wording)."""
    if name in REPORTED:
        return [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "reason")]
    return [*call.args, *(k.value for k in call.keywords)]


def errors_worded_outside_rendering(path: Path, errors: frozenset[str] = ERRORS) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = {name: [value] for name, value in _module_constants(tree).items()}
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    classes = error_classes([path], known=errors)  # a sample file's own error classes too
    found: dict[tuple[int, str], str] = {}
    scopes = [(tree, module)]
    scopes += [
        (f, {**module, **_local_names(f)})
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for scope, names in scopes:
        for node in ast.walk(scope):
            shown: list[tuple[str, ast.AST, dict[str, list[ast.AST]]]] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in classes or name in REPORTED:
                    shown = [(name, arg, names) for arg in _shown_arguments(node, name)]
            elif isinstance(node, ast.ClassDef) and node.name in classes:
                # A default message (`def __init__(self, message="...")`) is wording too.
                for f in (f for f in node.body if isinstance(f, ast.FunctionDef)):
                    shown += [(node.name, d, module) for d in [*f.args.defaults, *f.args.kw_defaults] if d is not None]
            for name, arg, known in shown:
                words = _composed(arg, known)
                if words is not None:
                    found[(arg.lineno, name)] = f"{where}:{arg.lineno}: {name}({words[:60]!r})"
    return [found[key] for key in sorted(found)]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_raises_only_errors_worded_in_rendering(path: Path) -> None:
    assert errors_worded_outside_rendering(path) == []


def test_the_error_classes_are_found() -> None:
    assert {"BotError", "KnowledgeError", "ConfigError", "IndexFormatError", "ReaderTimeout"} <= ERRORS
    assert {"StoreError", "PassageError"} <= ERRORS
    assert "RuntimeError" not in ERRORS


def test_the_check_finds_error_texts_typed_into_the_core(tmp_path: Path) -> None:
    """The check itself can fail: a literal, an f-string, a module constant, a local reason,
    a default message and an error class of the file's own are found; texts from rendering,
    an exception passed on and a RuntimeError (a bug's diagnostic) are not."""
    sample = tmp_path / "core.py"
    source = (
        'MISSING = "the folder is missing"\n'
        "class OwnError(KnowledgeError):\n"
        '    def __init__(self, message="it went wrong"): ...\n'
        "def f(root, exc, rel):\n"
        '    raise KnowledgeError(f"knowledge directory {root} does not exist")\n'
        '    raise ConfigError("SHARD_IDS is set")\n'
        "    raise IndexFormatError(MISSING)\n"
        '    raise OwnError(f"{root}: {exc}")\n'
        '    why = "it is not a regular file"\n'
        "    skipped.append(SkippedFile(rel, why))\n"
        '    return errors.StoreError(f"the database could not be read ({exc})")\n'
        '    raise KnowledgeError("cannot read {}".format(rel))\n'
        "def fine(root, exc, rel):\n"
        "    raise KnowledgeError(wording.knowledge_dir_missing(root))\n"
        "    raise KnowledgeError(wording.NO_TEXT_LEFT) from None\n"
        "    raise BotError(str(exc))\n"
        '    raise RuntimeError("KnowledgeService used before open()")\n'
        '    skipped.append(SkippedFile(rel + "/", wording.folder_unlistable(exc)))\n'
    )
    sample.write_text(source, encoding="utf-8")
    found = errors_worded_outside_rendering(sample)
    shown = [line.split(": ", 1)[1].split("(", 1)[0] for line in found]
    assert shown == [
        "OwnError",
        "KnowledgeError",
        "ConfigError",
        "IndexFormatError",
        "OwnError",
        "SkippedFile",
        "StoreError",
        "KnowledgeError",
    ]


def test_the_error_texts_are_a_leaf_module() -> None:
    """The core imports bot/rendering/errors.py: it may import only the standard library
    (no cycle, no Discord), and importing it runs bot/rendering/__init__.py, which imports
    nothing."""
    leaf = ast.parse((ROOT / "bot" / "rendering" / "errors.py").read_text(encoding="utf-8"))
    package = ast.parse((ROOT / "bot" / "rendering" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(package) if isinstance(n, ast.Import | ast.ImportFrom)]
    imported = set()
    for node in ast.walk(leaf):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import"
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    top = {name.split(".")[0] for name in imported}
    assert top <= set(sys.stdlib_module_names) | {"__future__"}, top


# The core modules that hand a rendering function data to word: nothing else in them needs text.
# bot/answer.py once worded an answer's confidence ("no answer", "high", "medium") itself.
REPORTS = [ROOT / "bot" / name for name in ("answer.py", "evaluate.py", "gaps.py", "outcomes.py")]
PHRASE = re.compile(r"[^\W\d_]{2,} [^\W\d_]{2,}")  # two words: "no misses", not "utf-8" or "\\s+"
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _not_wording(tree: ast.Module) -> set[ast.AST]:
    """What the check leaves alone: docstrings, raised errors, log calls, keys."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(first.value)
        elif isinstance(node, ast.Raise):
            out.update(ast.walk(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOG_CALLS:
            out.update(ast.walk(node))
        elif isinstance(node, ast.Dict):
            out.update(n for k in node.keys if k is not None for n in ast.walk(k))
        elif isinstance(node, ast.Subscript):
            out.update(ast.walk(node.slice))
    return out


def text_composed_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    skip = _not_wording(tree)
    found = []
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(ast.walk(node))  # its literal parts and format specs are this text
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if any(c.isalpha() for c in literal):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:60]}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and PHRASE.search(node.value):
            found.append(f"{where}:{node.lineno}: {node.value[:60]!r}")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_reports_are_data_worded_in_rendering(path: Path) -> None:
    assert text_composed_in(path) == []


def test_the_check_finds_a_report_composed_in_the_core(tmp_path: Path) -> None:
    """The check itself can fail: sentences kept in a result (an f-string, a phrase) and a
    report's lines are found; a docstring, a log message, a raised error, keys, a file's
    encoding and a regular expression are not."""
    sample = tmp_path / "evaluate.py"
    source = (
        '"""Measure answers against a question file."""\n'
        "def score(report, q, answer, top, rank):\n"
        '    """Count one question."""\n'
        '    report.misses.append(f"snippet lacks {q.gold!r}")\n'
        '    got = top.label if top else "nothing"\n'
        '    report.misses.append(f"top passage {got}" + (f" (found at rank {rank})" if rank else ""))\n'
        "def format_report(report):\n"
        '    lines = ["no misses"]\n'
        '    lines.append(f"{report.answerable} answerable")\n'
        '    return "\\n".join(lines)\n'
        "def fine(path, obj, f, n):\n"
        '    log.info("read %d questions from %s", n, path)\n'
        '    logger.warning(f"skipped line {n} of {path}")\n'
        '    raise ValueError(f"bad value on line {n}")\n'
        '    counts = {"unanswerable rejected": f["false rejections"], "q": obj.get("paras")}\n'
        '    path.read_text(encoding="utf-8")\n'
        '    re.compile(r"\\s+")\n'
        '    return f"{n}:{path}"\n'
    )
    sample.write_text(source, encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in text_composed_in(sample)]
    assert found == [
        "f'snippet lacks {q.gold!r}'",
        "f'top passage {got}'",
        "f' (found at rank {rank})'",
        "'no misses'",
        "f'{report.answerable} answerable'",
    ]


def test_the_citation_is_data_worded_in_rendering() -> None:
    """bot/answer.py's Citation holds fields only: its label ("Title › Section · ¶N") is
    composed by bot/rendering/citation.py, the same place text the Discord citation uses."""
    from bot.answer import Citation
    from bot.rendering.citation import citation_label
    from bot.rendering.messages import citation_markdown

    tree = ast.parse((ROOT / "bot" / "answer.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "Citation"]
    body = cls.body[1:] if isinstance(cls.body[0], ast.Expr) else cls.body  # past the docstring
    assert all(isinstance(n, ast.AnnAssign) for n in body), "Citation computes something"
    for c in (Citation("a.md", "Guide", 3, section=("Install", "Linux")), Citation("r.pdf", "Rules", 7, page=4)):
        assert citation_label(c) == citation_markdown(c, link=False)
    assert citation_label(Citation("r.pdf", "Rules", 7, section=("Conduct",), page=4)) == "Rules › Conduct · p. 4 · ¶7"
