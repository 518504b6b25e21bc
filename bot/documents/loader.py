"""The knowledge folder in, documents and their passages out.

Lists the folder (hidden files and folders skipped, `kb.toml` read per folder), reads each
file with the reader for its type, cuts the tree into passages and splits them into
sentences. Nothing is silently ignored: an unsupported type, a file over MAX_FILE_MB, a
file that fails or times out in parsing or sentence splitting becomes a `SkippedFile`
with its name and reason (logged, and listed in the reload report); the rest loads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FolderProblem, KnowledgeDirError, KnowledgeError
from ..knowledge import Document, KnowledgeBase, Passage, SkippedFile
from ..memory import HUGE_FILE_BYTES, TRIM_EVERY, release_memory
from ..rendering import errors as wording
from ..text import SentenceSplitter
from . import inline, reftitles
from .kbtoml import KB_TOML, FolderConfig, read_kb_toml
from .model import Code, DocTree, ReadOptions, walk_sections
from .passages import PassageDraft, ShapeOptions, build_passages
from .registry import SUPPORTED_SUFFIXES, reader_for, supported_list
from .related import RelatedFiles
from .scraped import DEFAULT_JUNK_MARKERS
from .urls import LABEL_REF, anchors, local_href, repeat_anchors

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_MB = 20.0
# Folders the bot itself writes (bot/teach.py LEARNED_DIR, bot/uploads.py UPLOADS_DIR).
BOT_FOLDERS = ("learned", "uploads")

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Signature = tuple[int, int]  # (size, mtime_ns)
FileId = tuple[int, int]  # (st_dev, st_ino): one file, whatever names lead to it


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class LoadConfig:
    """Settings for reading the knowledge folder (kb.toml files add per-folder ones)."""

    junk_markers: tuple[str, ...] = DEFAULT_JUNK_MARKERS  # for scraped text only (.txt, HTML)
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    shape: ShapeOptions = field(default_factory=ShapeOptions)
    parse_timeout_s: float = 30.0

    @classmethod
    def with_extra_markers(cls, extra: Iterable[str], max_file_mb: float = DEFAULT_MAX_FILE_MB) -> LoadConfig:
        markers = tuple(DEFAULT_JUNK_MARKERS) + tuple(m for m in extra if m.strip())
        return cls(junk_markers=markers, max_file_mb=max_file_mb)


@dataclass(frozen=True)
class Scan:
    """What a build must look at: every candidate file and every kb.toml, with signatures."""

    files: tuple[tuple[str, Signature], ...]
    configs: tuple[tuple[str, Signature], ...] = ()
    folders: dict[str, FolderConfig] = field(default_factory=dict)  # folder -> settings
    skipped: tuple[SkippedFile, ...] = ()  # unusable kb.toml files, broken links, pipes, bad names

    def entries(self) -> list[tuple[str, Signature]]:
        """Everything whose change makes a saved index stale (files, kb.toml, and entries
        such as broken links that are reported as skipped without being read)."""
        unread = [(s.path, s.signature) for s in self.skipped if s.signature is not None]
        return sorted([*self.files, *self.configs, *unread])

    def folder_config(self, rel: str) -> FolderConfig:
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        return self.folders.get(parent, FolderConfig())


@dataclass(frozen=True)
class Around:
    """What reading a file may look at beyond the file: the scan's files, which it may show
    parts of (literalinclude; related.py), and every file's Sphinx labels with their
    sections' titles, which its `:ref:`s show (reftitles.py)."""

    listed: Mapping[str, Signature] = field(default_factory=dict)
    ref_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedFile:
    """One file, read: its document and passages."""

    document: Document
    passages: list[Passage]


def check_knowledge_root(root: Path) -> None:
    """KnowledgeDirError when the knowledge directory is missing, not a directory, or cannot
    be entered: what a scan finds first, and what a change of the folder checks before it
    writes anything. A parent folder that can be listed but not entered (no x bit) makes
    Path.exists() raise PermissionError on Python 3.11, and a knowledge folder like that
    lists names whose files cannot be opened: either is said as a folder that cannot be listed."""
    try:
        if not root.exists():
            raise KnowledgeDirError(wording.knowledge_dir_missing(root), FolderProblem("missing", root))
        if not root.is_dir():
            raise KnowledgeDirError(wording.knowledge_dir_not_a_dir(root), FolderProblem("not_a_dir", root))
        os.stat(os.path.join(root, os.curdir))  # looking anything up inside needs the x bit
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise KnowledgeDirError(
            wording.knowledge_dir_unlistable(root, why), FolderProblem("unlistable", root, why)
        ) from None


def scan_knowledge(root: Path, quiet: bool = False, compare: bool = True) -> Scan:
    """Every non-hidden file under `root` (excluded ones left out) and the kb.toml files;
    KnowledgeError when the folder is missing, unreadable or has nothing to load. `quiet`
    logs what is skipped at debug level only (a watcher scans every few seconds); without
    `compare`, files of one size are not read to find copies (a watcher needs only the
    signatures, which are the same either way)."""
    root = Path(root)
    check_knowledge_root(root)
    try:
        real_root = root.resolve()
        w = _Walk(quiet, seen={real_root: ""}, roots=[real_root])
        _walk(root, "", FolderConfig(), w)
        # Folder links last, so that a folder read anyway keeps its own name (the one the
        # site publishes), whichever sorts first; a linked checkout may hold more of them.
        for entry, child, cfg in w.folder_links:
            _folder_link(entry, child, cfg, w)
    except OSError as exc:
        why = str(exc.strerror or exc)
        raise KnowledgeDirError(
            wording.knowledge_dir_unlistable(root, why), FolderProblem("unlistable", root, why)
        ) from None
    _file_links(w.links, w.roots, w.files, w.bad, quiet, w.ids)
    files = _one_name_each(root, w.files, w.ids, {child for _, child in w.links}, w.bad, quiet)
    if compare:
        files = _one_copy_each(root, files, w.bad, quiet)
    if not files:
        raise KnowledgeError(wording.knowledge_dir_empty(root, supported_list()))
    files.sort()
    return Scan(tuple(files), tuple(sorted(w.configs)), w.folders, tuple(w.bad))


@dataclass
class _Walk:
    """What a scan's walk collects. `seen`: each folder read (its real path) and the name
    it is read under; `roots`: the real knowledge folder and the real targets of the folder
    links followed; `links`: the file links met, judged against all of them once the walk
    is done; `folder_links`: the folder links met, followed after every real folder."""

    quiet: bool
    seen: dict[Path, str]
    roots: list[Path]
    files: list[tuple[str, Signature]] = field(default_factory=list)
    configs: list[tuple[str, Signature]] = field(default_factory=list)
    folders: dict[str, FolderConfig] = field(default_factory=dict)
    bad: list[SkippedFile] = field(default_factory=list)
    links: list[tuple[Path, str]] = field(default_factory=list)
    folder_links: list[tuple[Path, str, FolderConfig]] = field(default_factory=list)
    ids: dict[str, FileId] = field(default_factory=dict)


def _walk(folder: Path, rel: str, parent: FolderConfig, w: _Walk) -> None:
    warn = log.debug if w.quiet else log.warning
    cfg = parent
    if rel in BOT_FOLDERS and parent.base_url is not None:
        # Taught answers and uploads are not pages of the site a base_url above points to.
        cfg = dataclasses.replace(parent, base_url=None, base_dir=rel)
    toml = folder / KB_TOML
    if toml.is_file():
        st = toml.stat()
        name = f"{rel}/{KB_TOML}" if rel else KB_TOML
        w.configs.append((name, (st.st_size, st.st_mtime_ns)))
        try:
            cfg = read_kb_toml(toml, rel, parent)
        except KnowledgeError as exc:  # the folder still loads, with the settings above it
            warn("ignored %s: %s", name, exc)
            w.bad.append(SkippedFile(name, str(exc)))
    w.folders[rel] = cfg
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        if not rel:
            raise
        warn("skipped folder %s: %s", rel, exc.strerror or exc)
        w.bad.append(SkippedFile(rel + "/", wording.folder_unlistable(exc.strerror or exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):  # hidden files and folders, .kb-cache among them
            continue
        child = f"{rel}/{entry.name}" if rel else entry.name
        if not entry.name.isascii() and _not_utf8(entry.name):
            # The OS hands such a name over with surrogates, which neither the index key,
            # the saved index nor the database can encode: shown with U+FFFD, not read.
            folder_mark = "/" if entry.is_dir() else ""
            shown = child.encode("utf-8", "surrogateescape").decode("utf-8", "replace") + folder_mark
            try:
                st = entry.lstat()
            except OSError:
                continue
            warn("skipped %s: %s", shown, wording.NAME_NOT_UTF8)
            w.bad.append(SkippedFile(shown, wording.NAME_NOT_UTF8, (st.st_size, st.st_mtime_ns)))
            continue
        if entry.is_dir():
            if cfg.excluded(child + "/"):
                continue
            if entry.is_symlink():
                w.folder_links.append((entry, child, cfg))
                continue
            real = entry.resolve()
            if real in w.seen:  # inside a linked checkout: a folder read under another name
                _read_already(entry, child, w)
                continue
            w.seen[real] = child
            _walk(entry, child, cfg, w)
        elif entry.name == KB_TOML or cfg.excluded(child):
            continue
        elif entry.is_file() and entry.is_symlink():
            w.links.append((entry, child))  # it may point into a linked folder listed after it
        elif entry.is_file():
            try:
                st = entry.stat()
            except OSError:
                continue  # vanished between listing and stat
            w.files.append((child, (st.st_size, st.st_mtime_ns)))
            w.ids[child] = (st.st_dev, st.st_ino)
        elif not cfg.excluded(child + "/"):  # a broken link may have been an excluded folder
            # A link to nothing (or to itself), a pipe, a socket: a pipe is never opened, as
            # reading one waits for a writer that may never come.
            why = wording.LINK_TO_NOTHING if entry.is_symlink() else wording.NOT_A_REGULAR_FILE
            try:
                st = entry.lstat()  # the link's own: re-pointing or removing it makes a saved index stale
            except OSError:
                continue  # vanished between listing and stat
            warn("skipped %s: %s", child, why)
            w.bad.append(SkippedFile(child, why, (st.st_size, st.st_mtime_ns)))


def _folder_link(entry: Path, child: str, cfg: FolderConfig, w: _Walk) -> None:
    """Follow a folder link met in the walk, or say why not."""
    warn = log.debug if w.quiet else log.warning
    real = entry.resolve()
    if real in w.seen:  # a link back up the tree, or to a folder read under its own name
        _read_already(entry, child, w)
        return
    why = None
    if _system(real):
        why = wording.LINK_TO_SYSTEM_FOLDER
    elif _hidden(real, w.roots):
        why = wording.LINK_TO_HIDDEN_FOLDER
    if why is not None:
        warn("skipped folder %s: %s", child, why)
        w.bad.append(SkippedFile(child + "/", why))
        return
    w.seen[real] = child
    w.roots.append(real)  # an admin's linked checkout: its own links may point inside it
    _walk(entry, child, cfg, w)


def _read_already(entry: Path, child: str, w: _Walk) -> None:
    name = w.seen[entry.resolve()]
    why = wording.link_to_folder_read(name) if name else wording.LINK_TO_KNOWLEDGE_FOLDER
    try:
        st = entry.lstat()  # the link's own: re-pointing it makes a saved index stale
    except OSError:
        return
    (log.debug if w.quiet else log.warning)("skipped folder %s: %s", child, why)
    w.bad.append(SkippedFile(child + "/", why, (st.st_size, st.st_mtime_ns)))


def _not_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# Never read through a link: a cloned docs repository could carry "env.txt -> /proc/self/environ"
# (the bot's environment, token included) or a folder link to /proc or /dev.
_SYSTEM = tuple(Path(p) for p in ("/proc", "/sys", "/dev"))


def _system(real: Path) -> bool:
    return real == Path(real.anchor) or any(real == s or s in real.parents for s in _SYSTEM)


def _file_links(
    links: list[tuple[Path, str]],
    roots: list[Path],
    files: list[tuple[str, Signature]],
    bad: list[SkippedFile],
    quiet: bool,
    ids: dict[str, FileId],
) -> None:
    """Each file link read as a file, or skipped with its reason (and its own lstat
    signature: re-pointing or removing it makes a saved index stale)."""
    for entry, child in links:
        why = _link_refused(entry, roots)
        try:
            st = entry.stat() if why is None else entry.lstat()
        except OSError:
            continue  # vanished between listing and stat
        if why is None:
            files.append((child, (st.st_size, st.st_mtime_ns)))
            ids[child] = (st.st_dev, st.st_ino)
        else:
            (log.debug if quiet else log.warning)("skipped %s: %s", child, why)
            bad.append(SkippedFile(child, why, (st.st_size, st.st_mtime_ns)))


def _one_name_each(
    root: Path,
    files: list[tuple[str, Signature]],
    ids: dict[str, FileId],
    linked: set[str],
    bad: list[SkippedFile],
    quiet: bool,
) -> list[tuple[str, Signature]]:
    """One name per file: a link to a file read under another name (or a second hard link)
    would index the same passages twice, competing in ranking and citations. The real
    file's own name is kept, as the site publishes it under that name and other pages link
    to it (removing the link renames nothing); among links only (their target not listed:
    excluded, say) or hard links, the first in path order, so a reload keeps the same one."""
    kept: dict[FileId, str] = {}
    out: list[tuple[str, Signature]] = []
    for rel, sig in sorted(files, key=lambda f: (f[0] in linked, f[0])):
        key = ids.get(rel)
        if key is None or key[1] == 0:  # a file system without inode numbers: not compared
            out.append((rel, sig))
            continue
        first = kept.setdefault(key, rel)
        if first == rel:
            out.append((rel, sig))
            continue
        why = wording.same_file_as(first)
        try:
            own = (
                (root / rel).lstat() if rel in linked else None
            )  # the link's own: re-pointing it makes a saved index stale
        except OSError:
            continue  # vanished since the listing
        (log.debug if quiet else log.warning)("skipped %s: %s", rel, why)
        bad.append(SkippedFile(rel, why, (own.st_size, own.st_mtime_ns) if own is not None else sig))
    return out


def _one_copy_each(
    root: Path, files: list[tuple[str, Signature]], bad: list[SkippedFile], quiet: bool
) -> list[tuple[str, Signature]]:
    """One file of each content: a copy ("guide (1).md", a README copied to docs/index.md)
    would index the same passages twice, filling an answer with one passage under one
    citation. Only files that share their size are read to compare. The original is kept:
    a file of the admin's before an upload of it, then the least deep, the shortest name (a
    copy's is the longer one), the first in path order, so a reload keeps the same one."""
    by_size: dict[int, list[str]] = {}
    for rel, (size, _) in files:
        if size and Path(rel).suffix.lower() in SUPPORTED_SUFFIXES:  # others: named by type
            by_size.setdefault(size, []).append(rel)
    copies: dict[str, str] = {}
    for group in by_size.values():
        if len(group) < 2:
            continue
        by_digest: dict[bytes, list[str]] = {}
        for rel in group:
            digest = _digest(root / rel)
            if digest is not None:
                by_digest.setdefault(digest, []).append(rel)
        for same in by_digest.values():
            kept, *rest = sorted(same, key=_original_first)
            copies.update(dict.fromkeys(rest, kept))
    out: list[tuple[str, Signature]] = []
    for rel, sig in files:
        if rel not in copies:
            out.append((rel, sig))
            continue
        why = wording.same_content_as(copies[rel])
        (log.debug if quiet else log.warning)("skipped %s: %s", rel, why)
        bad.append(SkippedFile(rel, why, sig))
    return out


def _original_first(rel: str) -> tuple[bool, int, int, str]:
    return rel.split("/", 1)[0] in BOT_FOLDERS and "/" in rel, rel.count("/"), len(rel), rel


def _digest(path: Path) -> bytes | None:
    """A hash of the file's bytes; None when it cannot be read or holds only white space
    (an empty file is named as empty, not as a copy of another)."""
    h = hashlib.blake2b(digest_size=20)
    blank = True
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                blank = blank and chunk.isspace()
    except OSError:
        return None  # read later, with its reason
    return None if blank else h.digest()


def _hidden(real: Path, roots: list[Path]) -> bool:
    """Whether a link's real target is hidden, or inside a hidden folder of every folder
    read (the knowledge folder and linked ones) that holds it."""
    inside = [real.relative_to(r).parts for r in roots if r in real.parents]
    return real.name.startswith(".") or bool(inside) and all(any(p[0] == "." for p in parts) for parts in inside)


def _link_refused(entry: Path, roots: list[Path]) -> str | None:
    """Why a file link is not read: its target is hidden or inside a hidden folder (".env"
    and its token, ".git/config" and a remote's), or outside the knowledge folder and the
    linked folders (a repository filled by someone else could link to the bot's secrets)."""
    try:
        real = entry.resolve(strict=True)
    except (OSError, RuntimeError):
        return wording.LINK_TO_NOTHING  # gone since the listing
    if _hidden(real, roots):
        return wording.LINK_TO_HIDDEN_FILE
    if _system(real) or not any(r in real.parents for r in roots):
        return wording.LINK_OUTSIDE
    return None


def load_file(
    root: Path,
    rel: str,
    sig: Signature | None,
    config: LoadConfig,
    folder: FolderConfig,
    splitter: SentenceSplitter,
    around: Around | None = None,
) -> LoadedFile | SkippedFile:
    """Read one file into a document and its passages, or say why it is skipped."""
    try:
        return _load(Path(root), rel, sig, config, folder, splitter, around or Around())
    except KnowledgeError as exc:
        reason = str(exc)
    except TimeoutError:
        reason = wording.SENTENCES_TIMED_OUT
    except RecursionError:
        reason = wording.NESTED_TOO_DEEPLY
    except Exception as exc:  # a reader's bug must not stop the other files from loading
        log.exception("reading %s failed", rel)
        reason = wording.reader_failed(exc)
    log.warning("skipped %s: %s", rel, reason)
    return SkippedFile(rel, reason, sig)


def _load(
    root: Path,
    rel: str,
    sig: Signature | None,
    config: LoadConfig,
    folder: FolderConfig,
    splitter: SentenceSplitter,
    around: Around,
) -> LoadedFile | SkippedFile:
    suffix = Path(rel).suffix
    read = reader_for(suffix) if suffix else None
    if read is None:
        raise KnowledgeError(wording.unsupported_type(supported_list()))
    limit = int(config.max_file_mb * 1e6)
    size = sig[0] if sig else (root / rel).stat().st_size
    if size > limit:
        raise _too_big(size, config)
    try:
        with (root / rel).open("rb") as fh:
            data = fh.read(size + 1)  # one byte more than the scan saw tells that it grew
            if len(data) > size:  # still being copied in, say: read on, only up to the limit
                data += fh.read(limit + 1 - len(data))
    except OSError as exc:
        raise KnowledgeError(wording.cannot_read_file(Path(rel).name, exc.strerror or exc)) from None
    if len(data) > limit:
        raise KnowledgeError(wording.grew_past_limit(config.max_file_mb))
    related = RelatedFiles(root, rel, around.listed)
    options = ReadOptions(
        junk_markers=(*config.junk_markers, *folder.junk_markers),
        timeout_s=config.parse_timeout_s,
        related=related.text,
        ref_titles=around.ref_titles,
    )
    tree = read(rel, data, options)
    del data  # a huge file's bytes are not kept while its passages are made
    for note in tree.notes:
        log.info("%s: %s", rel, note)
    title = document_title(tree, rel)
    drafts = build_passages(tree, title, config.shape)
    if not drafts:
        # Code is shown with the prose that leads to it, never indexed alone: say so.
        only_code = any(isinstance(b, Code) for _, s in walk_sections(tree.root) for b in s.blocks)
        raise KnowledgeError(wording.NO_TEXT_BUT_CODE if only_code else wording.NO_TEXT_LEFT)
    page = tree.source or folder.url_of(rel)
    urls = _section_urls(tree, page, folder.url_style)
    links = _links(tree, drafts, folder)
    labels = _labels(tree, drafts)
    paged, notes = tree.paged, tree.notes
    label_titles, used_titles = tree.label_titles, tree.ref_titles
    del tree  # drafts hold what is left of it; a huge file's blocks go as passages are made
    passages: list[Passage] = []
    huge = size >= HUGE_FILE_BYTES
    drafts.reverse()
    while drafts:
        if huge and len(drafts) % TRIM_EVERY == 0:
            release_memory()  # the blocks' Markdown freed so far, before more sentences come
        d = drafts.pop()
        text = d.text
        passages.append(
            Passage(
                rel,
                title,
                page,
                len(passages) + 1,
                text,
                _sentences(d, splitter),
                d.path,
                # "" when it is only the escaped text (every .txt paragraph): not held twice.
                "" if d.markdown == inline.escape(text) else d.markdown,
                d.page,
                # A PDF viewer opens `#page=N`; heading anchors mean nothing in a PDF.
                f"{page}#page={d.page}" if paged and page and d.page else urls[d.section],
            )
        )
        del d
    doc = Document(
        rel,
        title,
        page,
        tuple(p.text for p in passages),
        sig,
        notes,
        links,
        labels,
        related.depends(),
        label_titles,
        used_titles,
    )
    return LoadedFile(doc, passages)


def _too_big(size: int, config: LoadConfig) -> KnowledgeError:
    return KnowledgeError(wording.too_big(size, config.max_file_mb))


_SENTENCE_MARK = re.compile(r"[.?!]")


def _sentences(draft: PassageDraft, splitter: SentenceSplitter) -> tuple[str, ...]:
    out: list[str] = []
    for piece in draft.pieces:
        piece = piece.strip()
        # Punkt only breaks after . ? or !: a list item, table row or heading-like line
        # without one before its end is one sentence (most pieces of a docs page; saves
        # a fifth of the build).
        if not _SENTENCE_MARK.search(piece, 0, len(piece) - 1):
            if piece:
                out.append(piece)
        else:
            out.extend(splitter.split(piece))
    return tuple(out)


def _links(tree: DocTree, drafts: Sequence[PassageDraft], folder: FolderConfig) -> tuple[tuple[str, str, int], ...]:
    """The document's links to places in the documentation (full URLs to the site itself
    as paths from the knowledge folder), each with the number of the first passage of its
    section."""
    sections = walk_sections(tree.root)
    if not any(s.links for _, s in sections):
        return ()
    first: dict[int, int] = {}
    for number, draft in enumerate(drafts, start=1):
        first.setdefault(draft.section, number)
    out: list[tuple[str, str, int]] = []
    for k, (_, s) in enumerate(sections):
        for href, text in s.links:
            local = href if href.startswith(LABEL_REF) else local_href(href, folder.base_url, folder.base_dir)
            if local is not None:
                out.append((local, text, first.get(k, 0)))
    return tuple(out)


def _labels(tree: DocTree, drafts: Sequence[PassageDraft]) -> tuple[tuple[str, int], ...]:
    """(name, first passage under the section) of every name the source gives a heading:
    its id ({#id}, HTML id, RST's) and RST target labels, and the numbered anchors of
    repeated headings ("example-1"), for links to resolve."""
    sections = walk_sections(tree.root)
    numbered = repeat_anchors([(s.heading, s.anchor) for _, s in sections])
    named = [k for k, (_, s) in enumerate(sections) if s.anchor or s.labels or k in numbered]
    if not named:
        return ()
    # A section's subtree runs to the next section whose path is not below its own.
    paths = [p for p, _ in sections]
    out: list[tuple[str, int]] = []
    j = 0
    for k in named:
        while j < len(drafts) and drafts[j].section < k:
            j += 1
        if j == len(drafts):
            break
        d = drafts[j].section
        if paths[d][: len(paths[k])] != paths[k]:
            continue  # nothing under this heading
        s = sections[k][1]
        for name in dict.fromkeys((*((s.anchor,) if s.anchor else ()), *s.labels, *numbered.get(k, ()))):
            out.append((name, j + 1))
    return tuple(out)


def _section_urls(tree: DocTree, page: str | None, style: str) -> list[str | None]:
    sections = walk_sections(tree.root)
    if page is None:
        return [None] * len(sections)
    marks = anchors([(s.heading, s.anchor) for _, s in sections], style)
    # A continuation (a child without a heading, outline.build_sections) is cited at the
    # section it continues: the last one before it with a heading and the same path.
    named: dict[tuple[str, ...], str | None] = {}
    for k, (path, s) in enumerate(sections):
        if s.heading:
            named[path] = marks[k]
        elif s.level and s.anchor is None:
            marks[k] = named.get(path)
    return [f"{page}#{a}" if a else page for a in marks]


def document_title(tree: DocTree, rel: str) -> str:
    """The reader's title (front matter, first H1, HTML <title>), else the first top-level
    heading, else the file name made readable ("resource-limits.md" -> "Resource limits")."""
    if tree.title and tree.title.strip():
        return " ".join(tree.title.split())
    for _, s in walk_sections(tree.root):
        if s.level == 1 and s.heading.strip():
            return " ".join(s.heading.split())
    return title_from_name(rel)


def title_from_name(rel: str) -> str:
    stem = Path(rel).stem.strip("_-. ") or Path(rel).stem
    words = re.sub(r"[_-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def no_documents_error(root: Path, skipped: Sequence[SkippedFile]) -> KnowledgeError:
    return KnowledgeError(wording.no_usable_documents(root, [(s.path, s.reason) for s in skipped]))


def load_knowledge(
    root: Path,
    config: LoadConfig | None = None,
    splitter: SentenceSplitter | None = None,
    progress: Progress = _no_progress,
) -> KnowledgeBase:
    """Load every file under `root` (without an index; build_knowledge indexes too)."""
    root = Path(root)
    config = config or LoadConfig()
    splitter = splitter or SentenceSplitter()
    scan = scan_knowledge(root)
    documents: list[Document] = []
    passages: list[Passage] = []
    skipped: list[SkippedFile] = list(scan.skipped)
    listed = dict(scan.files)
    guess = Around(listed, reftitles.scan_titles(root, listed))
    loaded: list[LoadedFile] = []
    for done, (rel, sig) in enumerate(scan.files, start=1):
        got = load_file(root, rel, sig, config, scan.folder_config(rel), splitter, guess)
        if isinstance(got, SkippedFile):
            skipped.append(got)
        else:
            loaded.append(got)
        progress("reading", done, len(scan.files))
    titles = reftitles.label_map(f.document for f in loaded)
    for _ in range(reftitles.REF_PASSES - 1):  # the pages that showed a title that was wrong
        redo = [k for k, f in enumerate(loaded) if not reftitles.agrees(f.document.ref_titles, titles)]
        if not redo:
            break
        for k in redo:
            rel = loaded[k].document.path
            again = load_file(
                root, rel, listed.get(rel), config, scan.folder_config(rel), splitter, Around(listed, titles)
            )
            if isinstance(again, LoadedFile):
                loaded[k] = again
        titles = reftitles.label_map(f.document for f in loaded)
    for f in loaded:
        documents.append(f.document)
        passages.extend(f.passages)
    if not documents:
        raise no_documents_error(root, skipped)
    return KnowledgeBase(root, tuple(documents), tuple(passages), tuple(skipped), scan.configs)


__all__ = [
    "Around",
    "DEFAULT_MAX_FILE_MB",
    "SUPPORTED_SUFFIXES",
    "LoadConfig",
    "LoadedFile",
    "Progress",
    "Scan",
    "document_title",
    "load_file",
    "load_knowledge",
    "no_documents_error",
    "scan_knowledge",
    "title_from_name",
]
