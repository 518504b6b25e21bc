"""The application layer: votes (check-and-set), the question log and gaps, teaching,
knowledge management with its bad inputs, permissions and the audit log, and carrying on
when the database fails."""

from __future__ import annotations

import codecs
import errno
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import outcomes as o
from bot.app import App, fingerprint
from bot.config import Settings
from bot.errors import FolderProblem, KnowledgeDirError, KnowledgeError
from bot.gaps import gaps_csv
from bot.mentions import MentionNames
from bot.outcomes import CONSOLE_ACTOR, Actor, Asked, Refused
from bot.service import KnowledgeService
from bot.storage import Store
from bot.uploads import UPLOADS_DIR
from tests.fakes.handler_fakes import make_knowledge

ADMIN = CONSOLE_ACTOR
MEMBER = Actor(4242)
TEACHER = Actor(5151, teacher=True)


def make_app(tmp_path: Path, **settings) -> App:
    kdir = make_knowledge(tmp_path / "knowledge")
    s = Settings(knowledge_dir=kdir, data_dir=tmp_path / "data", feedback_file=tmp_path / "fb.jsonl", **settings)
    return App(KnowledgeService.open(kdir), s)


@pytest.fixture
def app(tmp_path) -> App:
    return make_app(tmp_path)


def ask(app: App, question: str, actor: Actor = MEMBER) -> Asked:
    out = app.ask(actor, question, app.new_key(), rate_limit=False)
    assert isinstance(out, Asked)
    return out


def snapshot(app: App) -> tuple:
    """Everything a failed change must leave as it was: every file and folder of the
    knowledge directory (bytes and times, hidden leftovers included) and the index."""
    root = app.service.knowledge_dir
    files = {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }
    kb = app.service.knowledge
    docs = [(d.path, d.title, tuple(d.paragraphs)) for d in kb.documents]
    probe = app.service.ask("why Ramstein?")
    return (
        files,
        docs,
        len(kb.passages),
        [(r.citation.document, r.citation.paragraph, round(r.score, 9)) for r in probe.results],
    )


# ---------------------------------------------------------------------------- votes


def test_one_hundred_rapid_votes_by_one_member_record_one(app):
    key = ask(app, "why Ramstein?").key
    statuses = [app.vote(MEMBER, key, "up").status for _ in range(100)]
    assert statuses.count(o.VOTE_RECORDED) == 1 and statuses.count(o.VOTE_ALREADY) == 99
    assert len(app.store.votes()) == 1


def test_concurrent_votes_from_threads_record_one(app):
    key = ask(app, "why Ramstein?").key
    barrier = threading.Barrier(20)
    statuses: list[str] = []

    def click() -> None:
        barrier.wait()
        for _ in range(5):
            statuses.append(app.vote(MEMBER, key, "down").status)

    threads = [threading.Thread(target=click) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(o.VOTE_RECORDED) == 1 and len(statuses) == 100
    assert len(app.store.votes()) == 1


def test_votes_of_different_members_and_stale_answers(app):
    key = ask(app, "why Ramstein?").key
    assert app.vote(Actor(1), key, "up").status == o.VOTE_RECORDED
    assert app.vote(Actor(2), key, "down").status == o.VOTE_RECORDED
    assert app.vote(Actor(1), "no-such-answer", "up").status == o.VOTE_STALE
    votes = app.store.votes()
    assert [v["vote"] for v in votes] == ["up", "down"] and votes[0]["user"] != votes[1]["user"]
    assert votes[0]["cited"][0]["paragraph"] == 3


def test_a_vote_that_cannot_be_saved_is_not_counted(app):
    key = ask(app, "why Ramstein?").key
    store = app.store
    with store._lock:
        real = store._conn
        store._conn = sqlite3.connect(
            f"file:{store.path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    try:
        assert app.vote(MEMBER, key, "up").status == o.VOTE_NOT_SAVED
    finally:
        store._conn.close()
        store._conn = real
    assert app.vote(MEMBER, key, "up").status == o.VOTE_RECORDED  # the retry counts


# ---------------------------------------------------------------------------- buttons after a restart

SPACE = "what is NATO doing in space?"  # six passages match: some rank below the top 3


def count_asks(app: App, monkeypatch, delay: float = 0.0) -> list[tuple[str, int | None]]:
    """The questions (and top_k) the app puts to the engine from now on."""
    calls: list[tuple[str, int | None]] = []
    real = app.service.ask

    def ask(question: str, top_k: int | None = None, **kwargs):  # noqa: ANN202
        calls.append((question, top_k))
        time.sleep(delay)
        return real(question, top_k, **kwargs)

    monkeypatch.setattr(app.service, "ask", ask)
    return calls


def test_recovering_an_answer_whose_passage_ranks_lower_now_asks_the_engine_once(app, monkeypatch):
    """After a restart, when the passage an answer showed ranked below the top 3 (or was
    gone), App.recover asked the question twice: top 3, then again for 8 to look further."""
    top = app.service.ask(SPACE, app.settings.top_k)
    deep = app.service.ask(SPACE, 8).results
    assert len(top.results) == 3 and len(deep) > 3
    calls = count_asks(app, monkeypatch)
    state = app.recover("1001", SPACE, fingerprint(deep[3]))
    assert len(calls) == 1
    # What it recovers is what it always did: the passage shown first, then the top 3's
    # others, judged (answered, confidence) as the top 3 are.
    assert [fingerprint(r) for r in state.answer.results] == [fingerprint(r) for r in (deep[3], *top.results[:2])]
    assert (state.answer.answered, state.answer.confidence, state.changed) == (top.answered, top.confidence, False)
    assert state.answer.signals == top.signals

    gone = app.recover("1002", SPACE, "0123456789ab")  # not in the knowledge base any more
    assert len(calls) == 2 and gone.changed
    assert [fingerprint(r) for r in gone.answer.results] == [fingerprint(r) for r in top.results]
    assert (gone.answer.answered, gone.answer.confidence) == (top.answered, top.confidence)

    best = app.recover("1003", SPACE, fingerprint(top.results[0]))  # the common case: one ask, as before
    assert len(calls) == 3 and not best.changed
    assert [fingerprint(r) for r in best.answer.results] == [fingerprint(r) for r in top.results]


def test_clicks_racing_to_recover_one_answer_ask_the_engine_once(app, monkeypatch):
    """Clicks on one old answer after a restart all recovered it at once: each asked the
    engine the same question (they only shared the state afterwards)."""
    calls = count_asks(app, monkeypatch, delay=0.05)
    barrier = threading.Barrier(8)
    states = []

    def click() -> None:
        barrier.wait()
        states.append(app.recover("2001", "why Ramstein?"))

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(states) == 8 and all(s is states[0] for s in states)
    assert calls == [("why Ramstein?", app.settings.top_k)]


def test_a_recovery_that_fails_lets_the_next_click_try_again(app, monkeypatch):
    real = app.service.ask
    monkeypatch.setattr(app.service, "ask", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("engine down")))
    with pytest.raises(RuntimeError):
        app.recover("3001", "why Ramstein?")
    monkeypatch.setattr(app.service, "ask", real)
    assert app.recover("3001", "why Ramstein?").answer.answered


def test_a_click_waiting_on_a_recovery_that_fails_asks_itself(app, monkeypatch):
    """The clicks waiting for the first one's recovery must not wait forever when it fails
    (a hang here would hold a worker thread and the click's interaction): one asks again."""
    real = app.service.ask
    first_in, fail_now = threading.Event(), threading.Event()
    calls: list[str] = []

    def ask(question, top_k=None, **kwargs):  # noqa: ANN001, ANN202
        calls.append(question)
        if len(calls) == 1:
            first_in.set()
            fail_now.wait(10)
            raise RuntimeError("engine down")
        return real(question, top_k, **kwargs)

    monkeypatch.setattr(app.service, "ask", ask)
    results: dict[str, object] = {}

    def click(name: str) -> None:
        try:
            results[name] = app.recover("3101", "why Ramstein?")
        except RuntimeError as exc:
            results[name] = exc

    first = threading.Thread(target=click, args=("first",))
    first.start()
    assert first_in.wait(10)
    waiting = threading.Thread(target=click, args=("waiting",))
    waiting.start()
    time.sleep(0.05)  # it waits on the first one's recovery
    assert calls == ["why Ramstein?"]
    fail_now.set()
    first.join(10)
    waiting.join(10)
    assert not first.is_alive() and not waiting.is_alive()
    assert isinstance(results["first"], RuntimeError) and results["waiting"] is app.answer_state("3101")
    assert len(calls) == 2


# ---------------------------------------------------------------------------- gaps


def test_gaps_group_questions_that_say_the_same(app):
    for q in ("Where do I park my car?", "where can I park my car", "car parking: where?"):
        ask(app, q)
    ask(app, "what is the wifi password?")
    ask(app, "what is the wifi password?", Actor(7))
    ask(app, "why Ramstein?")  # answered, no 👎: not a gap
    bad = ask(app, "where is the space center?").key
    app.vote(MEMBER, bad, "down")
    page = app.gaps(ADMIN, days=7)
    assert not isinstance(page, Refused)
    by_question = {g.question: g for g in page.gaps}
    park = by_question["car parking: where?"]  # the latest wording leads its group
    assert park.count == 3 and park.unanswered == 3 and len(park.wordings) == 3
    assert by_question["what is the wifi password?"].count == 2
    assert page.total == len(page.gaps) == 3 and page.questions == 6
    assert [g.count for g in page.gaps] == [3, 2, 1]  # most asked first
    down = by_question["where is the space center?"]
    assert down.unanswered == 0 and down.count == 1  # there because of its 👎
    assert "Ramstein" not in " ".join(by_question)


def test_messages_with_nothing_to_search_are_no_gaps(app):
    # "\u3164" and its kin: the Hangul fillers members use as an invisible message or name.
    for q in ("?", "...", "🙂", "the", "is a", "<@123>", "\u3164", "\uffa0 \u115f", "\u1160?"):
        assert ask(app, q).answer.reason in ("not_a_question", "no_words"), repr(q)
        assert not ask(app, q).teachable
    ask(app, "what is the wifi password?")
    page = app.gaps(ADMIN, days=7)
    assert [g.question for g in page.gaps] == ["what is the wifi password?"] and page.questions == 1


def test_gaps_paginate_and_export_csv(app):
    for i in range(7):
        ask(app, f"unknown topic number{i} zebra{i}?")
    first = app.gaps(ADMIN, days=7, page=1, per_page=3)
    last = app.gaps(ADMIN, days=7, page=99, per_page=3)
    assert (first.page, first.pages, len(first.gaps)) == (1, 3, 3)
    assert (last.page, len(last.gaps)) == (3, 1)  # clamped to the last page
    csv = app.gaps_csv(ADMIN, days=30)
    assert csv.rows == 7 and csv.text.splitlines()[0].startswith("question,count,")
    assert len(csv.text.splitlines()) == 8 and csv.filename.endswith(".csv")


def test_csv_cells_cannot_run_as_formulas():
    from bot.outcomes import Gap

    text = gaps_csv([Gap('=HYPERLINK("x")', "x", 1, "2026-12-01T00:00:00+00:00", None, 1)])
    assert "'=HYPERLINK" in text


def test_gaps_and_kb_are_for_admins_only_and_refusals_are_audited(app):
    for call in (
        lambda: app.gaps(MEMBER),
        lambda: app.gaps_csv(MEMBER),
        lambda: app.kb_list(MEMBER),
        lambda: app.kb_show(MEMBER, "x"),
        lambda: app.kb_add(MEMBER, "a.md", b"# A\n\nText."),
        lambda: app.kb_remove(MEMBER, "nato-space-center-ramstein.txt"),
        lambda: app.reload(MEMBER),
    ):
        result = call()
        assert isinstance(result, Refused) and result.reason == o.NOT_ADMIN
    audit = app.store.audit_rows(20)
    assert len(audit) == 7 and all(r["result"] == "refused" for r in audit)
    # A mention typed into a document name is audited without the raw id it carries.
    app.kb_show(ADMIN, "<@98765432123> guide")
    assert "98765432123" not in str(app.store.audit_rows(1))
    assert all(r["actor"] == app.store.hash_user(4242) for r in audit)
    assert (app.service.knowledge_dir / "nato-space-center-ramstein.txt").exists()


# ---------------------------------------------------------------------------- teaching


def test_teach_saves_a_learned_file_answers_from_it_and_closes_the_gap(app):
    ask(app, "Where do I park my car?")
    ask(app, "where can visitors leave a car")  # a paraphrase retrieval will find
    assert app.gaps(ADMIN).total == 2
    taught = app.teach(
        TEACHER,
        "Where do I park my car?",
        "Visitors park behind building 3; the gate code is on the sign-in sheet.",
        "https://discord.com/channels/1/2/3",
    )
    assert isinstance(taught, o.Taught), taught
    path = app.service.knowledge_dir / taught.learned.document
    assert taught.learned.document == "learned/where-do-i-park-my-car.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith('---\nquestion: "Where do I park my car?"\n')
    assert f'taught_by: "{app.store.hash_user(5151)}"' in text and '5151"' not in text
    assert 'source: "https://discord.com/channels/1/2/3"' in text
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp file left
    assert taught.report.diff.documents_added == ("learned/where-do-i-park-my-car.md",)
    assert taught.resolved >= 1

    later = ask(app, "where should I park?")
    assert later.answer.answered and later.answer.best.citation.document == taught.learned.document
    info = later.learned[taught.learned.document]
    assert info.source == "https://discord.com/channels/1/2/3" and info.taught_on == taught.learned.taught_on
    assert later.answer.best.citation.source == "https://discord.com/channels/1/2/3"
    assert [g.question for g in app.gaps(ADMIN).gaps if "park" in g.question] == []  # resolved
    assert "teach" in [r["action"] for r in app.store.audit_rows(5) if r["result"] == "ok"]


def test_teaching_the_same_question_again_replaces_it(app):
    first = app.teach(ADMIN, "What is the wifi password?", "Ask at the desk.", "console")
    again = app.teach(ADMIN, "what is the wifi password", "It is on the card at the desk.", "console")
    assert not first.replaced and again.replaced and again.learned.document == first.learned.document
    assert "card at the desk" in ask(app, "wifi password?").answer.best.passage.text


@pytest.mark.parametrize(
    "first,second",
    [
        ("What does C++ mean here?", "What does C mean here?"),  # both "what-does-c-mean-here"
        ("Что такое VPN?", "Где VPN?"),  # only the Latin letters make the name: both "vpn"
        ("Что такое кварк?", "Где кварк?"),  # no Latin letters: a hash of the question
    ],
)
def test_a_different_question_with_the_same_file_name_does_not_replace_an_answer(app, first, second):
    one = app.teach(ADMIN, first, "The first answer, about plonkers.", "console")
    two = app.teach(ADMIN, second, "The second answer, about zibbles.", "console")
    assert isinstance(one, o.Taught) and isinstance(two, o.Taught)
    assert not two.replaced and two.learned.document != one.learned.document
    kdir = app.service.knowledge_dir
    assert "plonkers" in (kdir / one.learned.document).read_text(encoding="utf-8")
    # The same question again still replaces its own answer, wherever it was saved.
    again = app.teach(ADMIN, second.lower().rstrip("?"), "The second answer, about zobbles.", "console")
    assert again.replaced and again.learned.document == two.learned.document
    assert "plonkers" in (kdir / one.learned.document).read_text(encoding="utf-8")


def test_re_teaching_a_question_replaces_its_answer_saved_under_the_older_name(app):
    # Before the names of questions without Latin letters hashed the question without its
    # closing "?", "Что такое кварк?" was saved as answer-<hash of "что такое кварк?">.
    import hashlib
    from datetime import date

    from bot.teach import LEARNED_DIR, learned_markdown

    question = "Что такое кварк?"
    old = f"{LEARNED_DIR}/answer-{hashlib.sha256(question.casefold().encode()).hexdigest()[:12]}.md"
    path = app.service.knowledge_dir / old
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(learned_markdown(question, "The old answer, about plonkers.", "h", date(2026, 1, 1), "console"))
    assert isinstance(app.reload(ADMIN), o.Reloaded)
    again = app.teach(ADMIN, question, "The new answer, about zibbles.", "console")
    assert isinstance(again, o.Taught) and again.replaced and again.learned.document == old
    learned = sorted(p.name for p in (app.service.knowledge_dir / LEARNED_DIR).iterdir())
    assert learned == [path.name] and "zibbles" in path.read_text(encoding="utf-8")


def test_a_question_taught_again_after_the_other_one_left_replaces_its_own_answer(app):
    # "C++ help?" took c-help, so "C help?" got a name of its own; once "C++ help?" is
    # removed, teaching "C help?" again must replace that answer, not add a second one.
    from bot.teach import LEARNED_DIR

    one = app.teach(ADMIN, "What does C++ mean here?", "The first answer, about plonkers.", "console")
    two = app.teach(ADMIN, "What does C mean here?", "The second answer, about zibbles.", "console")
    assert isinstance(one, o.Taught) and isinstance(two, o.Taught)
    (app.service.knowledge_dir / one.learned.document).unlink()
    assert isinstance(app.reload(ADMIN), o.Reloaded)
    again = app.teach(ADMIN, "What does C mean here?", "The second answer, about zobbles.", "console")
    assert isinstance(again, o.Taught) and again.replaced and again.learned.document == two.learned.document
    assert len(list((app.service.knowledge_dir / LEARNED_DIR).iterdir())) == 1


def test_a_learned_answer_names_the_mentions_it_holds_and_keeps_no_raw_id(app):
    """Mentions were dropped ("<@1234567890> has it; ask <@!99887766>." was saved as "has it;
    ask.", the question as "Who has the key?") and channel mentions kept as raw ids (shown
    later as "<#…>"). Now every path saves them as the names members read: those the adapter
    knows (Discord's message, its caches), the others as unknown, never the id."""
    question, answer = "Who has the <@&4242424242> key?", "<@1234567890> has it; ask <@!99887766> in <#5555555555>."
    names = MentionNames(
        {1234567890: "Bob", 99887766: "Dee Dee"}, {4242424242: "Key keepers"}, {5555555555: "front-desk"}
    )
    taught = app.teach(ADMIN, question, answer, "https://discord.com/channels/1/2/3", names=names)
    assert isinstance(taught, o.Taught), taught
    text = (app.service.knowledge_dir / taught.learned.document).read_text(encoding="utf-8")
    assert "@Bob has it; ask @Dee Dee in #front-desk." in text and 'question: "Who has the @Key keepers key?"' in text
    assert taught.learned.question == "Who has the @Key keepers key?"

    # The console knows no names: each reads as what it was, still no id.
    taught = app.teach(ADMIN, "Who opens the <#5555555555>?", "<@1234567890> does, or <@&4242424242>.", "console")
    assert isinstance(taught, o.Taught), taught
    text = (app.service.knowledge_dir / taught.learned.document).read_text(encoding="utf-8")
    assert "@unknown-user does, or @unknown-role." in text and 'question: "Who opens the #unknown-channel?"' in text
    for raw in ("<@", "<#", "4242424242", "1234567890", "99887766", "5555555555"):
        assert raw not in text
    # Only mentions is still no answer, named or not.
    refused = app.teach(ADMIN, "Who?", "<@1234567890> <#5555555555>", "console", names=names)
    assert isinstance(refused, Refused) and refused.reason == o.ONLY_PINGS


@pytest.mark.parametrize(
    "question,answer,words",
    [
        # Discord shows these as text; as Markdown they were a heading or an HTML block, and
        # the answer was refused as "the file could not be read as a document".
        ("When does the yarrow shuttle leave?", "The yarrow shuttle leaves at nine.\n---", "leaves at nine"),
        ("When does the yarrow shuttle land?", "It lands at ten.\n===", "lands at ten"),
        ("How do I reset the flarn?", "<details>Press the flarn reset button twice.</details>", "button twice"),
        ("How do I open the vexil?", "> <div>Turn the vexil handle left.", "handle left"),
        # The lines after the first of an HTML-looking block are text too (a closing tag
        # there used to start a block of its own and swallow what followed).
        (
            "How do I fold the wimple?",
            "<details>\n<summary>Folding</summary>\nFold the wimple thrice.",
            "wimple thrice",
        ),
        ("How do I wind the gorp?", "Wind it:\n<div>\nslowly\n</div>\nthen the gorp chimes.", "gorp chimes"),
        # A word in angle brackets is text in Discord, not a tag to drop.
        # Old Mac line breaks (a lone CR) are line breaks to Markdown too.
        ("How do I dry the snood?", "Rinse the snood.\r<details>\rThen dry the snood.", "dry the snood"),
        ("How do I log in to the quib?", "Type quib login <yourname> in the quib console.", "<yourname>"),
    ],
)
def test_chat_answers_are_learned_as_discord_showed_them(app, question, answer, words):
    taught = app.teach(ADMIN, question, answer, "console")
    assert isinstance(taught, o.Taught), taught
    best = ask(app, question).answer.best
    assert best is not None and best.citation.document == taught.learned.document and words in best.passage.text


def test_code_inside_a_learned_answer_is_kept_as_written(app):
    code = "Run this to reset the plonk:\n\n```html\n<div>reset</div>\nplonk\n---\n```"
    taught = app.teach(ADMIN, "How do I reset the plonk?", code, "console")
    assert isinstance(taught, o.Taught), taught
    assert code in (app.service.knowledge_dir / taught.learned.document).read_text(encoding="utf-8")


def test_an_answer_of_code_alone_is_refused_with_a_reason_for_the_teacher(app):
    from bot.rendering.kb import render_refused

    refused = app.teach(ADMIN, "Where is the frobnicator kept?", "```\nshelf 4, room 12\n```", "console")
    assert isinstance(refused, Refused) and refused.reason == o.UNPARSEABLE
    text = render_refused(refused).content or ""
    assert "add a sentence" in text and "file" not in text


@pytest.mark.parametrize(
    "question,answer,kwargs,reason",
    [
        ("Where?", "", {}, o.EMPTY),
        ("   ", "An answer.", {}, o.EMPTY),
        ("Where?", "x" * 10_000, {}, o.TOO_LONG),
        ("Where?", "<@123> <@&456> @everyone", {}, o.ONLY_PINGS),
        ("Where?", "@\u200beveryone ＠here <#789>", {}, o.ONLY_PINGS),  # hidden pings are pings too
        ("Where?", "👍 !!!", {}, o.ONLY_PINGS),  # no words either
        ("Where?", "Behind building 3.", {"from_bot": True}, o.BOT_MESSAGE),
    ],
)
def test_teach_refuses_bad_input_and_changes_nothing(app, question, answer, kwargs, reason):
    before = snapshot(app)
    result = app.teach(TEACHER, question, answer, "console", **kwargs)
    assert isinstance(result, Refused) and result.reason == reason
    assert snapshot(app) == before


def test_only_teachers_and_admins_may_teach(app):
    assert app.teach(MEMBER, "Q?", "A.", "console").reason == o.NOT_TEACHER
    assert app.teach_precheck(MEMBER).reason == o.NOT_TEACHER
    assert app.teach_precheck(TEACHER) is None
    assert app.teach_precheck(TEACHER, "<@1>").reason == o.ONLY_PINGS
    assert app.teach_precheck(TEACHER, "fine", from_bot=True).reason == o.BOT_MESSAGE
    assert isinstance(app.teach(Actor(1, admin=True), "Q about zebras?", "Zebras live here.", "console"), o.Taught)


# ---------------------------------------------------------------------------- /kb


def test_kb_add_list_show_remove(app):
    ask(app, "where do visitors park their cars?")
    added = app.kb_add(
        ADMIN, "Parking Guide.md", b"# Parking guide\n\n## Visitors\n\nVisitors park behind building 3.\n"
    )
    assert isinstance(added, o.KbAdded) and added.document == "uploads/Parking-Guide.md"
    assert added.report.diff.documents_added == ("uploads/Parking-Guide.md",)
    assert added.resolved == 1 and app.gaps(ADMIN).total == 0  # the gap it answers is closed
    assert ask(app, "where do visitors park?").answer.best.citation.document == "uploads/Parking-Guide.md"
    page = app.kb_list(ADMIN)
    assert {e.document: e.origin for e in page.entries} == {
        "nato-space-center-ramstein.txt": "folder",
        "uploads/Parking-Guide.md": "upload",
    }
    shown = app.kb_show(ADMIN, "parking-guide.md")
    assert shown.entry.title == "Parking guide" and shown.entry.passages == 1
    assert app.kb_documents("park") == ["uploads/Parking-Guide.md"]
    replaced = app.kb_add(ADMIN, "Parking Guide.md", b"# Parking guide\n\nPark at the gym.\n", replace=True)
    assert replaced.replaced and replaced.report.diff.documents_changed == ("uploads/Parking-Guide.md",)
    removed = app.kb_remove(ADMIN, "uploads/Parking-Guide.md")
    assert isinstance(removed, o.KbRemoved) and removed.report.diff.documents_removed == ("uploads/Parking-Guide.md",)
    assert not (app.service.knowledge_dir / "uploads" / "Parking-Guide.md").exists()
    assert app.kb_remove(ADMIN, "nothing-like-this").reason == o.NOT_FOUND
    actions = [r["action"] for r in reversed(app.store.audit_rows(10))]
    assert actions[-4:] == ["kb show", "kb add", "kb remove", "kb remove"] and "gaps" in actions


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("photo.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, o.BINARY),
        ("zero.txt", b"text\x00with a NUL byte", o.BINARY),
        ("latin1.txt", "Caf\u00e9 cr\u00e8me and more text".encode("latin-1"), o.NOT_UTF8),
        ("fake.pdf", b"just text pretending to be a PDF", o.NOT_PDF),
        ("../../x.md", b"# Escape\n\nOut of the folder.", o.BAD_NAME),
        ("..\\..\\x.md", b"# Escape\n\nOut of the folder.", o.BAD_NAME),
        ("CON.md", b"# Console\n\nA device name.", o.RESERVED_NAME),
        ("lpt1.txt", b"A device name.", o.RESERVED_NAME),
        (".hidden.md", b"# Hidden\n\nText.", o.BAD_NAME),
        ("notes.docx", b"PK\x03\x04", o.UNSUPPORTED_TYPE),
        ("empty.md", b"   \n\n", o.EMPTY),
        ("tags-only.html", b"<html><body><script>x()</script></body></html>", o.UNPARSEABLE),
    ],
)
def test_kb_add_refuses_bad_uploads_and_leaves_folder_and_index_as_before(app, name, data, reason):
    before = snapshot(app)
    result = app.kb_add(ADMIN, name, data)
    assert isinstance(result, Refused) and result.reason == reason, result
    assert snapshot(app) == before
    assert app.store.audit_rows(1)[0]["result"] == "refused"


def test_kb_add_of_a_copy_of_a_document_is_refused_with_its_reason(app):
    from bot.rendering.kb import render_refused

    # The upload's name is the shorter one, yet the admin's own file stays the document.
    original = app.service.knowledge.documents[0].path
    before = snapshot(app)
    data = (app.service.knowledge_dir / original).read_bytes()
    refused = app.kb_add(ADMIN, "copy" + Path(original).suffix, data)
    assert isinstance(refused, Refused) and refused.reason == o.UNPARSEABLE
    assert f"same content as {original}" in " ".join((render_refused(refused).content or "").split())
    assert snapshot(app) == before


def test_kb_add_takes_utf16_text_with_a_byte_order_mark(app):
    # What Windows Notepad saves as "Unicode": not binary, and the readers take it.
    added = app.kb_add(ADMIN, "canteen.md", "# Canteen\n\nThe canteen serves soup on Mondays.\n".encode("utf-16"))
    assert isinstance(added, o.KbAdded), added
    assert ask(app, "when does the canteen serve soup?").answer.best.citation.document == "uploads/canteen.md"
    assert app.kb_add(ADMIN, "odd.md", codecs.BOM_UTF16_LE + b"\x00\xd8").reason == o.NOT_UTF8


def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(app, tmp_path):
    from bot.documents.loader import load_knowledge
    from bot.rendering.kb import render_refused

    data = "# Canteen\n\nThe canteen serves soup on Mondays.\n".encode("utf-16-le")
    refused = app.kb_add(ADMIN, "canteen.md", data)
    assert refused.reason == o.NOT_UTF8
    assert "UTF-16 without a byte order mark" in (render_refused(refused).content or "")
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "a.txt").write_bytes("Title\n\nSome text here.\n".encode("utf-16-be"))
    (tmp_path / "f" / "b.txt").write_text("Title\n\nSome text here.\n")
    reason = load_knowledge(tmp_path / "f").skipped[0].reason
    assert "UTF-16 without a byte order mark" in reason and "save it as UTF-8" in reason


def test_mentions_are_not_words_of_a_question_on_any_adapter(app):
    # Discord strips them before asking; the console and anything else calling App.ask
    # must read "@\u200beveryone why Ramstein?" as "why Ramstein?" too (issue 12 #3).
    plain = ask(app, "why Ramstein?")
    for q in ("@\u200beveryone why Ramstein?", "＠everyone <@123> <@&456> why Ramstein?"):
        out = ask(app, q)
        assert out.answer.question == "why Ramstein?" and out.answer.answered == plain.answer.answered
    assert not ask(app, "<@123> @here").teachable  # only mentions: nothing to teach


def test_kb_add_refuses_too_big_files(tmp_path):
    app = make_app(tmp_path, max_file_mb=0.01)
    before = snapshot(app)
    result = app.kb_add(ADMIN, "big.txt", b"word " * 5000)
    assert result.reason == o.TOO_BIG and result.limit is not None
    assert app.kb_precheck(ADMIN, "big.txt", 50_000).reason == o.TOO_BIG
    assert snapshot(app) == before


def test_kb_add_size_limit_is_the_one_the_loader_applies(tmp_path):
    # MAX_FILE_MB counted as MiB on upload but MB by the loader: a file between the two
    # was saved, then skipped by the reload as too big.
    app = make_app(tmp_path, max_file_mb=0.01)
    result = app.kb_add(ADMIN, "big.txt", b"Word " * 2040)  # 10 200 bytes: 0.0102 MB
    assert result.reason == o.TOO_BIG
    from bot.rendering.kb import render_refused

    assert "limit of 0.01 MB (MAX_FILE_MB)" in (render_refused(result).content or "")  # not "0 MB"
    assert app.kb_precheck(ADMIN, "big.txt", 10_200).reason == o.TOO_BIG


def test_kb_add_takes_text_that_merely_starts_like_a_binary_format(app):
    # "MZ", "ID3", "GIF8"... are also how a line of text can begin; the folder reads such
    # a file, so an upload of it is not refused as binary.
    for name, text in (
        ("mz.md", "MZ series manual\n\nThe MZ-100 charges over USB.\n"),
        ("id3.txt", "ID3 tags\n\nTags hold the song title.\n"),
    ):
        added = app.kb_add(ADMIN, name, text.encode())
        assert isinstance(added, o.KbAdded), added


def test_kb_add_takes_pasted_coloured_terminal_output(app):
    # Escape sequences are text the readers drop, not a sign of a binary file.
    lines = "".join(f"\x1b[32mok\x1b[0m step {i} passed\n" for i in range(50))
    added = app.kb_add(ADMIN, "build-log.md", f"# Build log\n\n{lines}".encode())
    assert isinstance(added, o.KbAdded), added
    assert "\x1b" not in "".join(p.text for p in app.service.knowledge.passages)


def test_kb_add_takes_a_saved_web_page_in_the_charset_it_declares(app):
    page = '<html><head><meta charset="windows-1252"><title>Caf\u00e9</title></head><body><p>The caf\u00e9 opens at 8.</p></body></html>'
    added = app.kb_add(ADMIN, "cafe.html", page.encode("cp1252"))
    assert isinstance(added, o.KbAdded), added
    assert app.kb_add(ADMIN, "plain.html", "<p>Caf\u00e9</p>".encode("cp1252")).reason == o.NOT_UTF8


def test_kb_add_duplicate_without_replace_and_failed_replace_restore_the_original(app):
    assert isinstance(app.kb_add(ADMIN, "guide.md", b"# Guide\n\nParking is behind building 3.\n"), o.KbAdded)
    before = snapshot(app)
    assert app.kb_add(ADMIN, "guide.md", b"# Other\n\nOther text.\n").reason == o.EXISTS
    assert app.kb_add(ADMIN, "GUIDE.md", b"# Other\n\nOther text.\n").reason == o.EXISTS  # case-blind disks
    assert app.kb_precheck(ADMIN, "guide.md", 10).reason == o.EXISTS
    # A replacement the reader cannot use puts the previous file back, time and all.
    assert app.kb_add(ADMIN, "guide.md", b"<p></p>", replace=True).reason == o.UNPARSEABLE
    assert snapshot(app) == before


def test_removing_the_last_document_fails_and_keeps_it(app):
    before = snapshot(app)
    result = app.kb_remove(ADMIN, "nato-space-center-ramstein.txt")
    assert isinstance(result, Refused) and result.reason == o.RELOAD_FAILED
    assert snapshot(app) == before


@pytest.mark.parametrize("copy_kept", [True, False])
def test_a_failed_removal_whose_file_cannot_be_put_back_says_where_it_is(app, monkeypatch, caplog, copy_kept):
    """The reload after /kb remove fails (the last document); moving the file back failed too
    (its folder went at the same moment, a disk error) and that OSError escaped as a
    traceback. Now the old knowledge base stays, and the refusal and the log say where the
    file is (or that its copy went too)."""
    kdir = app.service.knowledge_dir
    path = kdir / "nato-space-center-ramstein.txt"
    data = path.read_bytes()
    documents = [d.path for d in app.service.knowledge.documents]
    replace = os.replace
    set_aside: list[Path] = []

    def failing_restore(src, dst):
        if Path(src).name.startswith(".removing-"):  # the move back, not the move aside
            set_aside.append(Path(src))
            if not copy_kept:
                Path(src).unlink()
                raise FileNotFoundError(errno.ENOENT, "No such file or directory")
            raise OSError(errno.EIO, "Input/output error")
        return replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_restore)
    with caplog.at_level(logging.ERROR, logger="bot.kbfiles"):
        result = app.kb_remove(ADMIN, "nato-space-center-ramstein.txt")
    monkeypatch.undo()
    assert isinstance(result, Refused), result
    [aside] = set_aside
    why = "Input/output error" if copy_kept else "No such file or directory"
    assert (result.reason, result.stranded) == (o.NOT_RESTORED, o.Stranded(path, aside, why, copy_kept))
    assert result.detail and "no documents" in result.detail.lower()  # the reload's own reason
    assert not path.exists() and (aside.read_bytes() == data if copy_kept else not aside.exists())
    [record] = [r for r in caplog.records if r.name == "bot.kbfiles"]
    assert str(path) in record.getMessage() and str(aside) in record.getMessage()
    assert ("it is kept at" if copy_kept else "is gone as well") in record.getMessage()
    audit = app.store.audit_rows(1)[0]
    assert (audit["action"], audit["result"]) == ("kb remove", "refused") and str(aside) in audit["detail"]
    # The knowledge base is the old one: the document still answers.
    assert [d.path for d in app.service.knowledge.documents] == documents
    assert app.service.ask("why Ramstein?").best.citation.paragraph == 3


GUIDE = b"# Guide\n\nParking is behind building 3.\n"


@pytest.mark.parametrize("copy_kept", [True, False])
@pytest.mark.parametrize("failure", ["write", "reload", "unparseable"])
def test_a_failed_replacement_whose_old_file_cannot_be_put_back_says_where_it_is(
    app, monkeypatch, caplog, failure, copy_kept
):
    """/kb add replace: writing the new file, the reload or reading it failed, and moving
    the previous file back failed too: that OSError escaped (write) or was only logged without
    the backup's path, and the reply said "Nothing was changed" with the file left under a
    hidden .backup- name that a later reload skips. Now the refusal, the log and the audit say
    where it is, the new file is gone, and the old knowledge base stays."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    path = app.service.knowledge_dir / UPLOADS_DIR / "guide.md"
    documents = [d.path for d in app.service.knowledge.documents]
    replace = os.replace
    backups: list[Path] = []

    def failing_restore(src, dst):
        if Path(src).name.startswith(".backup-"):  # the move back, not the move aside
            backups.append(Path(src))
            if not copy_kept:
                Path(src).unlink()
                raise FileNotFoundError(errno.ENOENT, "No such file or directory")
            raise OSError(errno.EIO, "Input/output error")
        return replace(src, dst)

    data = b"<p></p>" if failure == "unparseable" else b"# Other\n\nOther text.\n"
    if failure == "write":

        def full_disk(_path: Path, _data: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("bot.kbfiles.write_atomically", full_disk)
    elif failure == "reload":

        def failing_reload() -> None:
            raise KnowledgeError("the disk is failing")

        monkeypatch.setattr(app.service, "reload", failing_reload)
    monkeypatch.setattr(os, "replace", failing_restore)
    with caplog.at_level(logging.ERROR, logger="bot.kbfiles"):
        result = app.kb_add(ADMIN, "guide.md", data, replace=True)
    monkeypatch.undo()
    assert isinstance(result, Refused), result
    [backup] = backups
    why = "Input/output error" if copy_kept else "No such file or directory"
    failed = {"write": o.NOT_SAVED, "reload": o.RELOAD_FAILED, "unparseable": o.UNPARSEABLE}[failure]
    assert (result.reason, result.stranded) == (o.NOT_RESTORED, o.Stranded(path, backup, why, copy_kept, failed))
    if failure != "unparseable":
        assert result.detail == {"write": "No space left on device", "reload": "the disk is failing"}[failure]
    # The new file is not left to take the old one's place at a later reload.
    assert not path.exists() and (backup.read_bytes() == GUIDE if copy_kept else not backup.exists())
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.kbfiles"]
    assert any(str(path) in m and str(backup) in m for m in messages), messages
    assert any(("it is kept at" if copy_kept else "is gone as well") in m for m in messages)
    audit = app.store.audit_rows(1)[0]
    assert (audit["action"], audit["result"]) == ("kb add", "refused") and str(backup) in audit["detail"]
    # The knowledge base is the old one (even after the reload of an unreadable file went through).
    assert [d.path for d in app.service.knowledge.documents] == documents
    assert app.service.ask("where is parking?").best.citation.document == "uploads/guide.md"


def test_teaching_again_whose_old_answer_cannot_be_put_back_says_where_it_is(app, monkeypatch):
    """Teaching replaces the earlier answer's file the same way: its refusal carries the Stranded too."""
    first = app.teach(ADMIN, "where do I park?", "Behind building 3.", "console")
    assert isinstance(first, o.Taught), first
    replace = os.replace

    def failing_restore(src, dst):
        if Path(src).name.startswith(".backup-"):
            raise OSError(errno.EIO, "Input/output error")
        return replace(src, dst)

    def failing_reload() -> None:
        raise KnowledgeError("the disk is failing")

    monkeypatch.setattr(app.service, "reload", failing_reload)
    monkeypatch.setattr(os, "replace", failing_restore)
    result = app.teach(ADMIN, "where do I park?", "Behind building 4.", "console")
    monkeypatch.undo()
    assert isinstance(result, Refused) and result.reason == o.NOT_RESTORED, result
    assert result.stranded is not None and result.stranded.path == app.service.knowledge_dir / first.learned.document
    assert result.stranded.copy.read_text(encoding="utf-8").count("Behind building 3.") == 1
    assert str(result.stranded.copy) in app.store.audit_rows(1)[0]["detail"]


@pytest.mark.parametrize(("action", "failure"), [("kb add", "reload"), ("kb add", "unparseable"), ("teach", "reload")])
def test_a_new_file_that_cannot_be_deleted_after_a_failed_change_is_said_to_be_there(
    app, monkeypatch, caplog, action, failure
):
    """/kb add or teaching wrote a file where there was none; the reload failed (or the file
    is no document) and deleting it failed too: that was only logged, and the reply and the
    audit said "Nothing was changed", though a later reload reads the file. Now both say where
    it is."""
    kdir = app.service.knowledge_dir
    rel = "uploads/new.md" if action == "kb add" else "learned/where-do-i-park.md"
    path = kdir / rel
    documents = [d.path for d in app.service.knowledge.documents]
    unlink = Path.unlink

    def stuck(self: Path, missing_ok: bool = False) -> None:
        if self == path:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(self))
        unlink(self, missing_ok=missing_ok)

    if failure == "reload":

        def failing_reload() -> None:
            raise KnowledgeError("the disk is failing")

        monkeypatch.setattr(app.service, "reload", failing_reload)
    monkeypatch.setattr(Path, "unlink", stuck)
    with caplog.at_level(logging.ERROR, logger="bot.kbfiles"):
        if action == "kb add":
            data = b"<p></p>" if failure == "unparseable" else GUIDE
            result = app.kb_add(ADMIN, "new.md", data)
        else:
            result = app.teach(ADMIN, "where do I park?", "Behind building 3.", "console")
    monkeypatch.undo()
    assert isinstance(result, Refused), result
    assert result.reason == {"reload": o.RELOAD_FAILED, "unparseable": o.UNPARSEABLE}[failure]
    assert result.leftover == o.Leftover(path, "Operation not permitted") and path.exists()
    from bot.rendering.kb import render_refused

    text = render_refused(result).content or ""
    assert "Nothing was changed" not in text and f"`{path}`" in text and "a later reload reads" in text
    audit = app.store.audit_rows(1)[0]
    assert (audit["action"], audit["result"]) == (action, "refused")
    assert f"the new file {path} could not be deleted" in audit["detail"]
    assert any(str(path) in r.getMessage() for r in caplog.records if r.name == "bot.kbfiles")
    # The knowledge base is the one from before the change.
    assert [d.path for d in app.service.knowledge.documents] == documents


@pytest.mark.parametrize("deletable", [True, False])
@pytest.mark.parametrize("previous", [None, "kept", "gone"])
def test_a_failed_add_says_what_a_later_reload_finds_whatever_could_be_undone(app, monkeypatch, previous, deletable):
    """Every way undoing a failed /kb add can go: no previous file, or one that could not be
    put back (its copy kept or gone), and a new file deleted or not. With neither undone, the
    reply said "a later reload drops the document" while the new file stayed to be read."""
    from bot.rendering.kb import render_refused

    path = app.service.knowledge_dir / UPLOADS_DIR / "guide.md"
    if previous is not None:
        assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    before = snapshot(app)
    new = b"# Other\n\nOther text.\n"
    replace, unlink = os.replace, Path.unlink

    def failing_restore(src, dst):
        if Path(src).name.startswith(".backup-"):
            if previous == "gone":
                Path(src).unlink()
            raise OSError(errno.EIO, "Input/output error")
        return replace(src, dst)

    def stuck(self: Path, missing_ok: bool = False) -> None:
        if self == path and not deletable:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(self))
        unlink(self, missing_ok=missing_ok)

    def failing_reload() -> None:
        raise KnowledgeError("the disk is failing")

    monkeypatch.setattr(app.service, "reload", failing_reload)
    monkeypatch.setattr(os, "replace", failing_restore)
    monkeypatch.setattr(Path, "unlink", stuck)
    result = app.kb_add(ADMIN, "guide.md", new, replace=True)
    monkeypatch.undo()
    assert isinstance(result, Refused), result
    text = re.sub(r"\\(.)", r"\1", render_refused(result).content or "")
    # What the reply says a later reload finds is what the folder holds.
    if not path.exists():
        assert deletable
        if previous is not None:
            assert "a later reload drops the document" in text and "reads" not in text
    else:
        assert path.read_bytes() == new
        assert not deletable and "drops" not in text
        later = (
            "a later reload reads the new file in place of the previous one"
            if previous
            else "a later reload reads that file"
        )
        assert later in text
    if previous is None and deletable:
        assert "Nothing was changed" in text and snapshot(app) == before
    else:
        assert "Nothing was changed" not in text
    assert ("gone too" in text) == (previous == "gone") and ("is kept at" in text) == (previous == "kept")
    assert (result.leftover is not None) == (not deletable)
    assert (result.reason == o.NOT_RESTORED) == (previous is not None)
    # Meanwhile the knowledge base is the one from before.
    assert snapshot(app)[1:] == before[1:]


@pytest.mark.parametrize("replacing", [True, False])
def test_a_failed_reload_after_undoing_an_unreadable_file_is_said_and_the_old_base_served(app, monkeypatch, replacing):
    """/kb add of a file that is no document: its reload went through, the folder was put back,
    and the reload that should read it again failed. That was only logged: the reply said
    "Nothing was changed" while the knowledge base served lacked the replaced document. Now
    the knowledge base from before is served, and the reply and the audit log say what failed."""
    from bot.rendering.kb import render_refused

    if replacing:
        assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    before = snapshot(app)
    reload = app.service.reload
    calls: list[int] = []

    def second_fails():
        calls.append(1)
        if len(calls) == 2:  # the reload after putting the folder back
            raise KnowledgeError("the disk is failing")
        return reload()

    monkeypatch.setattr(app.service, "reload", second_fails)
    result = app.kb_add(ADMIN, "guide.md", b"<p></p>", replace=replacing)
    monkeypatch.undo()
    assert isinstance(result, Refused) and result.reason == o.UNPARSEABLE, result
    assert result.reread == o.Reread("the disk is failing") and len(calls) == 2
    assert snapshot(app) == before  # the folder as it was, and the knowledge base from before
    text = render_refused(result).content or ""
    assert "Nothing was changed" not in text and "the disk is failing" in text and "/reload" in text
    assert (
        "the reload after putting the folder back failed (the disk is failing)" in app.store.audit_rows(1)[0]["detail"]
    )


def test_teaching_with_a_file_in_place_of_the_learned_folder_refuses_clearly(app):
    """A file named learned made put's mkdir read "the file could not be saved (File exists)"."""
    learned = app.service.knowledge_dir / "learned"
    learned.write_text("not a folder")
    before = snapshot(app)
    result = app.teach(ADMIN, "where do I park?", "Behind building 3.", "console")
    assert isinstance(result, Refused), result
    assert (result.action, result.reason, result.detail) == ("teach", o.LEARNED_NOT_A_FOLDER, "learned")
    assert app.store.audit_rows(1)[0]["detail"].startswith(o.LEARNED_NOT_A_FOLDER)
    assert snapshot(app) == before and learned.read_text() == "not a folder"


def test_the_teaching_form_does_not_open_when_no_learned_answer_can_be_saved(app):
    """teach_precheck looked at nothing on disk: with a file in place of learned/ (or no
    knowledge folder) the form opened, and the refusal came only on submit. Now it comes
    before the form, the same as on submit."""
    kdir = app.service.knowledge_dir
    (kdir / "learned").write_text("not a folder")
    submitted = app.teach(TEACHER, "where do I park?", "Behind building 3.", "console")
    audited = app.store.audit_rows(1)[0]
    for precheck in (app.teach_precheck(TEACHER), app.teach_precheck(TEACHER, "Behind building 3.")):
        assert precheck == submitted and precheck.reason == o.LEARNED_NOT_A_FOLDER, precheck
        assert app.store.audit_rows(1)[0]["detail"] == audited["detail"]
    assert app.teach_precheck(TEACHER, "<@1>").reason == o.ONLY_PINGS  # the message's own problem first
    assert app.teach_precheck(MEMBER).reason == o.NOT_TEACHER
    shutil.rmtree(kdir)
    gone = app.teach_precheck(TEACHER)
    assert isinstance(gone, Refused) and (gone.reason, gone.folder) == (
        o.KNOWLEDGE_DIR_UNUSABLE,
        FolderProblem("missing", kdir),
    )
    assert gone == app.teach(TEACHER, "where do I park?", "Behind building 3.", "console")


def test_a_replacement_whose_old_file_cannot_be_set_aside_changes_nothing(app, monkeypatch):
    """Moving the previous file aside failing (a disk error) escaped kb_add as a traceback."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    before = snapshot(app)

    def failing(_src, _dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", failing)
    result = app.kb_add(ADMIN, "guide.md", b"# Other\n\nOther text.\n", replace=True)
    monkeypatch.undo()
    assert isinstance(result, Refused) and (result.reason, result.detail) == (o.NOT_SAVED, "Input/output error")
    assert snapshot(app) == before


def _changes(app: App) -> dict[str, Callable[[], object]]:
    """A change of each kind: a new upload, removing uploads/guide.md, a learned answer."""
    return {
        "kb add": lambda: app.kb_add(ADMIN, "other.md", GUIDE),
        "kb remove": lambda: app.kb_remove(ADMIN, "uploads/guide.md"),
        "teach": lambda: app.teach(ADMIN, "where do I park?", "Behind building 3.", "console"),
    }


@pytest.mark.parametrize("gone", ["missing", "not_a_dir"])
def test_changes_without_the_knowledge_folder_leave_it_gone_and_say_what_is_wrong(app, gone):
    """/kb add and teaching made the folder again (mkdir parents=True) with only their file
    in it, and the reload swapped the whole knowledge base for that one document; a folder
    that became a file read "the file could not be saved (Not a directory)". Now nothing is
    written, the knowledge base is as it was, and the refusal carries the folder's problem."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    kdir = app.service.knowledge_dir
    documents = [d.path for d in app.service.knowledge.documents]
    shutil.rmtree(kdir)
    if gone == "not_a_dir":
        kdir.write_text("not a folder")
    for action, change in _changes(app).items():
        result = change()
        assert isinstance(result, Refused), (action, result)
        assert (result.action, result.reason, result.folder) == (
            action,
            o.KNOWLEDGE_DIR_UNUSABLE,
            FolderProblem(gone, kdir),
        )
        assert "KNOWLEDGE_DIR" in (result.detail or "")  # the message stays the command line's
        assert kdir.exists() == (gone == "not_a_dir") and not kdir.is_dir()
        assert [d.path for d in app.service.knowledge.documents] == documents
    # Before the download, too (the missing folder read as "no uploads yet").
    precheck = app.kb_precheck(ADMIN, "other.md", 100)
    assert isinstance(precheck, Refused) and precheck.reason == o.KNOWLEDGE_DIR_UNUSABLE, precheck
    assert app.service.ask("why Ramstein?").best.citation.paragraph == 3


def test_restoring_the_previous_knowledge_base_never_undoes_a_newer_reload(app):
    """KnowledgeService.restore swapped back unconditionally: a reload that landed between
    a failed change's reload and its undo (the watcher's) was thrown away."""
    service = app.service
    before = service.built
    service.reload()
    made = service.built  # what the change's own reload made
    service.reload()  # a newer reload, from elsewhere
    newer = service.built
    assert service.restore(before, replacing=made) is False
    assert service.built is newer
    assert service.restore(before, replacing=newer) is True
    assert service.built is before


def test_a_reload_that_cannot_list_the_knowledge_folder_carries_its_problem(app, monkeypatch):
    """The reload after a change failing on the folder itself: (reason, detail) tuples
    dropped what was wrong, so only the command line's wording could be shown."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    before = snapshot(app)
    kdir = app.service.knowledge_dir
    problem = FolderProblem("unlistable", kdir, "Permission denied")

    def unlistable() -> None:
        raise KnowledgeDirError(f"cannot list knowledge directory {kdir}: Permission denied", problem)

    monkeypatch.setattr(app.service, "reload", unlistable)
    for action, change in _changes(app).items():
        result = change()
        assert isinstance(result, Refused), (action, result)
        assert (result.action, result.reason, result.folder) == (action, o.RELOAD_FAILED, problem)
        assert result.detail == f"cannot list knowledge directory {kdir}: Permission denied"
    monkeypatch.undo()
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "error", [PermissionError(errno.EACCES, "Permission denied"), OSError(errno.EIO, "Input/output error")]
)
def test_kb_add_with_an_uploads_folder_it_cannot_list_refuses_and_changes_nothing(app, monkeypatch, error):
    """Listing uploads/ (to find "Guide.md" when "guide.md" is added) was not guarded: its
    OSError escaped kb_add and the admin read the generic "Something went wrong"."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    before = snapshot(app)
    uploads = app.service.knowledge_dir / UPLOADS_DIR
    iterdir = Path.iterdir

    def unlistable(self: Path):
        if self == uploads:
            raise type(error)(error.errno, error.strerror, str(self))
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", unlistable)
    for result in (
        app.kb_add(ADMIN, "other.md", GUIDE),
        app.kb_add(ADMIN, "guide.md", GUIDE, replace=True),
        app.kb_precheck(ADMIN, "other.md", 100),  # before the download, too
    ):
        assert isinstance(result, Refused), result
        assert (result.action, result.reason, result.detail, result.folder) == (
            "kb add",
            o.UPLOADS_UNREADABLE,
            error.strerror,
            None,
        )
    monkeypatch.undo()
    assert snapshot(app) == before


def _not_enterable(monkeypatch: pytest.MonkeyPatch, folder: Path, *, itself: bool = False) -> None:
    """Paths inside `folder` (and `folder` itself) cannot be looked up, as when a folder on the
    way can be listed but not entered (no x bit): os.stat and os.lstat raise PermissionError,
    so on Python 3.11 Path.exists() and Path.is_dir() do too. (Simulated: the tests run as root.)"""
    inside = str(folder) + os.sep
    stat, lstat = os.stat, os.lstat

    def blocked(path: object) -> bool:
        name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        return isinstance(name, str) and (name.startswith(inside) or (itself and name == str(folder)))

    def guarded(real):
        def call(path, *args, **kwargs):
            if blocked(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", guarded(stat))
    monkeypatch.setattr(os, "lstat", guarded(lstat))


@pytest.mark.parametrize("blocked", ["its parent", "the knowledge folder", "uploads", "learned"])
def test_a_folder_that_can_be_listed_but_not_entered_is_refused_clearly(app, monkeypatch, blocked):
    """Path.exists() and is_dir() raise PermissionError on Python 3.11 under a folder that can
    be read but not entered: the checks before /kb add, /kb remove, teaching and /reload let it
    escape as a traceback ("Something went wrong"). Now each says which folder, as for a folder
    that cannot be listed."""
    assert isinstance(app.kb_add(ADMIN, "guide.md", GUIDE), o.KbAdded)
    kdir = app.service.knowledge_dir
    (kdir / "learned").mkdir()
    before = snapshot(app)
    unlistable = FolderProblem("unlistable", kdir, "Permission denied")
    changes = {
        "kb add": lambda: app.kb_add(ADMIN, "other.md", GUIDE),
        "kb add replace": lambda: app.kb_add(ADMIN, "guide.md", GUIDE, replace=True),
        "kb precheck": lambda: app.kb_precheck(ADMIN, "other.md", 100),
        "kb remove": lambda: app.kb_remove(ADMIN, "uploads/guide.md"),
        "teach precheck": lambda: app.teach_precheck(ADMIN),
        "teach": lambda: app.teach(ADMIN, "where do I park?", "Behind building 3.", "console"),
    }
    if blocked in ("its parent", "the knowledge folder"):
        _not_enterable(monkeypatch, kdir, itself=blocked == "its parent")
        expected = dict.fromkeys(changes, (o.KNOWLEDGE_DIR_UNUSABLE, unlistable))
        reloaded = app.reload(ADMIN)
        assert isinstance(reloaded, Refused) and (reloaded.reason, reloaded.folder) == (o.RELOAD_FAILED, unlistable)
        with pytest.raises(KnowledgeDirError) as started:  # at start-up: the message, not a traceback
            KnowledgeService.open(kdir)
        assert started.value.problem == unlistable
    else:
        _not_enterable(monkeypatch, kdir / blocked)
        reason = {"uploads": o.UPLOADS_UNREADABLE, "learned": o.LEARNED_UNUSABLE}[blocked]
        mine = ("kb add", "kb add replace", "kb precheck") if blocked == "uploads" else ("teach precheck", "teach")
        expected = {name: (reason, None) for name in mine}
    for name, (reason, folder) in expected.items():
        result = changes[name]()
        assert isinstance(result, Refused), (name, result)
        assert (result.reason, result.folder) == (reason, folder), (name, result)
        if folder is None:
            assert result.detail == "Permission denied", (name, result)
    monkeypatch.undo()
    assert snapshot(app) == before


def _failing_disk(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Looking `path` up fails with EIO, as on a failing disk: Path.exists() raises it."""
    stat = os.stat

    def call(name, *args, **kwargs):
        if os.fspath(name) == str(path):
            raise OSError(errno.EIO, "Input/output error", os.fspath(name))
        return stat(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", call)


@pytest.mark.parametrize("change", ["kb precheck", "kb add", "kb add replace", "teach"])
def test_a_file_that_cannot_be_looked_up_is_refused_clearly(app, monkeypatch, change):
    """Path.exists() of the file a change would write raised EIO out of the change: a traceback."""
    from bot.teach import learned_path

    question = "where do I park?"
    rel = learned_path(question) if change == "teach" else f"{UPLOADS_DIR}/other.md"
    before = snapshot(app)
    _failing_disk(monkeypatch, app.service.knowledge_dir / rel)
    result = {
        "kb precheck": lambda: app.kb_precheck(ADMIN, "other.md", 100),
        "kb add": lambda: app.kb_add(ADMIN, "other.md", GUIDE),
        "kb add replace": lambda: app.kb_add(ADMIN, "other.md", GUIDE, replace=True),
        "teach": lambda: app.teach(ADMIN, question, "Behind building 3.", "console"),
    }[change]()
    assert isinstance(result, Refused), result
    assert (result.reason, result.detail, result.folder) == (o.LOOKUP_FAILED, "Input/output error", None)
    monkeypatch.undo()
    assert snapshot(app) == before


def test_kb_add_with_a_file_where_the_uploads_folder_belongs_says_so(app):
    """The upload read "the file could not be saved (File exists)": mkdir met the file."""
    (app.service.knowledge_dir / UPLOADS_DIR).write_text("not a folder")
    before = snapshot(app)
    for result in (app.kb_add(ADMIN, "guide.md", GUIDE), app.kb_precheck(ADMIN, "guide.md", 100)):
        assert isinstance(result, Refused), result
        assert (result.reason, result.detail, result.folder) == (o.UPLOADS_UNREADABLE, "Not a directory", None)
    assert snapshot(app) == before


# ---------------------------------------------------------------------------- members, failures


def test_forget_me_counts_rows_and_leaves_others(app):
    for q in ("where do I park?", "why Ramstein?"):
        ask(app, q)
    key = ask(app, "why Ramstein?").key
    app.vote(MEMBER, key, "down")
    ask(app, "why Ramstein?", Actor(99))
    assert app.forget_me(MEMBER) == o.Forgotten(4, True)
    assert app.forget_me(MEMBER) == o.Forgotten(0, True)
    assert app.store.count("questions") == 1
    assert app.vote(MEMBER, key, "up").status == o.VOTE_RECORDED  # forgotten votes may be cast again


def test_questions_older_than_the_log_days_are_purged(tmp_path):
    from datetime import UTC, datetime, timedelta

    kdir = make_knowledge(tmp_path / "knowledge")
    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    settings = Settings(knowledge_dir=kdir, data_dir=tmp_path / "data", question_log_days=30)
    app = App(KnowledgeService.open(kdir), settings, clock=lambda: now[0])
    ask(app, "where do I park?")
    now[0] += timedelta(days=31)
    ask(app, "what is the wifi password?")
    assert app.purge() == 1 and app.store.count("questions") == 1


def test_without_a_database_the_bot_answers_and_admin_results_say_not_saved(tmp_path):
    (tmp_path / "data").write_text("a file, not a folder: the database cannot be created")
    app = make_app(tmp_path)
    asked = ask(app, "why Ramstein?")
    assert asked.answer.answered and not asked.logged
    assert app.vote(MEMBER, asked.key, "up").status == o.VOTE_NOT_SAVED
    taught = app.teach(ADMIN, "Where do I park?", "Behind building 3.", "console")
    assert isinstance(taught, o.Taught) and taught.audit_saved is False  # the file is saved, the audit is not
    assert ask(app, "where can I park?").answer.best.citation.document == taught.learned.document
    assert app.forget_me(MEMBER) == o.Forgotten(0, False)
    gaps = app.gaps(ADMIN)
    assert isinstance(gaps, Refused) and gaps.reason == o.STORE_UNAVAILABLE and not gaps.audit_saved
    listed = app.kb_list(ADMIN)
    assert isinstance(listed, o.KbPage) and listed.audit_saved is False  # the list still shows
    from bot.rendering.kb import render_kb_list

    assert "audit log" in (render_kb_list(listed).embeds[0].footer or "")


def test_a_corrupt_database_is_replaced_and_the_app_works(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kb-bot.sqlite3").write_bytes(b"\x00garbage" * 512)
    app = make_app(tmp_path)
    assert ask(app, "where do I park?").logged
    assert app.gaps(ADMIN).total == 1
    assert len(list((tmp_path / "data").glob("*.corrupt-*"))) == 1


def test_cooldown_lives_in_the_app(tmp_path):
    app = make_app(tmp_path, cooldown_questions=2, cooldown_seconds=60)
    outcomes = [app.ask(MEMBER, "why Ramstein?", app.new_key()) for _ in range(3)]
    assert [type(x).__name__ for x in outcomes] == ["Asked", "Asked", "CoolingDown"]
    assert app.store.count("questions") == 2  # a refused question is not logged
    assert isinstance(app.ask(Actor(1), "why Ramstein?", app.new_key()), Asked)


def test_store_is_reused_across_app_restarts(tmp_path):
    app = make_app(tmp_path)
    ask(app, "where do I park?")
    app.store.close()
    again = App(app.service, app.settings, Store.in_dir(tmp_path / "data"))
    assert again.gaps(ADMIN).total == 1


def test_learned_file_reads_alike_in_both_markdown_readers():
    """The loader (through the structure-aware Markdown reader) takes the question as title,
    drops the front matter and keeps the message link as the document's source."""
    from datetime import date

    from bot.documents.model import ReadOptions
    from bot.documents.readers.markdown import read
    from bot.teach import learned_info, learned_markdown

    url = "https://discord.com/channels/1/2/3"
    md = learned_markdown("Why: Ramstein? #1", 'It is "central".\n\nMore.', "h" * 64, date(2026, 12, 1), url)
    tree = read("learned/why-ramstein-1.md", md.encode(), ReadOptions())
    assert (tree.title, tree.source) == ("Why: Ramstein? #1", url)
    from bot.documents.loader import load_knowledge

    folder = Path(tempfile.mkdtemp()) / "kb"
    (folder / "learned").mkdir(parents=True)
    (folder / "learned" / "why-ramstein-1.md").write_text(md, encoding="utf-8")
    [doc] = load_knowledge(folder).documents
    assert (doc.title, doc.source) == ("Why: Ramstein? #1", url)
    assert "question:" not in " ".join(doc.paragraphs)
    info = learned_info("learned/why-ramstein-1.md", md)
    assert info is not None and (info.question, info.source, info.taught_on) == (
        "Why: Ramstein? #1",
        url,
        date(2026, 12, 1),
    )


def test_slugs_are_safe_stable_and_keep_long_questions_apart():
    from bot.teach import SLUG_MAX, slugify

    assert slugify("Why Ramstein?") == slugify("why,  RAMSTEIN") == "why-ramstein"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Café crème?") == "cafe-creme"
    assert slugify("Как дела?").startswith("answer-") and slugify("Как дела?") == slugify("как дела?")
    long_a = "how do I configure the build pipeline for the staging environment on weekends"
    long_b = "how do I configure the build pipeline for the staging environment on holidays"
    assert slugify(long_a) != slugify(long_b) and max(len(slugify(long_a)), len(slugify(long_b))) <= SLUG_MAX


def test_kb_show_lists_a_documents_sections(app):
    app.kb_add(ADMIN, "guide.md", b"# Guide\n\n## Parking\n\nBehind building 3.\n\n## Wi-Fi\n\nOn the badge.\n")
    shown = app.kb_show(ADMIN, "uploads/guide.md")
    assert shown.entry.passages == 2
    # Sections come from the reader's heading paths (empty with a reader that has none).
    assert shown.sections in ((), ("Parking", "Wi-Fi"))


def test_a_learned_answer_shows_a_mentioned_name_as_written_not_as_markup(app):
    """Names went into the learned Markdown as they are: "@__bob__" was shown as a bold
    "bob", a display name "[Nitro](https://evil.example/x)" as a link to that site, and a
    thread "# news" mentioned at the start of a line made that line a heading of its own."""
    names = MentionNames({1: "__bob__", 2: "[Nitro](https://evil.example/x)"}, {}, {4: "# news"})
    answer = "<@1> keeps the purple llama gate key, <@2> the spare.\n<#4> has the rota."
    taught = app.teach(ADMIN, "Who keeps the purple llama gate key?", answer, "console", names=names)
    assert isinstance(taught, o.Taught), taught
    best = ask(app, "who keeps the purple llama gate key?").answer.best
    assert best is not None and best.citation.document == taught.learned.document
    assert best.passage.text.startswith(
        "@__bob__ keeps the purple llama gate key, @[Nitro](https://evil.example/x) the spare. #news has the rota."
    ), best.passage.text


def test_the_length_limits_hold_for_the_answer_as_saved_with_its_names(app):
    """The limits were checked on the text as typed: a mention is a few characters there
    and up to a hundred once named (a role's name), so "<@&1>" a few hundred times saved an
    answer many times over 4,000 characters (and a question over 1,000)."""
    long_role = MentionNames({}, {1: "R" * 100}, {})
    answer = "Ask " + "<@&1> " * 600 + "please."
    assert len(answer) <= 4000
    refused = app.teach(ADMIN, "Who holds the spare llama gate key?", answer, "console", names=long_role)
    assert isinstance(refused, Refused)
    assert (refused.reason, refused.detail, refused.limit) == (o.NAMED_TOO_LONG, "answer", 4000)
    question = "Who of " + "<@&1> " * 160 + "holds the key?"
    assert len(question) <= 1000
    refused = app.teach(ADMIN, question, "Alice has it.", "console", names=long_role)
    assert isinstance(refused, Refused) and (refused.reason, refused.detail) == (o.NAMED_TOO_LONG, "question")
    assert not list(app.service.knowledge_dir.glob("learned/*.md"))  # nothing saved
    # Unnamed (the console), each reads "@unknown-role", 13 characters: within the limit.
    assert isinstance(
        app.teach(ADMIN, "Who holds the spare llama gate key?", "Ask <@&1> or <@&2>.", "console"), o.Taught
    )
