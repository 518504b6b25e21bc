"""Feedback JSONL, message helpers and the knowledge watcher (pure, discord-free parts)."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from bot.discord.feedback import FeedbackLog
from bot.discord.messages import clean_question, looks_like_question, mentions_user, strip_mention, strip_prefix_command, thread_name
from bot.watch import KnowledgeWatcher


def test_feedback_lines_and_stable_salted_hashes(tmp_path, service):
    answer = service.ask("why Ramstein?")
    path = tmp_path / "sub" / "fb.jsonl"
    log = FeedbackLog(path)
    rec = log.record(question="why Ramstein?", results=answer.results, vote="down", user_id=42,
                     guild_id=1, channel_id=2, message_id=3, answer=answer)
    again = FeedbackLog(path).record(question="q", results=(), vote="up", user_id=42)
    assert rec["user"] == again["user"] != FeedbackLog(tmp_path / "other.jsonl").hash_user(42)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["vote"] for x in lines] == ["down", "up"]
    assert lines[0]["cited"][0]["citation"].endswith("· ¶3") and lines[0]["answered"] is True
    assert stat.S_IMODE(os.stat(log.salt_path).st_mode) == 0o600
    with pytest.raises(ValueError):
        log.record(question="q", results=(), vote="meh", user_id=1)


def test_mentions_and_prefix():
    assert mentions_user("<@99> hi", 99) and mentions_user("x <@!99>", 99)
    assert not mentions_user("<@999> hi", 99) and not mentions_user("", 99)
    assert strip_mention("<@99>, why   Ramstein?", 99) == "why Ramstein?"
    assert strip_mention("<@!99>", 99) == ""
    assert strip_prefix_command("!ask why?", "!") == "why?"
    assert strip_prefix_command("!ASK  why?", "!") == "why?"
    assert strip_prefix_command("!asking", "!") is None and strip_prefix_command("why", "!") is None
    assert strip_prefix_command("!ask", "!") == ""


def test_clean_question_drops_mention_syntax():
    assert clean_question("why Ramstein? @everyone <@123> <@!4> <@&5> <#6> <:kek:7>") == "why Ramstein?"
    assert clean_question("@here <@1>") == ""  # pings alone are not a question


@pytest.mark.parametrize("text,expected", [
    ("why Ramstein?", True), ("Ramstein?", True), ("How is the center staffed", True),
    ("what", False), ("thanks!", False), ("lol", False), ("", False), ("I think so.", False),
])
def test_looks_like_question(text, expected):
    assert looks_like_question(text) is expected


def test_thread_names_fit():
    assert thread_name("why?") == "why?"
    long = thread_name("word " * 60)
    assert len(long) <= 100 and long.endswith("…") and "wor…" not in long


def test_watcher_reports_settled_changes(tmp_path):
    (tmp_path / "a.txt").write_text("A\n\nx\n")
    w = KnowledgeWatcher(tmp_path)
    assert not w.poll()
    time.sleep(0.01)
    (tmp_path / "b.md").write_text("# B\n\ny\n")
    (tmp_path / ".hidden.txt").write_text("ignored")
    assert not w.poll()  # changed, not yet settled
    assert w.poll()  # same as last poll: settled
    assert not w.poll()
    (tmp_path / ".hidden2.txt").write_text("ignored")
    (tmp_path / "notes.docx").write_text("ignored")  # not a supported type
    assert not w.poll() and not w.poll()
    (tmp_path / "a.txt").unlink()
    assert w.poll(settle=False)


def test_watcher_on_missing_directory(tmp_path):
    w = KnowledgeWatcher(tmp_path / "nope")
    assert not w.poll()
