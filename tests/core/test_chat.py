"""Small talk is answered in kind, filler words leave questions alone, and members' short
forms of the documents' words ("deps", "vars") find them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import AnswerEngine
from bot.documents.loader import load_knowledge
from bot.rendering.messages import no_answer_text, render_answer
from bot.retrieval.bm25 import BM25Params, Index
from bot.retrieval.chat import asks_for_help, small_talk
from bot.retrieval.query import _abbreviated, analyse
from bot.retrieval.snippets import escape_markdown
from bot.text import strip_mention_syntax
from tests.conftest import shared_file


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("thanks that fixed it!!", "thanks"),
        ("Thank you so much", "thanks"),
        ("thx", "thanks"),
        ("anyone here?", "greeting"),
        ("hi bot", "greeting"),
        ("Hello everyone :)", "greeting"),
        ("thanks! how do I add a dependency?", None),  # asks something: a question
        ("hello, why ramstein?", None),
        ("why ramstein?", None),
        ("thank-you letters for donors", None),  # the hyphenated noun is a topic
        ("Thank-you!", "thanks"),
        ("thank-you, that fixed it", "thanks"),
        ("thank-you so much", "thanks"),
        ("thankyou", "thanks"),
        ("TA office hours", None),
        ("", None),
        ("are you there?", "greeting"),
        ("hi all", "greeting"),
        ("the", None),  # stopwords that only pad a greeting greet nobody alone
        ("is a the", None),
        ("you", None),
        ("what keyboard do you all use", "poll"),
        ("Hey guys, which editor are you guys using these days?", "poll"),
        ("what OS do y\u2019all run?", "poll"),
        ("how many of you use windows?", "poll"),
        ("what do people here prefer, lol", "poll"),
        ("what do you guys use for private repos?", None),  # names a topic: searched
        ("what editor do you use?", None),  # "you" alone may be the bot
        ("How do you guys managed to use poetry to install a package that uses `--index-url` ?", None),
        ("what keyboard do you all use and how do I set up poetry?", None),  # asks more
        ("how many of you guys have tried the new resolver with private indexes on windows?", None),
        ("happy friday folks", "greeting"),
        ("Merry Christmas everyone!", "greeting"),
        ("what happens on friday?", None),
        ("holidays", None),  # the occasion alone is a topic (a handbook has holidays)
        ("happy new year!", "greeting"),
        ("anyone else here use vim?", "poll"),
        ("Anyone else use Emacs?", "poll"),
        ("does anybody here run arch too", "poll"),
        ("hey, is anyone here running windows 11?", "poll"),
        ("does anyone use tox", None),  # nothing says it asks the people here: searched
        ("anyone else getting ssl errors?", None),  # a problem report
        ("anyone else running into this?", None),
        ("anybody else running into timeouts?", None),
        ("is anyone here running the tests?", None),
        ("is monday a holiday? happy friday all", None),  # asks first
        ("anyone here use poetry with private repos?", None),  # names a topic
        ("anyone else here use vim and know how to set the pythonpath?", None),  # asks more
    ],
)
def test_small_talk_is_recognised_narrowly(text, kind):
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", ["thanks that fixed it!!", "anyone here?", "hey", "what browser do you all use?"])
def test_small_talk_is_not_searched_and_reply_says_so(engine, text):
    a = engine.ask(text)
    assert not a.answered and a.results == () and a.small_talk is not None
    reply = render_answer(a)
    assert reply.content and not reply.embeds
    assert "@" not in reply.content


def test_a_poll_of_the_channel_is_not_answered_from_a_passage_that_shares_its_word(tmp_path: Path):
    engine = _engine(tmp_path, "# Shortcuts\n\nKeyboard shortcuts: press Ctrl+K to search.\n")
    assert engine.ask("which keyboard shortcut opens search?").answered  # a real question still is
    poll = engine.ask("what keyboard do you all use?")
    assert poll.small_talk == "poll" and not poll.results
    assert "people here" in render_answer(poll).content


@pytest.mark.parametrize("name", ["article-questions.jsonl", "docs-poetry-questions.jsonl"])
def test_no_real_question_of_the_development_sets_reads_as_small_talk_it_is_not(name):
    asked = [
        json.loads(line)["q"] for line in shared_file(name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert [q for q in asked if small_talk(q) == "poll"] == []


def test_no_squad_question_reads_as_a_poll():
    with zipfile.ZipFile(shared_file("squad-v1.1-dev.json.zip")) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".json")]
        data = json.loads(z.read(name))
    asked = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    assert len(asked) > 10_000
    assert [q for q in asked if small_talk(q) is not None] == []


@pytest.mark.parametrize("text", ["the", "is", "All", "the a is"])
def test_stopwords_alone_get_the_nothing_to_search_reply(engine, text):
    a = engine.ask(text)
    assert a.small_talk is None and a.reason == "no_words" and not a.results
    (embed,) = render_answer(a).embeds
    assert "no words I can search for" in embed.description


@pytest.mark.parametrize("text", ["u", "r", "ya", "r u", "u r", "ya all", "u there"])
def test_chat_short_forms_alone_are_never_searched(engine, text):
    # Not stopwords: a message of them alone would be searched ("u" matches "U.S.") and
    # logged as a knowledge gap; as before, they only say hello.
    a = engine.ask(text)
    assert a.small_talk == "greeting" and not a.results and not a.answered


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("?", "not_a_question"),
        ("...", "not_a_question"),
        ("🙂👍🏽", "not_a_question"),
        ("<@123>", "not_a_question"),  # a mention alone leaves nothing to ask
        ("<@!123> @everyone <@&55>", "not_a_question"),
        ("https://example.com/some/page", "no_answer"),
        ("```\nprint('x')\n```", "no_answer"),
        ("word" * 500, "no_answer"),
        ("word " * 400, "no_answer"),
    ],
)
def test_content_free_messages_get_a_clear_reply_that_pings_nobody(engine, text, reason):
    a = engine.ask(strip_mention_syntax(text))  # as the Discord adapter asks it
    assert a.reason == reason and a.small_talk is None
    (embed,) = render_answer(a).embeds
    shown = " ".join([embed.title or "", embed.description or "", *(f.name + f.value for f in embed.fields)])
    assert embed.description.startswith(escape_markdown(no_answer_text(a)))
    assert "<@" not in shown and "@everyone" not in shown


def test_greeting_words_inside_a_question_are_filler(engine):
    plain = engine.ask("why Ramstein?")
    greeted = engine.ask("hey guys, hello, why Ramstein?")
    assert greeted.answered
    assert greeted.best.citation == plain.best.citation


def _engine(tmp_path: Path, text: str) -> AnswerEngine:
    (tmp_path / "guide.md").write_text(text, encoding="utf-8")
    return AnswerEngine(load_knowledge(tmp_path))


def test_short_form_of_a_missing_word_finds_the_documents_word(tmp_path: Path):
    engine = _engine(
        tmp_path,
        "# Dependencies\n\nDependencies are listed in the manifest.\n\n"
        "# Locking\n\nThe lock file pins your dependencies.\n\n"
        "# Groups\n\nDependencies can be put in groups.\n\n"
        "# Deprecation\n\nOld options are deprecated.\n\n"
        "# Variables\n\nEnvironment variables override the settings file.\n\n"
        "# Templates\n\nTemplates may use variables.\n\n"
        "# Secrets\n\nSecrets are read from variables too.\n",
    )
    terms = analyse(engine.index, "deps vars", engine.analyzer, engine.config.rank.typo_discount).terms
    found = {t.word: engine.index.vocabulary[t.term_id] for t in terms}
    # "dep" begins both "depend" and "deprec": the one the documents use most wins.
    assert found == {"deps": engine.analyzer.stem("dependencies"), "vars": engine.analyzer.stem("variables")}
    assert all(t.typo for t in terms)  # discounted like a typo match
    a = engine.ask("can vars override the settings")
    assert a.best is not None and "Environment variables" in a.best.passage.text


def test_short_forms_are_not_guessed_for_known_or_long_words(tmp_path: Path):
    engine = _engine(tmp_path, "# Env\n\nThe env command shows the environment. Environments are isolated.\n")
    terms = analyse(engine.index, "env zzzzzzz", engine.analyzer, engine.config.rank.typo_discount).terms
    by_word = {t.word: t for t in terms}
    assert not by_word["env"].typo and engine.index.vocabulary[by_word["env"].term_id] == "env"
    assert by_word["zzzzzzz"].term_id == -1  # too long to be a short form, and no typo either


def test_no_short_form_is_guessed_without_a_clear_favourite(tmp_path: Path):
    engine = _engine(tmp_path, "# Notes\n\nProjects provide protection.\n\nA project.\n\nProvided here.\n")
    (term,) = analyse(engine.index, "pro", engine.analyzer, engine.config.rank.typo_discount).terms
    assert term.term_id == -1


def test_a_short_form_finds_a_long_form_that_goes_on_past_the_basic_plane():
    # Sorted strings: "dep" + a CJK Extension B letter comes after "dep" + U+FFFF.
    index = Index.build([[["dep\U00020000x", "alpha"]] for _ in range(3)] + [[["beta"]]], BM25Params())
    assert [m.term_id for m in _abbreviated(index, "dep", "dep")] == [index.term_ids["dep\U00020000x"]]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abc", min_size=3, max_size=5),
    st.lists(
        st.tuples(st.booleans(), st.text(alphabet="abcé\U00020000", min_size=1, max_size=6), st.integers(1, 7)),
        min_size=1,
        max_size=25,
    ),
)
def test_a_short_form_is_the_clear_favourite_of_every_term_it_begins(key, words):
    # Terms that begin with the short form or not, each used by 1-7 passages.
    df = {(key + rest if begins else rest): n for begins, rest, n in words}
    passages = [[[t for t, n in df.items() if n > p]] for p in range(max(df.values()))]
    index = Index.build(passages, BM25Params())
    longer = sorted((n, t) for t, n in df.items() if t.startswith(key) and len(t) >= len(key) + 2)
    clear = longer and longer[-1][0] >= 3 and (len(longer) == 1 or longer[-1][0] >= 2 * longer[-2][0])
    want = [index.term_ids[longer[-1][1]]] if clear else []
    assert [m.term_id for m in _abbreviated(index, key, key)] == want


@pytest.mark.parametrize("text", ["help", "Help?", "HELP!!", "/help", "help me", "help pls", "help, please"])
def test_a_request_for_the_bots_help(text):
    assert asks_for_help(text)


@pytest.mark.parametrize(
    "text",
    ["", "?", "me", "help with ssl", "how do I get help?", "help 404", "commands?", "помощь", "please", "thanks"],
)
def test_not_a_request_for_the_bots_help(text):
    assert not asks_for_help(text)
