"""The application layer: everything the bot does, framework-free, for every adapter.

Discord cogs and views, the console and the CLI are thin dispatchers over `App`: it owns
the cooldowns, the answer state behind buttons, votes, the question log, knowledge gaps,
teaching and knowledge management, checks permissions from the caller's `Actor`, writes
the audit log, and returns domain results (bot/outcomes.py) that rendering turns into words.

Threading: methods marked *blocking* read files, search or reload; call them off the event
loop (`asyncio.to_thread`). `vote`, `answer_state` and `can_teach` are quick and
synchronous: a vote is checked and set before the adapter awaits anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .answer import MAX_QUESTION_CHARS, Answer, Result
from .config import Settings
from .cooldown import Cooldown
from .errors import FolderProblem, KnowledgeError, folder_problem
from .gaps import gaps_csv, gaps_page, group_gaps, terms_key
from .kbfiles import FileProblem, KnowledgeFiles
from .knowledge import Document, Passage
from .mentions import MentionNames, readable_mentions
from .outcomes import (
    EXISTS,
    NAMED_TOO_LONG,
    NOT_ADMIN,
    NOT_FOUND,
    NOT_TEACHER,
    RELOAD_FAILED,
    STORE_UNAVAILABLE,
    TOO_BIG,
    VOTE_ALREADY,
    VOTE_CHANGED,
    VOTE_NOT_SAVED,
    VOTE_RECORDED,
    VOTE_STALE,
    Actor,
    Asked,
    CoolingDown,
    Forgotten,
    FullPassage,
    Gap,
    GapsCsv,
    GapsPage,
    KbAdded,
    KbChanged,
    KbDocument,
    KbEntry,
    KbPage,
    KbRemoved,
    LearnedInfo,
    Leftover,
    MoreResults,
    Refused,
    Reloaded,
    Reread,
    Stale,
    Stranded,
    Taught,
    VoteOutcome,
    Where,
)
from .rendering.citation import citation_label
from .rendering.messages import follow_up_question, split_follow_up
from .service import KnowledgeService
from .storage import Store, StoreError
from .teach import (
    LEARNED_DIR,
    MAX_ANSWER_CHARS,
    check_teaching,
    learned_info,
    learned_markdown,
    learned_names,
    learned_path,
    question_key,
    without_id_mentions,
)
from .text import Analyzer, strip_mention_syntax
from .uploads import UPLOADS_DIR, UploadProblem, check_content, safe_name

log = logging.getLogger(__name__)

STORE_SIZE = 2000  # answers whose buttons work without asking again
MORE_RESULTS_K = 8  # how many passages "More results" lists
GAPS_PER_PAGE = 5
KB_PER_PAGE = 10
GAP_DAYS = (7, 30)
PURGE_EVERY_S = 3600.0
FINGERPRINT_BYTES = 6  # 12 hex digits in a button's custom id (Discord allows 100 characters)


def fingerprint(result: Result) -> str:
    """A short name for the passage an answer shows: its document and text. The answer's
    buttons carry it, so that after a restart they act on that passage and not on whatever
    the question finds today (the knowledge base may have changed in between). 48 bits: a
    different passage passes for the one shown about once in 10^14."""
    return passage_fingerprint(result.passage)


def passage_fingerprint(passage: Passage) -> str:
    """fingerprint() of the result showing `passage`."""
    h = hashlib.blake2b(digest_size=FINGERPRINT_BYTES)
    h.update(passage.document.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(passage.text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _follows_in(question: str) -> tuple[str, str] | None:
    """The (question followed, own words) a follow-up's title shows, None for another
    question: read only from a title, after a restart (App.ask is told)."""
    earlier, own = split_follow_up(question)
    return (earlier, own) if earlier is not None else None


def _showing_first(answer: Answer, shown: str, candidates: tuple[Result, ...]) -> Answer | None:
    """`answer` with the passage named `shown` (found among `candidates`) as its best result,
    the others after it; None when no candidate is that passage."""
    for r in candidates:
        if fingerprint(r) == shown:
            rest = tuple(x for x in answer.results if fingerprint(x) != shown)
            return dataclasses.replace(answer, results=(r, *rest)[: max(1, len(answer.results))])
    return None


@dataclass
class AnswerState:
    """What the buttons of one answer need; `voters` are salted hashes."""

    question: str
    answer: Answer
    voters: set[str] = field(default_factory=set)
    changed: bool = False  # recovered after a restart, and the passage the answer showed is gone
    # The question as the member wrote it, for a teaching form: mentions as names (a
    # message's), or still as bare ids (a slash command's option, named when a form opens).
    # Memory only, never saved.
    spoken: str | None = None
    # A follow-up's (the question it follows, its own words): `question` shows both as one.
    follows: tuple[str, str] | None = None


class AnswerStore:
    """The most recent answers by key, oldest evicted first (bounded memory)."""

    def __init__(self, size: int = STORE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, AnswerState] = OrderedDict()

    def put(self, key: str, state: AnswerState) -> None:
        self._items[key] = state
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def put_if_absent(self, key: str, state: AnswerState) -> AnswerState:
        existing = self.get(key)
        if existing is not None:
            return existing
        self.put(key, state)
        return state

    def forget_voter(self, voter: str) -> None:
        """After /forget-me: the member's votes are gone, so they may vote again."""
        for state in self._items.values():
            state.voters.discard(voter)

    def get(self, key: str) -> AnswerState | None:
        state = self._items.get(key)
        if state is not None:
            self._items.move_to_end(key)
        return state

    def __len__(self) -> int:
        return len(self._items)


def origin_of(document: str) -> str:
    """Where a document came from: "upload", "learned" or "folder" (put there by hand)."""
    head = document.split("/", 1)[0]
    return {UPLOADS_DIR: "upload", LEARNED_DIR: "learned"}.get(head, "folder") if "/" in document else "folder"


class App:
    """One instance per process; shared by every adapter."""

    def __init__(
        self,
        service: KnowledgeService,
        settings: Settings,
        store: Store | None = None,
        cooldown: Cooldown | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self.store = store if store is not None else Store.in_dir(settings.data_dir, self._clock)
        self.cooldown = cooldown or Cooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self.answers = AnswerStore()
        self.files = KnowledgeFiles(service)
        self._analyzer = Analyzer()
        self._lock = threading.Lock()  # cooldowns, answer state, vote check-and-set
        self._kb_lock = threading.Lock()  # one change of the knowledge folder at a time
        self._recovering: dict[str, threading.Event] = {}  # answer keys being asked again (under _lock)
        self._learned: dict[str, tuple[tuple[int, int], LearnedInfo | None]] = {}
        self._last_purge = -PURGE_EVERY_S
        self._store_warned = False
        self._import_feedback()
        self.purge()

    # ------------------------------------------------------------------ housekeeping

    def _import_feedback(self) -> None:
        try:
            self.store.import_feedback(self.settings.feedback_file, self.terms)
        except (StoreError, OSError) as exc:
            log.warning("could not import %s: %s", self.settings.feedback_file, exc)

    def purge(self) -> int:
        """Delete questions and votes older than QUESTION_LOG_DAYS; how many went (0 on failure)."""
        self._last_purge = time.monotonic()
        try:
            n = self.store.purge_questions(self.settings.question_log_days)
        except StoreError as exc:
            self._store_problem(exc)
            return 0
        if n:
            log.info("purged %d questions and votes older than %d days", n, self.settings.question_log_days)
        return n

    def _store_problem(self, exc: Exception) -> None:
        # One warning per outage, not one per question.
        if not self._store_warned:
            log.warning("database problem, carrying on without it: %s", exc)
            self._store_warned = True

    def terms(self, question: str) -> str:
        return terms_key(self._analyzer, question)

    def _hash(self, actor: Actor) -> str | None:
        return self.store.hash_user(actor.user)

    def _audit(self, actor: Actor, action: str, target: str | None, result: str, detail: str | None = None) -> bool:
        # What an admin typed may hold a mention (Discord fills "@name" in as <@id>): no raw id on disk.
        target = without_id_mentions(target) if target else target
        detail = without_id_mentions(detail) if detail else detail
        try:
            self.store.audit(actor=self._hash(actor), action=action, target=target, result=result, detail=detail)
        except StoreError as exc:
            log.warning("audit log: could not record %s %s (%s): %s", action, target, result, exc)
            return False
        log.info("admin action %s %s: %s", action, target or "", result)
        return True

    def _refuse(
        self,
        actor: Actor,
        action: str,
        reason: str,
        target: str | None = None,
        detail: str | None = None,
        limit: int | None = None,
        folder: FolderProblem | None = None,
        stranded: Stranded | None = None,
        leftover: Leftover | None = None,
        reread: Reread | None = None,
    ) -> Refused:
        if reason == NOT_ADMIN and detail is None:
            detail = actor.not_home  # Manage Server here, which does not count here: why
        record = f"{reason}{': ' + detail if detail else ''}"
        if stranded is not None:
            where = f"kept at {stranded.copy}" if stranded.kept else f"its copy {stranded.copy} is gone"
            record += f"; the file was not put back ({stranded.why}): {where}"
        if leftover is not None:
            record += f"; the new file {leftover.path} could not be deleted ({leftover.why}): a later reload reads it"
        if reread is not None:
            record += f"; the reload after putting the folder back failed ({reread.why}): the previous knowledge base is served"
        saved = self._audit(actor, action, target, "refused", record)
        return Refused(action, reason, detail, limit, saved, folder, stranded, leftover, reread)

    def _refuse_change(self, actor: Actor, action: str, target: str, problem: FileProblem) -> Refused:
        """A change of the knowledge folder that was not made (or not wholly undone: the problem says what is left)."""
        return self._refuse(
            actor,
            action,
            problem.reason,
            target,
            problem.detail,
            folder=problem.folder,
            stranded=problem.stranded,
            leftover=problem.leftover,
            reread=problem.reread,
        )

    def refuse(self, actor: Actor, action: str, reason: str) -> Refused:
        """A refusal the adapter made itself (a command check that ran first), audited like
        the refusals made here. *Blocking* (the audit log)."""
        return self._refuse(actor, action, reason)

    def can_teach(self, actor: Actor) -> bool:
        return actor.may_teach

    # ------------------------------------------------------------------ asking

    def new_key(self) -> str:
        """An answer key for adapters without message ids (the console)."""
        return "local-" + secrets.token_hex(8)

    def cooling_down(self, actor: Actor) -> CoolingDown | None:
        """Count one reply to `actor` against the rate limit: None when it may be sent, else
        how long to wait. Every reply a member's message can prompt counts (answers, and the
        hints for a bare mention or an unreadable role mention), so none can be made to
        repeat without limit."""
        with self._lock:
            wait = self.cooldown.hit(actor.user)
            first = self.cooldown.first_refusal(actor.user, wait) if wait > 0 else True
        if wait > 0:
            return CoolingDown(wait, self.settings.cooldown_questions, self.settings.cooldown_seconds, first)
        return None

    def ask(
        self,
        actor: Actor,
        question: str,
        key: str,
        where: Where | None = None,
        top_k: int | None = None,
        *,
        rate_limit: bool = True,
        spoken: str | None = None,
        follows: str | None = None,
        read: str | None = None,
    ) -> Asked | CoolingDown:
        """Rate-limit, answer, remember the answer for its buttons, log the question.
        `spoken`: the question as the member wrote it (the search drops mentions), for a
        teaching form opened on the answer: AnswerState.spoken. A follow-up's: `follows`,
        the question it follows up, in whose context it is read (its title shows both,
        "how do I install it? → and on windows?"), and `read`, the fingerprint of a passage
        the member has read already (the answer it replies to showed it), which is then not
        the answer. *Blocking.*"""
        if rate_limit:
            cooling = self.cooling_down(actor)
            if cooling is not None:
                return cooling
        exclude = (lambda p: passage_fingerprint(p) == read) if read else None
        # Mentions are not words of the question, whichever adapter it came from.
        own = strip_mention_syntax(question)
        pair = (follows, own) if follows else None
        answer = self._ask(own, top_k or self.settings.top_k, exclude=exclude, follows=pair)
        with self._lock:
            self.answers.put(key, AnswerState(answer.question, answer, spoken=spoken, follows=pair))
        logged = self._log_question(actor, answer, key, where or Where())
        teachable = not answer.answered and answer.small_talk is None and bool(self.terms(answer.question))
        shown = fingerprint(answer.best) if answer.answered and answer.best is not None else None
        return Asked(answer, key, self.learned_for(answer), logged, teachable, shown)

    def _ask(
        self,
        question: str,
        top_k: int,
        *,
        depth: int | None = None,
        exclude: Callable[[Passage], bool] | None = None,
        follows: tuple[str, str] | None = None,
    ) -> Answer:
        """service.ask; a follow-up's own words (`follows`: the question it follows, and
        them) read in the context of the question it follows, the answer's question the two
        as its title shows them."""
        if follows is None:
            return self.service.ask(question, top_k, depth=depth, exclude=exclude)
        earlier, own = follows
        answer = self.service.ask(own, top_k, depth=depth, exclude=exclude, context=earlier)
        return dataclasses.replace(answer, question=follow_up_question(earlier, own))

    def _asked(self, state: AnswerState | None, question: str | None, top_k: int) -> Answer:
        """An answer's question asked again: from its state, or after a restart from its
        title (`question`)."""
        follows = state.follows if state is not None else _follows_in(question or "")
        asked = state.question if state is not None else question or ""
        return self._ask(follows[1] if follows else asked, top_k, follows=follows)

    def _log_question(self, actor: Actor, answer: Answer, key: str, where: Where) -> bool:
        if not Asked(answer, key).asked_something:
            return True  # a thank-you, a greeting, "?" or "the" is no question: not a knowledge gap
        if time.monotonic() - self._last_purge > PURGE_EVERY_S:
            self.purge()
        best = answer.best
        try:
            self.store.log_question(
                asker=self._hash(actor),
                question=answer.question,
                terms=self.terms(answer.question),
                answered=answer.answered,
                answer_key=key,
                guild_id=where.guild_id,
                channel_id=where.channel_id,
                jump_url=where.jump_url,
                best_document=best.citation.document if best else None,
                best_paragraph=best.citation.paragraph if best else None,
                confidence=round(answer.confidence, 3),
            )
        except StoreError as exc:
            self._store_problem(exc)
            return False
        self._store_warned = False
        return True

    def link_answer(self, key: str, jump_url: str) -> None:
        """The question's jump link once the adapter knows it (a slash command's reply)."""
        try:
            self.store.set_jump_url(key, jump_url)
        except StoreError as exc:
            self._store_problem(exc)

    # ------------------------------------------------------------------ buttons

    def answer_state(self, key: str) -> AnswerState | None:
        with self._lock:
            return self.answers.get(key)

    def recover(self, key: str, question: str, shown: str | None = None) -> AnswerState:
        """The answer behind `key` after a restart, asked again from its question; clicks
        racing here wait for the first one's state (one engine run, one vote each). `shown`:
        the fingerprint of the passage the answer showed (its buttons carry it): that passage
        comes first, even if it now ranks lower; when it is no longer in the knowledge base
        the state says so (`changed`), and Full passage and votes refuse rather than act on
        another passage. Without it (buttons from before fingerprints) the question's best
        passage today. *Blocking.*"""
        while True:
            with self._lock:
                state = self.answers.get(key)
                if state is not None:
                    return state
                running = self._recovering.get(key)
                if running is None:
                    running = self._recovering[key] = threading.Event()
                    break
            # Another click is asking it: its state, once there (or a try of our own if it failed).
            running.wait()
        try:
            state = self._asked_again(question, shown)
            with self._lock:
                return self.answers.put_if_absent(key, state)
        finally:
            with self._lock:
                del self._recovering[key]
            running.set()

    def _asked_again(self, question: str, shown: str | None) -> AnswerState:
        # One pass looks below the top results too, for a passage shown that ranks lower now.
        follows = _follows_in(question)  # a follow-up's title shows the question it follows
        depth = MORE_RESULTS_K if shown is not None else None
        answer = self._ask(follows[1] if follows else question, self.settings.top_k, depth=depth, follows=follows)
        changed = False
        if shown is not None:
            kept = _showing_first(answer, shown, answer.results + answer.further)
            changed = kept is None
            answer = kept or answer
        return AnswerState(question, dataclasses.replace(answer, further=()), changed=changed, follows=follows)

    def full(self, key: str, n: int = 1) -> FullPassage | Stale | KbChanged:
        """Result `n` (1-based) of a remembered answer."""
        state = self.answer_state(key)
        if state is None:
            return Stale()
        if state.changed:
            return KbChanged()
        results = state.answer.results
        result = results[n - 1] if 1 <= n <= len(results) else None
        info = self.learned_info(result.citation.document) if result is not None else None
        return FullPassage(result, info)

    def more(self, key: str, question: str | None = None) -> MoreResults | Stale:
        """More passages for a remembered answer's question, or for `question` (the answer's
        own, read from its message) when it is not remembered, as after a restart: More
        results needs nothing else of the answer, so it is not recovered first, which would
        run the question through the engine once more. *Blocking.*"""
        state = self.answer_state(key)
        if state is None and question is None:
            return Stale()
        answer = self._asked(state, question, MORE_RESULTS_K)
        return MoreResults(answer, self.learned_for(answer))

    def vote(self, actor: Actor, key: str, vote: str, where: Where | None = None) -> VoteOutcome:
        """Record 👍/👎 once per member and answer. Synchronous and atomic: the check and
        the write happen under one lock with no await between them, and the database's
        unique index backs it across restarts. A vote that could not be saved is not
        counted, so the member can try again."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', got {vote!r}")
        state = self.answer_state(key)
        if state is None:
            return VoteOutcome(vote, VOTE_STALE)
        if state.changed:
            return VoteOutcome(vote, VOTE_CHANGED)  # the answer voted on is not there to record
        voter = self._hash(actor) or ""
        where = where or Where()
        answer = state.answer
        with self._lock:
            if voter in state.voters:
                return VoteOutcome(vote, VOTE_ALREADY)
            try:
                inserted = self.store.record_vote(
                    voter=voter,
                    answer_key=key,
                    vote=vote,
                    question=state.question,
                    terms=self.terms(state.question),
                    cited=[
                        {
                            "citation": citation_label(r.citation),
                            "document": r.citation.document,
                            "paragraph": r.citation.paragraph,
                            "source": r.citation.source,
                        }
                        for r in answer.results
                    ],
                    answered=answer.answered,
                    confidence=round(answer.confidence, 3),
                    guild_id=where.guild_id,
                    channel_id=where.channel_id,
                    message_id=where.message_id,
                )
            except StoreError as exc:
                log.warning("vote not saved: %s", exc)
                return VoteOutcome(vote, VOTE_NOT_SAVED)
            state.voters.add(voter)
        if inserted:
            log.info("feedback %s recorded for %r", vote, state.question[:80])
        return VoteOutcome(vote, VOTE_RECORDED if inserted else VOTE_ALREADY)

    # ------------------------------------------------------------------ learned answers

    def learned_info(self, document: str) -> LearnedInfo | None:
        """Where a learned answer came from (read from its front matter, cached by file
        size and time); None for other documents."""
        if not document.startswith(LEARNED_DIR + "/"):
            return None
        path = self.service.knowledge_dir / document
        try:
            st = path.stat()
            sig = (st.st_size, st.st_mtime_ns)
            cached = self._learned.get(document)
            if cached is not None and cached[0] == sig:
                return cached[1]
            info = learned_info(document, path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return None
        if len(self._learned) > 10_000:
            self._learned.clear()
        self._learned[document] = (sig, info)
        return info

    def learned_for(self, answer: Answer) -> dict[str, LearnedInfo]:
        out = {}
        for r in answer.results:
            info = self.learned_info(r.citation.document)
            if info is not None:
                out[r.citation.document] = info
        return out

    # ------------------------------------------------------------------ gaps

    def _gaps(self, days: int) -> list[Gap]:
        return group_gaps(self.store.gap_rows(days))

    def gaps(self, actor: Actor, days: int = 7, page: int = 1, per_page: int = GAPS_PER_PAGE) -> GapsPage | Refused:
        """Unanswered or 👎 questions of the last `days` days, grouped. Admins only. *Blocking.*"""
        if not actor.admin:
            return self._refuse(actor, "gaps", NOT_ADMIN)
        try:
            gaps = self._gaps(days)
        except StoreError as exc:
            return self._refuse(actor, "gaps", STORE_UNAVAILABLE, detail=str(exc))
        result = gaps_page(gaps, days, page, per_page)
        saved = self._audit(actor, "gaps", f"{days} days page {result.page}", "ok")
        return dataclasses.replace(result, audit_saved=saved)

    def gaps_csv(self, actor: Actor, days: int = 7) -> GapsCsv | Refused:
        """Every gap of the period as CSV. Admins only. *Blocking.*"""
        if not actor.admin:
            return self._refuse(actor, "gaps csv", NOT_ADMIN)
        try:
            gaps = self._gaps(days)
        except StoreError as exc:
            return self._refuse(actor, "gaps csv", STORE_UNAVAILABLE, detail=str(exc))
        saved = self._audit(actor, "gaps csv", f"{days} days", "ok")
        stamp = self._clock().strftime("%Y-%m-%d")
        return GapsCsv(days, f"kb-gaps-{days}d-{stamp}.csv", gaps_csv(gaps), len(gaps), saved)

    # ------------------------------------------------------------------ teaching

    def teach_precheck(self, actor: Actor, text: str | None = None, *, from_bot: bool = False) -> Refused | None:
        """Before a teaching form opens: may this member teach, is `text` (the message that
        would become the answer; None: not known yet) usable, and can a learned answer be
        saved at all (teach refuses the same on submit)? Quick: one look at the folder."""
        if not actor.may_teach:
            return self._refuse(actor, "teach", NOT_TEACHER)
        if text is not None or from_bot:
            problem = check_teaching(None, text or "", from_bot=from_bot)
            if problem is not None:
                return self._refuse(actor, "teach", problem.reason, detail=problem.field, limit=problem.limit)
        unusable = self.files.learned_folder()
        return None if unusable is None else self._refuse_change(actor, "teach", LEARNED_DIR, unusable)

    def teach(
        self,
        actor: Actor,
        question: str,
        answer: str,
        source: str,
        *,
        from_bot: bool = False,
        names: MentionNames | None = None,
    ) -> Taught | Refused:
        """Save a learned answer as knowledge/learned/<slug>.md, reload, and mark the gaps
        it answers resolved. `source` is the teaching message's jump URL or "console";
        `from_bot`: the message was the bot's own; `names`: who and what the texts' raw
        mentions name (the adapter knows; unknown ones read as such). *Blocking.*"""
        if not actor.may_teach:
            return self._refuse(actor, "teach", NOT_TEACHER)
        problem = check_teaching(question, answer, from_bot=from_bot)
        if problem is not None:
            return self._refuse(actor, "teach", problem.reason, detail=problem.field, limit=problem.limit)
        # Mentions as names, on every path: a file keeps no raw id, and a name pings nobody.
        question = " ".join(readable_mentions(question, names).split())
        answer = readable_mentions(answer, names, markdown=True).strip()
        # A name is longer than its mention (<@&1> can name a 100-character role): the limits
        # hold for what is saved.
        for name, text, limit in (("question", question, MAX_QUESTION_CHARS), ("answer", answer, MAX_ANSWER_CHARS)):
            if len(text) > limit:
                return self._refuse(actor, "teach", NAMED_TOO_LONG, detail=name, limit=limit)
        taught_by = self._hash(actor)
        today = self._clock().date()
        data = learned_markdown(question, answer, taught_by, today, source).encode("utf-8")
        with self._kb_lock:
            unusable = self.files.learned_folder()
            if unusable is not None:  # said before put's mkdir reads "File exists"
                return self._refuse_change(actor, "teach", LEARNED_DIR, unusable)
            rel = self._learned_path_for(question)
            if isinstance(rel, FileProblem):
                return self._refuse_change(actor, "teach", LEARNED_DIR, rel)
            replaced = self.files.present(rel)
            if isinstance(replaced, FileProblem):
                return self._refuse_change(actor, "teach", rel, replaced)
            result = self.files.put(rel, data, replace=True)
        if isinstance(result, FileProblem):
            return self._refuse_change(actor, "teach", rel, result)
        info = self.learned_info(rel) or LearnedInfo(rel, question, today, source, taught_by)
        resolved = self._resolve_gaps(question, rel)
        try:
            self.store.add_learned(
                path=rel,
                question=question,
                terms=self.terms(question),
                taught_by=taught_by,
                taught_at=today.isoformat(),
                source=source,
            )
        except StoreError as exc:
            self._store_problem(exc)
        saved = self._audit(actor, "teach", rel, "ok", "replaced" if replaced else None)
        return Taught(info, result, resolved, replaced, saved)

    def _learned_path_for(self, question: str) -> str | FileProblem:
        """Where this question's learned answer goes: wherever it is saved already (its plain
        name, its own name, or an older version's name), else its plain name, unless a
        different question's answer (or a file of someone's own) is there: a name of its own.
        A FileProblem when a name cannot be looked up."""
        key = question_key(question)
        for rel in learned_names(question):
            present = self.files.present(rel)
            if isinstance(present, FileProblem):
                return present
            if present:
                there = self.learned_info(rel)
                if there is not None and question_key(there.question) == key:
                    return rel  # the same question taught again: replace its answer
        rel = learned_path(question)
        taken = self.files.present(rel)
        if isinstance(taken, FileProblem):
            return taken
        return learned_path(question, distinct=True) if taken else rel

    def _resolve_gaps(self, question: str | None, document: str) -> int:
        """Resolve the gaps with the taught question's terms, and those that are now
        answered from `document` when asked again (paraphrases retrieval finds)."""
        keys = {self.terms(question)} if question else set()
        try:
            for gap in self._gaps(max(GAP_DAYS))[:200]:
                if gap.terms in keys:
                    continue
                answer = self.service.ask(gap.question, 1)
                if answer.answered and answer.best is not None and answer.best.citation.document == document:
                    keys.add(gap.terms)
            return self.store.resolve(sorted(keys)) if keys else 0
        except StoreError as exc:
            self._store_problem(exc)
            return 0

    # ------------------------------------------------------------------ /kb

    @property
    def max_file_bytes(self) -> int:
        return int(self.settings.max_file_mb * 1e6)  # MB as the loader counts them, so what is added loads

    def kb_precheck(self, actor: Actor, name: str, size: int, replace: bool = False) -> Refused | None:
        """Before downloading an upload: permission, file name, size and an existing file.
        Quick; kb_add checks all of it again, and the content."""
        if not actor.admin:
            return self._refuse(actor, "kb add", NOT_ADMIN, name[:120])
        clean = safe_name(name)
        if isinstance(clean, UploadProblem):
            return self._refuse(actor, "kb add", clean.reason, name[:120], clean.detail)
        if size > self.max_file_bytes:
            return self._refuse(actor, "kb add", TOO_BIG, clean, limit=self.max_file_bytes)
        names = self.files.upload_names()
        if isinstance(names, FileProblem):  # said before the file is downloaded for nothing
            return self._refuse(actor, "kb add", names.reason, clean, names.detail, folder=names.folder)
        if replace:
            return None
        rel = f"{UPLOADS_DIR}/{clean}"
        present = self.files.present(rel)
        if isinstance(present, FileProblem):
            return self._refuse_change(actor, "kb add", rel, present)
        return self._refuse(actor, "kb add", EXISTS, rel, rel) if present else None

    def kb_add(self, actor: Actor, name: str, data: bytes, replace: bool = False) -> KbAdded | Refused:
        """Add (or with `replace`, replace) a document under knowledge/uploads/, checked by
        content, and reload; on any problem nothing changes. Admins only. *Blocking.*"""
        if not actor.admin:
            return self._refuse(actor, "kb add", NOT_ADMIN, name[:120])
        clean = safe_name(name)
        if isinstance(clean, UploadProblem):
            return self._refuse(actor, "kb add", clean.reason, name[:120], clean.detail)
        problem = check_content(clean, data, self.max_file_bytes)
        if problem is not None:
            return self._refuse(actor, "kb add", problem.reason, clean, problem.detail, problem.limit)
        rel = f"{UPLOADS_DIR}/{clean}"
        with self._kb_lock:
            names = self.files.upload_names()
            if isinstance(names, FileProblem):
                return self._refuse(actor, "kb add", names.reason, rel, names.detail, folder=names.folder)
            clash = next((n for n in names if n.casefold() == clean.casefold() and n != clean), None)
            if clash is not None:  # "Guide.md" and "guide.md" are one file on some disks
                return self._refuse(actor, "kb add", EXISTS, rel, f"{UPLOADS_DIR}/{clash}")
            replaced = self.files.present(rel)
            if isinstance(replaced, FileProblem):
                return self._refuse_change(actor, "kb add", rel, replaced)
            result = self.files.put(rel, data, replace)
        if isinstance(result, FileProblem):
            return self._refuse_change(actor, "kb add", rel, result)
        resolved = self._resolve_gaps(None, rel)
        saved = self._audit(actor, "kb add", rel, "ok", "replaced" if replaced else None)
        return KbAdded(rel, result, replaced, saved, resolved)

    def resolve_document(self, document: str) -> str | None:
        """A document path from what an admin typed: the path, a file name or a title."""
        docs = self.service.knowledge.documents
        wanted = document.strip().strip("/")
        for match in (
            lambda d: d.path == wanted,
            lambda d: d.path.casefold() == wanted.casefold(),
            lambda d: d.path.rsplit("/", 1)[-1].casefold() == wanted.casefold(),
            lambda d: d.title.casefold() == wanted.casefold(),
        ):
            found = [d.path for d in docs if match(d)]
            if len(found) == 1:
                return found[0]
        return None

    def kb_remove(self, actor: Actor, document: str) -> KbRemoved | Refused:
        """Delete a document's file and reload (a failed reload puts it back). Admins only. *Blocking.*"""
        if not actor.admin:
            return self._refuse(actor, "kb remove", NOT_ADMIN, document[:200])
        with self._kb_lock:
            rel = self.resolve_document(document)
            if rel is None:
                return self._refuse(actor, "kb remove", NOT_FOUND, document[:200], document[:200])
            result = self.files.remove(rel)
        if isinstance(result, FileProblem):
            return self._refuse_change(actor, "kb remove", rel, result)
        if rel.startswith(LEARNED_DIR + "/"):
            try:
                self.store.remove_learned(rel)
            except StoreError as exc:
                self._store_problem(exc)
        saved = self._audit(actor, "kb remove", rel, "ok")
        return KbRemoved(rel, result, saved)

    @staticmethod
    def _entry(d: Document) -> KbEntry:
        return KbEntry(d.path, d.title, len(d.paragraphs), origin_of(d.path), d.source)

    def kb_list(self, actor: Actor, page: int = 1, per_page: int = KB_PER_PAGE) -> KbPage | Refused:
        """The documents, a page at a time. Admins only."""
        if not actor.admin:
            return self._refuse(actor, "kb list", NOT_ADMIN)
        docs = self.service.knowledge.documents
        pages = max(1, -(-len(docs) // per_page))
        page = min(max(1, page), pages)
        shown = tuple(self._entry(d) for d in docs[(page - 1) * per_page : page * per_page])
        saved = self._audit(actor, "kb list", f"page {page}", "ok")
        return KbPage(shown, page, pages, len(docs), sum(len(d.paragraphs) for d in docs), saved)

    def kb_show(self, actor: Actor, document: str) -> KbDocument | Refused:
        """One document: title, sections, passages, source. Admins only."""
        if not actor.admin:
            return self._refuse(actor, "kb show", NOT_ADMIN, document[:200])
        rel = self.resolve_document(document)
        if rel is None:
            return self._refuse(actor, "kb show", NOT_FOUND, document[:200], document[:200])
        kb = self.service.knowledge
        i = next(n for n, d in enumerate(kb.documents) if d.path == rel)
        doc = kb.documents[i]
        # Passages are stored document after document: read only this one's.
        start = sum(len(d.paragraphs) for d in kb.documents[:i])
        sections: list[str] = []
        for j in range(start, start + len(doc.paragraphs)):
            p = kb.passages[j]
            if p.section:
                name = " › ".join(p.section)
                if name not in sections:
                    sections.append(name)
        saved = self._audit(actor, "kb show", rel, "ok")
        return KbDocument(self._entry(doc), tuple(sections), self.learned_info(rel), saved)

    def kb_documents(self, prefix: str = "", limit: int = 25) -> list[str]:
        """Document paths for autocomplete: those whose path or title contains `prefix`."""
        want = prefix.strip().casefold()
        out = [
            d.path
            for d in self.service.knowledge.documents
            if not want or want in d.path.casefold() or want in d.title.casefold()
        ]
        return out[:limit]

    def reload(self, actor: Actor) -> Reloaded | Refused:
        """Reload from disk; a failure keeps the old knowledge base. Admins only. *Blocking.*"""
        if not actor.admin:
            return self._refuse(actor, "reload", NOT_ADMIN)
        with self._kb_lock:
            try:
                report = self.service.reload()
            except KnowledgeError as exc:
                saved = self._audit(actor, "reload", None, "failed", str(exc))
                return Refused("reload", RELOAD_FAILED, str(exc), audit_saved=saved, folder=folder_problem(exc))
        return Reloaded(report, self._audit(actor, "reload", None, "ok", report.diff.counts()))

    # ------------------------------------------------------------------ members

    def forget_me(self, actor: Actor) -> Forgotten:
        """Delete the member's questions and votes; the row count, or saved=False. *Blocking.*"""
        user = self._hash(actor)
        if user is None or actor.user is None:
            return Forgotten(0, True)
        try:
            n = self.store.forget(self.store.hashes_of(actor.user))
        except StoreError as exc:
            log.warning("forget-me failed: %s", exc)
            return Forgotten(0, False)
        with self._lock:
            self.answers.forget_voter(user)
        log.info("forget-me: deleted %d rows", n)
        return Forgotten(n, True)
