"""Sphinx's roles and directives by what they hold, for both of its source formats:
reStructuredText (readers/_rst_sphinx.py teaches them to docutils) and MyST Markdown
(readers/markdown.py reads its `{role}`text`` and ```{directive} fences). One table, so a
role reads the same whichever format a project writes its docs in."""

from __future__ import annotations

# Roles whose text is code: API objects, options, files, keys.
CODE_ROLES = frozenset(
    {
        "func",
        "meth",
        "class",
        "attr",
        "mod",
        "obj",
        "data",
        "const",
        "exc",
        "any",
        "envvar",
        "option",
        "program",
        "file",
        "samp",
        "command",
        "kbd",
        "makevar",
        "mailheader",
        "regexp",
        "confval",
        "setting",
        "macro",
        "type",
        "member",
        "var",
        "enum",
        "enumerator",
        "struct",
        "union",
        "expr",
        "texpr",
        "func-sig",
        "decorator",
        "property",
        "keyword",
        "token",
        "directive",
        "role",
        "dfn-code",
    }
)
# Roles whose text is prose (cross-references and labels).
TEXT_ROLES = frozenset(
    {
        "ref",
        "doc",
        "term",
        "numref",
        "download",
        "abbr",
        "menuselection",
        "guilabel",
        "dfn",
        "index",
        "manpage",
        "issue",
        "pr",
        "ghissue",
        "user",
        "commit",
        "eq",
        "cite",
        "footcite",
    }
)
# Domains whose roles name code (":py:func:", ":c:macro:", ":js:class:", …).
CODE_DOMAINS = frozenset({"py", "c", "cpp", "js", "rst", "std", "rb", "php", "go", "java"})

# Directives whose content is kept as body text.
BODY_DIRECTIVES = frozenset(
    {
        "tabs",
        "tab",
        "group-tab",
        "centered",
        "card",
        "grid",
        "grid-item",
        "grid-item-card",
        "tab-set",
        "tab-item",
        "dropdown",
        "details",
    }
)
# ... and those whose argument is a condition or a class name, not text.
CONTENT_DIRECTIVES = frozenset({"only", "ifconfig", "glossary", "hlist", "cssclass", "rst-class"})
CODE_DIRECTIVES = frozenset({"code-block", "sourcecode", "code-tab", "productionlist", "prompt"})
# autodoc's: the docstring they show is not in the source, but content written under one
# (an autoclass's attributes described by hand) follows it on the page, so with content they
# read as an object description (OBJECT_TYPES); without, as dropped (in both formats).
AUTODOC_DIRECTIVES = frozenset(
    {
        "automodule",
        "autoclass",
        "autofunction",
        "automethod",
        "autoattribute",
        "autodata",
        "autoexception",
        "autodecorator",
        "autoproperty",
        "autonewtypedata",
    }
)
DROP_DIRECTIVES = AUTODOC_DIRECTIVES | frozenset(
    {
        "toctree",
        "index",
        "highlight",
        "currentmodule",
        "module",
        "py:module",
        "py:currentmodule",
        "c:namespace",
        "cpp:namespace",
        "default-domain",
        "autosummary",
        "autoprogram",
        "autoclasstree",
        "inheritance-diagram",
        "graphviz",
        "graph",
        "digraph",
        "plot",
        "uml",
        "mermaid",
        "sectionauthor",
        "moduleauthor",
        "codeauthor",
        "tabularcolumns",
        "include-code",
        "jinja",
        "click",
        "argparse",
        "program",
        "testsetup",
        "testcleanup",
        "meta",
        "contents",
        "sectnum",
        "raw",
        "include",
        "image",
        "carousel",
        "youtube",
        "todolist",
        "bibliography",
        "footbibliography",
        "spelling:word-list",
        "tags",
        "post",
    }
)
# Version notes become boxes titled as Sphinx titles them.
VERSION_TITLES = {
    "versionadded": "New in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
}
BOX_DIRECTIVES = {"seealso": "See also", "todo": "Todo"}
# API object descriptions: ".. function:: open(file)" + text.
OBJECT_TYPES = frozenset(
    {
        "function",
        "method",
        "classmethod",
        "staticmethod",
        "attribute",
        "data",
        "exception",
        "decorator",
        "decoratormethod",
        "property",
        "class",
        "describe",
        "object",
        "envvar",
        "option",
        "cmdoption",
        "confval",
        "macro",
        "type",
        "member",
        "var",
        "struct",
        "union",
        "enum",
        "enumerator",
        "setting",
        "event",
        "coroutinefunction",
        "awaitablefunction",
    }
)

# docutils' own boxes; "admonition" takes its title as the argument.
ADMONITIONS = frozenset(
    {"attention", "caution", "danger", "error", "hint", "important", "note", "tip", "warning", "admonition"}
)


def role_is_code(name: str) -> bool:
    """Whether a role's text is code (`:func:`, `:py:meth:`, `{kbd}`) rather than prose."""
    short = name.rsplit(":", 1)[-1].lower()
    domain = name.split(":", 1)[0].lower() if ":" in name else ""
    return short in CODE_ROLES or (domain in CODE_DOMAINS and short not in TEXT_ROLES)


def explicit_title(text: str) -> tuple[str, str] | None:
    """(title, target) of "Title <target>", None when `text` has no title. As Sphinx's
    explicit_title_re (the target holds no "<", one before it escaped with NUL does not count),
    without a regular expression: one over a run of "<" or of spaces takes quadratic time."""
    body = text.removesuffix("\n")
    k = body.rfind("<")
    if not body.endswith(">") or k <= 0 or body[k - 1] == "\x00":
        return None
    title = body[:k].strip()
    return (title, body[k + 1 : -1]) if title else None


def shown_text(text: str, code: bool = False) -> str:
    """What Sphinx shows for a cross-reference: "Title <target>" shows Title, "!x" shows x,
    and for an object "~a.b.c" shows c and ".x" (a relative lookup) shows x."""
    explicit = explicit_title(text)
    if explicit:
        return explicit[0]
    text = text.lstrip("!")
    if code:
        text = text.lstrip(".")
        if text.startswith("~"):
            text = text[1:].rsplit(".", 1)[-1]
    return text


def role_text(name: str, text: str) -> str:
    """A role's text as shown: code roles by shown_text; a page (`doc`) named without a
    title by its last path part."""
    if role_is_code(name):
        return shown_text(text, code=True)
    shown = shown_text(text)
    if name.lower().endswith("doc") and shown == text.lstrip("!"):
        shown = shown.rstrip("/").rsplit("/", 1)[-1]
    return shown


def ref_label(name: str, text: str) -> str | None:
    """The label a `ref` role links to ("Title <label>" or "label"); None for other roles."""
    if name.lower().rsplit(":", 1)[-1] != "ref":
        return None
    explicit = explicit_title(text)
    label = (explicit[1] if explicit else text).strip().lstrip("!~")
    return label or None
