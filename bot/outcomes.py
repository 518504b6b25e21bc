"""What the application layer (bot/app.py) returns: domain results, never wording.

Adapters (Discord, console, CLI) hand these to the render functions, which choose the
words. Reason codes are stable strings the renderer maps to a sentence each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .answer import Answer, Result
from .errors import FolderProblem
from .service import ReloadReport


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for something, as the adapter established it at run time. `user` is the
    raw platform id: the application hashes it before storing anything."""

    user: int | str | None
    admin: bool = False
    teacher: bool = False  # holds a TEACHER_ROLE_IDS role (admins may always teach)
    # Has Manage Server where they act, which does not count there: why (NOT_HOME_*), else None.
    not_home: str | None = None

    @property
    def may_teach(self) -> bool:
        return self.admin or self.teacher


CONSOLE_ACTOR = Actor("console", admin=True, teacher=True)  # the console user is a local admin


@dataclass(frozen=True, slots=True)
class Where:
    """Where a question or vote happened (all optional: the console has none of it)."""

    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    jump_url: str | None = None


@dataclass(frozen=True, slots=True)
class LearnedInfo:
    """A learned answer's origin, for citing it as "Learned answer · taught on …"."""

    document: str  # path relative to the knowledge directory ("learned/<slug>.md")
    question: str
    taught_on: date
    source: str  # the teaching message's jump URL, or "console"
    taught_by: str | None = None  # salted hash


# ---------------------------------------------------------------------- refusals

# Reason codes of `Refused.reason`.
NOT_ADMIN = "not_admin"  # detail: a NOT_HOME_* reason when the member has Manage Server there
# Why Manage Server did not make a member an admin in the server they acted in:
NOT_HOME_LISTED = "not_home_listed"  # GUILD_IDS names the home server(s), and not this one
NOT_HOME_INFERRED = "not_home_inferred"  # no GUILD_IDS: home is the bot's only server, and this is not it
NOT_HOME_CONNECTING = "not_home_connecting"  # no GUILD_IDS, and shards still connecting: not known yet
NOT_TEACHER = "not_teacher"
EMPTY = "empty"  # empty question or answer, or an empty file
TOO_LONG = "too_long"
NAMED_TOO_LONG = "named_too_long"  # within the limit as typed, over it once its mentions are names
BOT_MESSAGE = "bot_message"
ONLY_PINGS = "only_pings"
UNSUPPORTED_TYPE = "unsupported_type"
NOT_PDF = "not_pdf"
BINARY = "binary"
NOT_UTF8 = "not_utf8"
TOO_BIG = "too_big"
BAD_NAME = "bad_name"
RESERVED_NAME = "reserved_name"
EXISTS = "exists"
UNPARSEABLE = "unparseable"  # detail: the reader's reason
RELOAD_FAILED = "reload_failed"  # detail: why; folder: set when it was the knowledge directory
# The knowledge directory is missing or not a directory, so a change was not even tried:
KNOWLEDGE_DIR_UNUSABLE = "knowledge_dir_unusable"  # detail: the loader's message; folder: what
# A change failed (the reload after /kb remove; writing, reloading or reading the new file
# of /kb add or teaching), and moving the file it had set aside back failed too: detail: the
# first failure's why; folder: as for RELOAD_FAILED; stranded: where the file is now, and
# which failure it followed.
NOT_RESTORED = "not_restored"
NOT_FOUND = "not_found"
NOT_REMOVABLE = "not_removable"  # e.g. the seed article outside uploads/ and learned/
NOT_SAVED = "not_saved"  # the file could not be written (disk full, read-only)
# knowledge/uploads/ is there but cannot be listed (a file in its place, no permission, a disk error):
UPLOADS_UNREADABLE = "uploads_unreadable"  # detail: the OS's reason
# knowledge/learned/ is a file (or another non-folder), so no learned answer can be saved:
LEARNED_NOT_A_FOLDER = "learned_not_a_folder"
# knowledge/learned/ is a folder the bot cannot enter (no permission, a disk error):
LEARNED_UNUSABLE = "learned_unusable"  # detail: the OS's reason
# Whether the file a change would write is already there could not be told (a disk error):
LOOKUP_FAILED = "lookup_failed"  # detail: the OS's reason
STORE_UNAVAILABLE = "store_unavailable"  # the database cannot be read now


@dataclass(frozen=True, slots=True)
class Stranded:
    """A file that a failed change had set aside and could not move back to its place."""

    path: Path  # where it belongs
    copy: Path  # where it was set aside (a hidden name, which a reload skips)
    why: str  # the OS's reason it could not be moved back
    kept: bool  # the copy is still there (False: it went with its folder)
    failed: str = RELOAD_FAILED  # the reason code of the failure that was being undone


@dataclass(frozen=True, slots=True)
class Leftover:
    """The new file a failed change had written and could not delete: it is still in its
    place, so a later reload reads it."""

    path: Path
    why: str  # the OS's reason it could not be deleted


@dataclass(frozen=True, slots=True)
class Reread:
    """The reload that should read the folder again, once a failed change had been undone
    after its own reload went through, failed: the knowledge base from before the change is
    served meanwhile."""

    why: str  # the reload's own message
    folder: FolderProblem | None = None  # set when it was the knowledge directory


@dataclass(frozen=True, slots=True)
class Refused:
    """An action that was not done, and why. Nothing was changed."""

    action: str  # "gaps", "teach", "kb add", "kb remove", "kb list", "kb show", "reload", "forget-me"
    reason: str  # one of the reason codes above
    detail: str | None = None  # a reader's or the OS's own message, shown as is
    limit: int | None = None  # the limit that was exceeded (characters, or bytes for a file)
    audit_saved: bool = True  # False: the refusal could not be written to the audit log
    folder: FolderProblem | None = None  # the knowledge directory itself was the problem
    stranded: Stranded | None = None  # NOT_RESTORED: so something was changed after all
    leftover: Leftover | None = None  # the new file is still there: something was changed after all
    reread: Reread | None = None  # the folder is as it was, but reading it again failed


# ---------------------------------------------------------------------- asking and buttons


# Answers to messages with nothing to search ("?", "the"): no topic, so no knowledge gap.
NOTHING_ASKED = frozenset({"not_a_question", "no_words"})


@dataclass(frozen=True, slots=True)
class Asked:
    """An answer, remembered under `key` for its buttons."""

    answer: Answer
    key: str
    learned: Mapping[str, LearnedInfo] = field(default_factory=dict)  # by document, for cited learned answers
    logged: bool = True  # False: the question log could not be written (the answer is fine)
    teachable: bool = False  # no answer to a real question: the reply may offer "Teach an answer"
    shown: str | None = None  # the answer's passage's fingerprint (App.fingerprint), for its buttons

    @property
    def asked_something(self) -> bool:
        """False for a greeting, a thank-you, "?" or "the": nothing was searched for."""
        a = self.answer
        return bool(a.question.strip()) and a.small_talk is None and a.reason not in NOTHING_ASKED


@dataclass(frozen=True, slots=True)
class CoolingDown:
    """The asker hit the rate limit; nothing was asked. `first`: the first refusal of this
    wait (adapters that post in a channel stay quiet for the later ones)."""

    retry_after: float
    questions: int
    seconds: float
    first: bool = True


@dataclass(frozen=True, slots=True)
class FullPassage:
    """The full passage behind one result of a remembered answer."""

    result: Result | None
    learned: LearnedInfo | None = None


@dataclass(frozen=True, slots=True)
class MoreResults:
    answer: Answer
    learned: Mapping[str, LearnedInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stale:
    """The answer behind a button is no longer known (restart or evicted, no question)."""


@dataclass(frozen=True, slots=True)
class KbChanged:
    """The passage an answer showed is no longer in the knowledge base (its buttons were
    clicked after a restart, and the knowledge base changed in between)."""


VOTE_RECORDED = "recorded"
VOTE_ALREADY = "already"
VOTE_STALE = "stale"
VOTE_NOT_SAVED = "not_saved"  # the database could not take it: the member may try again
VOTE_CHANGED = "changed"  # the passage the answer showed is gone: not counted against another


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    vote: str  # "up" | "down"
    status: str  # VOTE_*


# ---------------------------------------------------------------------- gaps


@dataclass(frozen=True, slots=True)
class Gap:
    """Questions that say the same thing (same content terms) and were not answered or got 👎."""

    question: str  # the most recent wording
    terms: str  # the analysed terms they share
    count: int
    last_asked: str  # ISO 8601 UTC
    jump_url: str | None  # the most recent question's message, when known
    unanswered: int  # how many had no answer (the rest got a 👎)
    wordings: tuple[str, ...] = ()  # distinct wordings, most recent first


@dataclass(frozen=True, slots=True)
class GapsPage:
    days: int
    gaps: tuple[Gap, ...]  # this page's gaps
    page: int  # 1-based
    pages: int
    total: int  # gaps over all pages
    questions: int  # questions behind them
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class GapsCsv:
    days: int
    filename: str
    text: str
    rows: int
    audit_saved: bool = True


# ---------------------------------------------------------------------- teaching and /kb


@dataclass(frozen=True, slots=True)
class Taught:
    learned: LearnedInfo
    report: ReloadReport
    resolved: int  # gap questions marked resolved
    replaced: bool  # an earlier learned answer to the same question was replaced
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class KbAdded:
    document: str  # path relative to the knowledge directory
    report: ReloadReport
    replaced: bool
    audit_saved: bool = True
    resolved: int = 0  # gap questions the new document now answers


@dataclass(frozen=True, slots=True)
class KbRemoved:
    document: str
    report: ReloadReport
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class KbEntry:
    document: str
    title: str
    passages: int
    origin: str  # "upload" | "learned" | "folder"
    source: str | None  # the document's own source URL, when it names one


@dataclass(frozen=True, slots=True)
class KbPage:
    entries: tuple[KbEntry, ...]
    page: int
    pages: int
    total: int
    passages: int  # over all documents
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class KbDocument:
    entry: KbEntry
    sections: tuple[str, ...]  # heading paths, "A › B", in reading order
    learned: LearnedInfo | None = None
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class Reloaded:
    report: ReloadReport
    audit_saved: bool = True


@dataclass(frozen=True, slots=True)
class Forgotten:
    rows: int
    saved: bool  # False: the database could not be changed, nothing was deleted
