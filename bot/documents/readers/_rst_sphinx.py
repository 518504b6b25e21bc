"""Sphinx's roles and directives, taught to plain docutils so Sphinx sources read.

docutils knows only its own markup: a Sphinx role (``:func:`open` ``) or directive
(``.. toctree::``) is an error there, and errors must never fail a file or become prose. So
each is registered once with a permissive handler: cross-reference roles read as their text
(code-like ones as a code span), directives either keep their content as body text
(seealso, versionadded, only, tabs, glossary, …), become code (code-block, sourcecode),
describe an API object (function, class, … : signature as code, then the text; autodoc's
too when content is written under them) or are dropped (toctree, autodoc without content,
index, highlight, …). Names neither docutils nor this list knows
are found by scanning the source and registered with the body-keeping fallback.

docutils' registries are process-global, so registration is idempotent and under a lock.
"""

from __future__ import annotations

import re
import threading
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en

from .. import literalinclude, reftitles, sphinx
from ..urls import LABEL_REF

# Bounded name length: on a long "a:a:a:…" run an unbounded name would be quadratic.
_ROLE_IN_SOURCE = re.compile(r"(?<![\w`]):([^\W_][\w:.+-]{0,63}):`")
_DIRECTIVE_IN_SOURCE = re.compile(r"^[ \t]*\.\.[ \t]+([\w][\w:.+-]*)[ \t]*::", re.MULTILINE)

_lock = threading.Lock()
_done_roles: set[str] = set()
_done_directives: set[str] = set()


def prepare(source: str) -> None:
    """Register handlers for every Sphinx or unknown role and directive the source uses."""
    with _lock:
        if not _done_directives:
            for name in sphinx.BODY_DIRECTIVES:
                _register_directive(name, _Body)
            for name in sphinx.CONTENT_DIRECTIVES:
                _register_directive(name, _Content)
            for name in sphinx.CODE_DIRECTIVES:
                _register_directive(name, _CodeBlock)
            for name in sphinx.DROP_DIRECTIVES:
                _register_directive(name, _Drop)
            _register_directive("literalinclude", _LiteralInclude)
            for name in sphinx.AUTODOC_DIRECTIVES:
                _register_directive(name, _AutoDoc)
            for name in sphinx.VERSION_TITLES:
                _register_directive(name, _VersionNote)
            for name in sphinx.BOX_DIRECTIVES:
                _register_directive(name, _Box)
            for name in sphinx.OBJECT_TYPES - {"class"} - set(sphinx.DROP_DIRECTIVES):
                _register_directive(name, _Describe)
            # Sphinx's ".. class:: Name(args)" describes a class; docutils' sets a CSS class.
            _register_directive("class", _ClassOrDescribe)
            for name in sphinx.CODE_ROLES | sphinx.TEXT_ROLES:
                _register_role(name)
            for name in _NUMBERED:
                roles.register_local_role(name, _numbered_role)
                _done_roles.add(name)
        for name in set(_ROLE_IN_SOURCE.findall(source)) - _done_roles:
            if not _docutils_knows_role(name):
                _register_role(name)
            _done_roles.add(name)
        for name in set(_DIRECTIVE_IN_SOURCE.findall(source)) - _done_directives:
            if not _docutils_knows_directive(name):
                short = name.rsplit(":", 1)[-1].lower()
                _register_directive(name, _Describe if short in sphinx.OBJECT_TYPES else _Body)
            _done_directives.add(name)


def _register_directive(name: str, cls: type[Directive]) -> None:
    directives.register_directive(name, cls)
    _done_directives.add(name)


def _register_role(name: str) -> None:
    roles.register_local_role(name, _code_role if sphinx.role_is_code(name) else _text_role)
    _done_roles.add(name)


def _docutils_knows_role(name: str) -> bool:
    key = name.lower()
    return key in roles._roles or key in en.roles or key in roles._role_registry


def _docutils_knows_directive(name: str) -> bool:
    key = name.lower()
    return key in directives._directives or key in en.directives or key in directives._directive_registry


def _code_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    return [nodes.literal(rawtext, sphinx.shown_text(nodes.unescape(text), code=True))], []


def _text_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    raw = nodes.unescape(text)
    shown = sphinx.role_text(name, raw)
    label = sphinx.ref_label(name, raw)
    # Written without a title: Sphinx shows the title of the section or page it names; the
    # reader puts it in when it is known (reftitles.py), else this (the label, or the last
    # part of the page's name).
    untitled = reftitles.untitled_key(str(inliner.document.get("source") or ""), name, raw)
    if label:
        # A cross-reference to a label: kept as a link (documents/links.py finds the section
        # the label names, on any page); it reads as its text all the same.
        ref = nodes.reference(rawtext, shown, refuri=LABEL_REF + label)
        if untitled:
            ref[UNTITLED] = untitled
        return [ref], []
    if untitled:
        page = nodes.inline(rawtext, shown)
        page[UNTITLED] = untitled
        return [page], []
    return [nodes.Text(shown)], []


# Sphinx's :pep: and :rfc: (sphinx.roles.PEP, RFC) take "Title <8#anchor>" and "8#anchor";
# docutils' own take a bare number only and make an error of the rest, which shows as source.
_NUMBERED = {"pep": (roles.pep_reference_role, "PEP"), "rfc": (roles.rfc_reference_role, "RFC")}


def _numbered_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """As Sphinx shows it: the title when one is given, else "PEP 8#anchor"; linked as
    docutils links the number. Not a number: the text as written, as an unknown role's."""
    raw = nodes.unescape(text)
    explicit = sphinx.explicit_title(raw)
    target = (explicit[1] if explicit else raw).strip()
    number, _, anchor = target.partition("#")
    builtin, prefix = _NUMBERED[name.lower()]
    made, messages = builtin(name, rawtext, number.strip(), lineno, inliner, options, content)
    if messages or not made or not isinstance(made[0], nodes.reference):
        return [nodes.Text(explicit[0] if explicit else raw)], []
    uri = made[0]["refuri"] + (f"#{anchor}" if anchor else "")
    return [nodes.reference(rawtext, explicit[0] if explicit else f"{prefix} {target}", refuri=uri)], []


class _AnyOptions(dict[str, Any]):
    """An option spec that accepts every option as text (Sphinx directives have many)."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged


def _any_options() -> _AnyOptions:
    spec = _AnyOptions()
    spec["class"] = directives.unchanged  # non-empty: docutils only parses options when truthy
    return spec


class _Permissive(Directive):
    """Takes any arguments, options and content."""

    optional_arguments = 1  # one argument holding the whole argument text
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = _any_options()

    def body(self) -> list[nodes.Node]:
        holder = nodes.container()
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, holder)
        return list(holder.children)

    def argument_text(self) -> str:
        return " ".join(self.arguments).strip()

    def inline(self, text: str) -> list[nodes.Node]:
        """Text with its inline markup (roles, emphasis) parsed; error reports left out."""
        parsed, _messages = self.state.inline_text(text, self.lineno)
        return [n for n in parsed if not isinstance(n, nodes.system_message)]


class _Body(_Permissive):
    """Unknown or layout-only directive: its argument (a tab's label, say) and content read
    as ordinary body text."""

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        label = self.argument_text()
        if label:
            out.append(nodes.paragraph("", "", nodes.strong("", "", *self.inline(label))))
            if not self.content:  # perhaps a project's target directive (".. stat:: name")
                out[0][BARE_SIGNATURE] = True
        return out + self.body()


class _Content(_Permissive):
    """only / ifconfig / glossary …: the content is the text; the argument is not."""

    def run(self) -> list[nodes.Node]:
        return self.body()


class _Drop(_Permissive):
    """Navigation, autodoc and settings: nothing a reader needs."""

    def run(self) -> list[nodes.Node]:
        return []


class _CodeBlock(_Permissive):
    """code-block / sourcecode: the content verbatim with its language."""

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content)
        if not text.strip():
            return []
        block = nodes.literal_block(text, text)
        lang = self.arguments[0].split()[0] if self.arguments and self.name != "productionlist" else ""
        if self.name == "productionlist":
            text = "\n".join([self.argument_text(), *self.content]).strip()
            block = nodes.literal_block(text, text)
        if lang:
            block["language"] = lang
        return [block]


# Set on a `:ref:` or `:doc:` written without a title of its own, to the key of the section
# or page whose title the reader shows instead, as Sphinx does (reftitles.untitled_key).
UNTITLED = "kb_untitled"

# Set on the signature of a description directive with no content (".. setting:: NAME"),
# and on the argument of an unknown one (".. stat:: NAME"): when the next thing on the page
# is a heading or a term of the same text, it is a target for cross-references (Sphinx's
# add_crossref_type directives render nothing) and goes.
BARE_SIGNATURE = "kb_bare_signature"

# The docutils setting through which the reader hands directives the document's opener of
# other files (ReadOptions.related).
RELATED_SETTING = "kb_related"


class _LiteralInclude(_Permissive):
    """literalinclude: the part of the named file its options pick, as code in its
    :language: under its :caption:, when the loader may open that file (documents/related.py);
    otherwise nothing, as before."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        opener = getattr(self.state.document.settings, RELATED_SETTING, None)
        text = literalinclude.include(opener, self.argument_text(), self.options)
        if text is None:
            return []
        block = nodes.literal_block(text, text)
        lang = (self.options.get("language") or "").strip()
        if lang:
            block["language"] = lang
        caption = (self.options.get("caption") or "").strip()
        if not caption:
            return [block]
        return [nodes.paragraph("", "", nodes.strong("", "", *self.inline(caption))), block]


class _VersionNote(_Permissive):
    """versionadded / versionchanged / deprecated: a box titled "New in version 2.0"."""

    def run(self) -> list[nodes.Node]:
        version, _, rest = self.argument_text().replace("\n", " ").partition(" ")
        box = nodes.admonition(kind=self.name)
        title = f"{sphinx.VERSION_TITLES[self.name]} {version}".strip()
        box += nodes.title(title, title)
        if rest.strip():
            box += nodes.paragraph("", "", *self.inline(rest.strip()))
        box.extend(self.body())
        return [box]


class _Box(_Permissive):
    """seealso / todo: a box with Sphinx's title."""

    def run(self) -> list[nodes.Node]:
        box = nodes.admonition(kind=self.name)
        title = sphinx.BOX_DIRECTIVES[self.name]
        box += nodes.title(title, title)
        text = self.argument_text()
        if text:
            box += nodes.paragraph("", "", *self.inline(text))
        box.extend(self.body())
        return [box]


class _Describe(_Permissive):
    """An API object: each signature as a code line, then its description."""

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for sig in (s.strip() for s in "\n".join(self.arguments).split("\n")):
            if sig:
                out.append(nodes.paragraph("", "", nodes.literal(sig, sig)))
        if len(out) == 1 and not self.content:
            out[0][BARE_SIGNATURE] = True
        return out + self.body()


class _ClassOrDescribe(_Describe):
    """`.. class::` without content is docutils' CSS-class directive: nothing to read."""

    def run(self) -> list[nodes.Node]:
        return super().run() if self.content else []


class _AutoDoc(_Describe):
    """autoclass / autofunction …: the docstring is not in the source; content written
    under the directive is, and Sphinx shows it after the docstring."""

    def run(self) -> list[nodes.Node]:
        return super().run() if self.content else []
