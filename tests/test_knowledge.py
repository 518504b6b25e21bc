from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge import CleanConfig, Cleaner, load_knowledge, strip_tags
from tests.conftest import KNOWLEDGE, SEED_NAME


def seed_doc():
    kb = load_knowledge(KNOWLEDGE)
    return next(d for d in kb.documents if d.path == SEED_NAME), kb


def test_seed_title_and_six_paragraphs():
    doc, _ = seed_doc()
    assert doc.title == "New progress in NATO’s space force construction"
    assert len(doc.paragraphs) == 6
    assert doc.paragraphs[0].startswith("According to NATO’s official website")
    assert doc.paragraphs[2].startswith("the reason why NATO high-level officials regard rumstein")
    assert doc.paragraphs[5].endswith("is not conducive to global strategic stability.")


def test_seed_has_no_tags_or_advert():
    doc, _ = seed_doc()
    text = " ".join(doc.paragraphs)
    for junk in ("<", ">", "Huawei", "Continue Reading", "P40", "mobile phone"):
        assert junk not in text


def test_seed_file_is_unchanged_copy():
    seed = KNOWLEDGE.parent.parent / "shared" / "seed" / "000_0af95a1a156b083b.txt"
    if not seed.exists():
        pytest.skip(f"{seed} not found: the seed lives in ../shared/seed")
    assert (KNOWLEDGE / SEED_NAME).read_bytes() == seed.read_bytes()


def test_us_abbreviation_does_not_end_a_sentence():
    _, kb = seed_doc()
    p3 = next(p for p in kb.passages if p.document == SEED_NAME and p.number == 3)
    assert "Part of the U.S. Air Force forces are stationed here, and its strategic position can be seen." in p3.sentences
    assert p3.sentences[0].endswith("two considerations.")


def test_passages_are_numbered_in_reading_order():
    _, kb = seed_doc()
    nums = [p.number for p in kb.passages if p.document == SEED_NAME]
    assert nums == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("raw", ["a < / P > < p > b", "a < p > < p > b", "a</p><p>b", "a<BR/>b", "a <div class='x'> b"])
def test_mangled_block_tags_split_paragraphs(raw):
    doc = Cleaner().clean("x.txt", raw)
    assert doc.paragraphs == ("a", "b")


def test_inline_tags_dropped_entities_decoded():
    assert strip_tags("Tom &amp; Jerry <b>bold</b> &lt;3 &#8217;").split() == ["Tom", "&", "Jerry", "bold", "<3", "’"]


def test_txt_title_needs_blank_line_after_it():
    assert Cleaner().clean("notes.txt", "Title\n\nBody text.").title == "Title"
    doc = Cleaner().clean("my_notes.txt", "Line one\nline two.")
    assert doc.title == "my notes"
    assert doc.paragraphs == ("Line one line two.",)


def test_txt_and_md_source_line():
    doc = Cleaner().clean("a.txt", "source: https://example.org/a\nTitle\n\nBody.")
    assert doc.source == "https://example.org/a" and doc.title == "Title" and doc.paragraphs == ("Body.",)
    md = Cleaner().clean("b.md", "source: https://example.org/b\n\n# Rules of the server\n\nBe kind.\n\n## Roles\n\nAsk a [moderator](https://x.y).")
    assert md.title == "Rules of the server" and md.source == "https://example.org/b"
    assert md.paragraphs == ("Be kind.", "Roles — Ask a moderator.")


def test_section_headings_open_the_paragraph_below_them():
    md = Cleaner().clean("g.md", "# Guide\n\nIntro.\n\n## Install\nRun make run.\n\n### Linux\n#### Debian\n\n"
                                 "Use apt.\n\n```sh\n# not a heading\n```\n\n## Empty section")
    assert md.title == "Guide"
    assert md.paragraphs == ("Intro.", "Install — Run make run.", "Linux — Debian — Use apt.",
                             "```sh # not a heading ```", "Empty section")
    page = Cleaner().clean("g.html", "<title>Guide</title><h1>Guide</h1><p>Intro.</p><h2>Install</h2>"
                                     "<p>Run make run.</p><h3>Linux</h3><h4>Debian</h4><p>Use apt.</p>")
    assert page.paragraphs == ("Intro.", "Install — Run make run.", "Linux — Debian — Use apt.")
    # The marker the cleaner uses cannot be smuggled in through a file's text.
    assert Cleaner().clean("a.txt", "T\n\n\ue000odd\n\nok").paragraphs == ("odd", "ok")
    faq = Cleaner().clean("faq.md", "# FAQ\n\n## How do I join?\n\nAsk a moderator.\n\n## Rules:\nBe kind.")
    assert faq.paragraphs == ("How do I join? Ask a moderator.", "Rules: Be kind.")
    forged = Cleaner().clean("f.html", "<title>&#xE000;Guide</title><p>&#57344;odd</p><p>ok</p>")
    assert forged.title == "Guide" and forged.paragraphs == ("odd", "ok")
    forged = Cleaner().clean("f.md", "# &#xE000;Guide\n\n&#xe000;odd\n\nok")
    assert forged.title == "Guide" and forged.paragraphs == ("odd", "ok")


def test_html_title_canonical_and_paragraphs():
    raw = """<html><head><title>FAQ &amp; Help</title><link rel="canonical" href="https://example.org/faq">
    <style>p {color: red}</style><script>var x = "<p>no</p>";</script></head>
    <body><nav>Home | About</nav><h1>Ignored heading</h1><p>First &quot;para&quot;.</p><p>Second
    para.</p></body></html>"""
    doc = Cleaner().clean("faq.html", raw)
    assert doc.title == "FAQ & Help"
    assert doc.source == "https://example.org/faq"
    assert doc.paragraphs == ('First "para".', "Second para.")


def test_html_h1_is_title_when_no_title_tag():
    doc = Cleaner().clean("p.html", "<h1>Heading</h1><p>Text.</p>")
    assert doc.title == "Heading" and doc.paragraphs == ("Text.",)


def test_junk_markers_extendable():
    raw = "T\n\nReal text about the topic, long enough. Subscribe now! Buy things."
    assert Cleaner().clean("a.txt", raw).paragraphs == ("Real text about the topic, long enough. Subscribe now! Buy things.",)
    cfg = CleanConfig.with_extra_markers(["Subscribe now!"])
    assert Cleaner(cfg).clean("a.txt", raw).paragraphs == ("Real text about the topic, long enough.",)


def test_junk_marker_early_in_a_document_is_ordinary_text():
    raw = "# Tokens\n\nRead more about tokens below.\n\nTokens expire after one hour.\n\nRefresh them daily."
    assert Cleaner().clean("t.md", raw).paragraphs == (
        "Read more about tokens below.", "Tokens expire after one hour.", "Refresh them daily.")


def test_html_entities_decoded_once():
    doc = Cleaner().clean("x.html", "<p>Use the &lt;p&gt; tag, and write &amp;amp; for an ampersand.</p>")
    assert doc.paragraphs == ("Use the <p> tag, and write &amp; for an ampersand.",)


def test_angle_brackets_in_plain_text_are_kept():
    doc = Cleaner().clean("a.txt", "If a<b and c>d the claim holds. Use Vec<String> in Rust. <b>bold</b> <a href='x'>link</a>")
    assert doc.paragraphs == ("If a<b and c>d the claim holds. Use Vec<String> in Rust. bold link",)


def test_one_line_file_is_a_paragraph_not_a_title():
    doc = Cleaner().clean("paris.txt", "Paris is the capital of France.\n")
    assert doc.paragraphs == ("Paris is the capital of France.",) and doc.title == "paris"


def test_markdown_title_not_taken_from_code_block():
    doc = Cleaner().clean("r.md", "```bash\n# install deps\npip install x\n```\n\n# Real title\n\nText.")
    assert doc.title == "Real title"


def test_stable_order_and_relative_paths(tmp_path: Path):
    (tmp_path / "b.txt").write_text("B\n\nbee")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("# A\n\nay")
    (tmp_path / "c.html").write_text("<p>see</p>")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("H\n\nhidden")
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["b.txt", "c.html", "sub/a.md"]


def test_bad_files_skipped_with_warning(tmp_path: Path, caplog):
    (tmp_path / "good.txt").write_text("Good\n\nSome words here.")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x00\x00\x00data")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "empty.md").write_text("   \n")
    with caplog.at_level(logging.WARNING):
        kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["good.txt"]
    skipped = {s.path: s.reason for s in kb.skipped}
    assert set(skipped) == {"binary.txt", "latin1.txt", "empty.md"}
    assert "binary" in skipped["binary.txt"] and "UTF-8" in skipped["latin1.txt"] and "empty" in skipped["empty.md"]
    for name in skipped:
        assert name in caplog.text


def test_missing_and_empty_directories_name_the_directory(tmp_path: Path):
    with pytest.raises(KnowledgeError, match="nope.*does not exist"):
        load_knowledge(tmp_path / "nope")
    with pytest.raises(KnowledgeError, match=str(tmp_path)):
        load_knowledge(tmp_path)


def test_no_loadable_file_is_an_error(tmp_path: Path):
    (tmp_path / "x.txt").write_bytes(b"\x00\x01")
    with pytest.raises(KnowledgeError, match="no usable documents.*x.txt"):
        load_knowledge(tmp_path)
