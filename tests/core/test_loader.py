"""The loader: what is read, what is skipped and why, kb.toml, titles and deep links."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from bot.builder import build_knowledge
from bot.documents import loader as loader_mod
from bot.documents.decode import drop_controls
from bot.documents.loader import (
    LoadConfig,
    load_knowledge,
    scan_knowledge,
    title_from_name,
)
from bot.documents.model import DocTree, Paragraph, ReadOptions, Section
from bot.documents.urls import anchors, page_url, slug
from bot.errors import KnowledgeError
from bot.rendering import errors as wording

ARTICLE = "Title\n\nReal text about the topic, long enough to stand as a paragraph.\n"


def skipped(kb) -> dict[str, str]:
    return {s.path: s.reason for s in kb.skipped}


def test_unsupported_type_is_reported_with_the_supported_list(tmp_path, caplog):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "guide.docx").write_bytes(b"PK\x03\x04")
    with caplog.at_level(logging.WARNING):
        kb = load_knowledge(tmp_path)
    assert skipped(kb) == {
        "guide.docx": "unsupported type; supported: .md .markdown .mdx .rst .txt .html .htm .pdf .ipynb .adoc .asciidoc"
    }
    assert "guide.docx" in caplog.text
    assert [d.path for d in kb.documents] == ["a.txt"]


def test_a_docusaurus_mdx_page_is_read_as_markdown(tmp_path):
    (tmp_path / "intro.mdx").write_text("import Tabs from '@theme/Tabs';\n\n# Intro\n\nReal text about the topic.\n")
    kb = load_knowledge(tmp_path)
    assert not kb.skipped
    assert [(d.path, d.title, list(d.paragraphs)) for d in kb.documents] == [
        ("intro.mdx", "Intro", ["Real text about the topic."])
    ]


def test_hidden_files_and_the_cache_folder_are_never_read(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    (tmp_path / ".kb-cache").mkdir()
    (tmp_path / ".kb-cache" / "x.txt").write_text(ARTICLE)
    assert [f for f, _ in scan_knowledge(tmp_path).files] == ["a.txt"]


def test_too_big_file_is_skipped_and_the_rest_loads(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "big.txt").write_text("word " * 300_000)  # 1.5 MB
    kb = load_knowledge(tmp_path, LoadConfig(max_file_mb=1))
    assert skipped(kb) == {"big.txt": "1.5 MB is over the limit of MAX_FILE_MB=1"}
    assert len(kb.documents) == 1


def test_twelve_mb_one_paragraph_file_is_skipped_with_its_name(tmp_path, caplog):
    (tmp_path / "a.txt").write_text(ARTICLE)
    sentence = "This text never has a blank line, so it is one paragraph. "
    (tmp_path / "dump.txt").write_text(sentence * (12_000_000 // len(sentence)))
    with caplog.at_level(logging.WARNING):
        built = build_knowledge(tmp_path)
    reasons = skipped(built.kb)
    assert list(reasons) == ["dump.txt"] and "too long to be prose" in reasons["dump.txt"]
    assert "dump.txt" in caplog.text
    assert [d.path for d in built.kb.documents] == ["a.txt"]


def test_sentence_splitting_time_out_skips_the_file(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text("B\n\nAnother file. It has two sentences.\n")
    from bot.text import SentenceSplitter

    class Slow(SentenceSplitter):
        def split(self, text: str) -> list[str]:
            if "Another" in text:
                raise TimeoutError("regex took too long")
            return super().split(text)

    kb = load_knowledge(tmp_path, splitter=Slow())
    assert skipped(kb) == {"b.txt": "sentence splitting timed out (the text is not prose)"}


def test_a_reader_bug_skips_the_file_only(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.rst").write_text("x")

    def broken(path: str, data: bytes, options: ReadOptions) -> DocTree:
        raise ValueError("boom")

    real = loader_mod.reader_for
    monkeypatch.setattr(loader_mod, "reader_for", lambda s: broken if s == ".rst" else real(s))
    kb = load_knowledge(tmp_path)
    assert skipped(kb) == {"b.rst": "could not be read (ValueError)"}


def test_nothing_usable_names_every_reason(tmp_path):
    (tmp_path / "guide.docx").write_bytes(b"PK")
    with pytest.raises(KnowledgeError, match="guide.docx: unsupported type"):
        load_knowledge(tmp_path)


def test_nothing_usable_in_a_big_folder_names_the_first_reasons_and_counts_the_rest(tmp_path):
    # A folder of 3,000 images: the reload error named every one of them on one line.
    for i in range(30):
        (tmp_path / f"img{i:02}.png").write_bytes(b"\x89PNG")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(tmp_path)
    message = str(err.value)
    assert "img00.png: unsupported type" in message and "img09.png" in message and "img10.png" not in message
    assert message.endswith("and 20 more skipped)")


def test_title_from_the_file_name():
    assert title_from_name("docs/resource-limits.md") == "Resource limits"
    assert title_from_name("my_notes.txt") == "My notes"


# -- kb.toml ------------------------------------------------------------------------------


def test_kb_toml_exclude_applies_to_its_folder_and_below(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "CHANGELOG-2024.txt").write_text(ARTICLE)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "contributing.txt").write_text(ARTICLE)
    (sub / "keep.txt").write_text(ARTICLE.replace("topic", "other topic"))  # not a copy of a.txt
    (sub / "drafts").mkdir()
    (sub / "drafts" / "d.txt").write_text(ARTICLE)
    (tmp_path / "kb.toml").write_text('exclude = ["CHANGELOG*", "contributing.txt"]\n')
    (sub / "kb.toml").write_text('exclude = ["drafts/"]\n')
    scan = scan_knowledge(tmp_path)
    assert [f for f, _ in scan.files] == ["a.txt", "sub/keep.txt"]
    assert [c for c, _ in scan.configs] == ["kb.toml", "sub/kb.toml"]


def test_kb_toml_junk_markers_cut_scraped_text_of_that_folder_only(tmp_path):
    body = "Real text about the topic, long enough to matter here. Subscribe now! Buy things."
    (tmp_path / "a.txt").write_text(f"A\n\n{body}\n")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "b.txt").write_text(f"B\n\n{body}\n")
    (tmp_path / "news" / "kb.toml").write_text('junk_markers = ["Subscribe now!"]\n')
    kb = load_knowledge(tmp_path)
    texts = {p.document: p.text for p in kb.passages}
    assert texts["a.txt"] == body
    assert texts["news/b.txt"] == "Real text about the topic, long enough to matter here."
    assert any("Subscribe now!" in n for n in next(d for d in kb.documents if d.path == "news/b.txt").notes)


def test_bad_kb_toml_is_reported_and_the_folder_still_loads(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "kb.toml").write_text('url_style = "wiki"\n')
    kb = load_knowledge(tmp_path)
    assert "url_style must be one of" in skipped(kb)["kb.toml"]
    assert len(kb.documents) == 1


def test_kb_toml_exclude_with_a_run_of_stars_is_one_star(tmp_path):
    # pathspec made each star its own [^/]*: matching a long name backtracked for ever.
    (tmp_path / "a-rather-long-name-for-an-article.txt").write_text(ARTICLE)
    (tmp_path / "notes.md").write_text("# Notes\n\nSome notes on the article.\n")
    (tmp_path / "kb.toml").write_text('exclude = ["' + "*" * 40 + '.md"]\n')
    kb = load_knowledge(tmp_path)
    assert skipped(kb) == {} and [d.path for d in kb.documents] == ["a-rather-long-name-for-an-article.txt"]


def test_kb_toml_nested_too_deeply_for_the_toml_parser_is_reported(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "kb.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    kb = load_knowledge(tmp_path)
    assert skipped(kb)["kb.toml"] == "kb.toml is not valid TOML (nested too deeply)"
    assert len(kb.documents) == 1


def test_kb_toml_saved_with_a_byte_order_mark_and_crlf_is_read(tmp_path):
    # What Windows Notepad saves: tomllib alone calls the mark an invalid statement.
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "draft.txt").write_text(ARTICLE)
    (tmp_path / "kb.toml").write_bytes(b'\xef\xbb\xbfexclude = ["draft.txt"]\r\n')
    kb = load_knowledge(tmp_path)
    assert skipped(kb) == {} and [d.path for d in kb.documents] == ["a.txt"]


def _headed(path: str, data: bytes, options: ReadOptions) -> DocTree:
    ssl = Section("Client side certificates", 2, (Paragraph("Use a certificate."),))
    own = Section("Own id", 2, (Paragraph("Explicit."),), anchor="custom-id")
    return DocTree(title=None, root=Section("", 0, (), (Section("SSL", 1, (Paragraph("Intro."),), (ssl, own)),)))


@pytest.mark.parametrize(
    "style, url",
    [
        ("mkdocs", "https://docs.example.org/advanced/ssl/#client-side-certificates"),
        ("html", "https://docs.example.org/advanced/ssl.html#client-side-certificates"),
        ("sphinx", "https://docs.example.org/advanced/ssl.html#client-side-certificates"),
        ("hugo", "https://docs.example.org/advanced/ssl/#client-side-certificates"),
    ],
)
def test_base_url_and_style_give_deep_links(tmp_path, monkeypatch, style, url):
    monkeypatch.setattr(loader_mod, "reader_for", lambda s: _headed)
    (tmp_path / "advanced").mkdir()
    (tmp_path / "advanced" / "ssl.md").write_text("x")
    (tmp_path / "kb.toml").write_text(f'base_url = "https://docs.example.org"\nurl_style = "{style}"\n')
    kb = load_knowledge(tmp_path)
    by_section = {p.section: p for p in kb.passages}
    assert by_section[("Client side certificates",)].url == url
    assert by_section[("Own id",)].url.endswith("#custom-id")  # the source's own anchor wins
    assert by_section[()].title == "SSL"  # the first H1 is the title, not part of the path
    assert by_section[()].url == url.split("#")[0] + "#ssl"


def _continued(path: str, data: bytes, options: ReadOptions) -> DocTree:
    entry = Section("pkg.connect", 2, (Paragraph("Opens a connection."),), anchor="pkg.connect")
    rest = Section("", 2, (Paragraph("Close it when done."),))  # what follows the entry
    return DocTree(title=None, root=Section("", 0, (), (Section("SSL", 1, (Paragraph("Intro."),), (entry, rest)),)))


@pytest.mark.parametrize("style", ["mkdocs", "sphinx"])
def test_a_continuation_is_cited_at_the_section_it_continues(tmp_path, monkeypatch, style):
    # outline.build_sections puts the prose after an API entry in a child without a
    # heading: it keeps its section's path (the title's H1 left out) and deep link.
    monkeypatch.setattr(loader_mod, "reader_for", lambda s: _continued)
    (tmp_path / "ssl.md").write_text("x")
    (tmp_path / "kb.toml").write_text(f'base_url = "https://docs.example.org"\nurl_style = "{style}"\n')
    got = [(p.text, p.section, p.url.rsplit("#", 1)[-1]) for p in load_knowledge(tmp_path).passages]
    assert got == [
        ("Intro.", (), "ssl"),
        ("Opens a connection.", ("pkg.connect",), "pkg.connect"),
        ("Close it when done.", (), "ssl"),
    ]


def test_source_line_wins_for_that_files_url(tmp_path):
    (tmp_path / "kb.toml").write_text('base_url = "https://docs.example.org/"\n')
    (tmp_path / "a.txt").write_text("source: https://news.example.com/a\nTitle\n\nText of the article here.\n")
    [p] = load_knowledge(tmp_path).passages
    assert p.url == "https://news.example.com/a" and p.source == "https://news.example.com/a"


def test_slugs_as_each_generator_makes_them():
    h = "Déjà vu: the `poetry.lock` file & you"
    assert slug(h, "mkdocs") == "deja-vu-the-poetrylock-file-you"
    assert slug(h, "hugo") == "déjà-vu-the-poetrylock-file--you"
    assert slug(h, "sphinx") == "deja-vu-the-poetry-lock-file-you"
    assert anchors([("Usage", None), ("Usage", None), ("Usage", None)], "mkdocs") == ["usage", "usage_1", "usage_2"]
    assert anchors([("Usage", None), ("Usage", None)], "hugo") == ["usage", "usage-1"]
    assert page_url("https://x.org/docs", "index.md", "mkdocs") == "https://x.org/docs/"
    assert page_url("https://x.org/docs/", "Guide/Intro.md", "hugo") == "https://x.org/docs/guide/intro/"
    assert page_url("https://x.org/", "api/index.rst", "sphinx") == "https://x.org/api/index.html"


def test_junk_markers_never_touch_markdown(tmp_path):
    faq = (
        "# FAQ\n\n## Joining\n\nAsk a moderator for an invite.\n\n## Shop\n\n"
        "Read more in the #shop channel.\n\n## Refunds\n\nRefunds take three days.\n"
    )
    (tmp_path / "faq.md").write_text(faq)
    (tmp_path / "kb.toml").write_text('junk_markers = ["Refunds"]\n')
    kb = load_knowledge(tmp_path)
    text = " ".join(p.text for p in kb.passages)
    assert "Read more in the #shop channel." in text and "Refunds take three days." in text
    assert kb.documents[0].notes == ()


def test_reload_report_lists_the_cuts(tmp_path):
    from bot.rendering.messages import render_reload
    from bot.service import KnowledgeService

    (tmp_path / "a.txt").write_text(ARTICLE)
    service = KnowledgeService.open(tmp_path, use_saved_index=False)
    body = "Real text about the topic, long enough to matter here. Related articles: buy things."
    (tmp_path / "news.txt").write_text(f"News\n\n{body}\n")
    report = service.reload()
    assert report.notes and report.notes[0][0] == "news.txt" and "Related articles" in report.notes[0][1]
    fields = {f.name: f.value for f in render_reload(report).embeds[0].fields}
    assert "news.txt" in fields["Read with a note (1)"]


def test_symlink_loop_is_not_followed_forever(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text(ARTICLE.replace("topic", "other topic"))  # not a copy of a.txt
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [f for f, _ in scan_knowledge(tmp_path).files] == ["a.txt", "sub/b.txt"]


def test_a_broken_link_a_pipe_or_a_link_to_a_hidden_file_is_reported_not_read(tmp_path):
    import os

    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "moved.md").symlink_to(tmp_path / "gone.md")
    (tmp_path / "self.md").symlink_to(tmp_path / "self.md")  # a loop
    os.mkfifo(tmp_path / "pipe.md")  # reading it would wait forever
    (tmp_path / "kb.toml").write_text('exclude = ["drafts/"]\n')
    (tmp_path / "drafts").symlink_to(tmp_path / "nowhere")
    (tmp_path.parent / ".env").write_text("DISCORD_TOKEN=abc.def.ghi\n")
    (tmp_path / "settings.txt").symlink_to(tmp_path.parent / ".env")  # the token, if read
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["a.txt"]
    assert skipped(kb) == {
        "moved.md": "it is a link to a file that does not exist",
        "pipe.md": "it is not a regular file",
        "self.md": "it is a link to a file that does not exist",
        "settings.txt": "it links to a hidden file, and hidden files are never read",
    }


def test_links_are_read_only_inside_the_knowledge_folder_and_linked_folders(tmp_path):
    kb_dir, outside = tmp_path / "kb", tmp_path / "elsewhere"
    kb_dir.mkdir()
    outside.mkdir()
    (kb_dir / "a.txt").write_text(ARTICLE)
    (kb_dir / "sub").mkdir()
    (kb_dir / "sub" / "b.txt").write_text(ARTICLE.replace("topic", "other topic"))  # not a copy of a.txt
    (kb_dir / "same.txt").symlink_to(kb_dir / "sub" / "b.txt")  # inside: read
    (tmp_path / "id_rsa.txt").write_text("-----BEGIN PRIVATE KEY-----\n")
    (kb_dir / "key.txt").symlink_to(tmp_path / "id_rsa.txt")  # a secret beside the folder: not read
    (outside / "guide.md").write_text("# Guide\n\nHow to do it.\n")
    (outside / "copy.md").symlink_to(outside / "guide.md")  # inside the linked checkout: read
    (outside / "up.txt").symlink_to(tmp_path / "id_rsa.txt")  # out of it again: not read
    (kb_dir / "docs").symlink_to(outside, target_is_directory=True)  # an admin's linked checkout
    if Path("/proc/self/environ").exists():
        (kb_dir / "env.txt").symlink_to("/proc/self/environ")  # the bot's environment, token included
        (kb_dir / "proc").symlink_to("/proc", target_is_directory=True)
    kb = load_knowledge(kb_dir)
    assert [d.path for d in kb.documents] == ["a.txt", "docs/guide.md", "sub/b.txt"]
    outside_why = "it links to a file outside the knowledge folder: copy the file in instead"
    expected = {
        "key.txt": outside_why,
        "docs/up.txt": outside_why,
        # Accepted, and then read once, under the real file's name.
        "same.txt": "it is the same file as sub/b.txt, which is read under that name",
        "docs/copy.md": "it is the same file as docs/guide.md, which is read under that name",
    }
    if Path("/proc/self/environ").exists():
        expected |= {"env.txt": outside_why, "proc/": "it links to a system folder, which is never read"}
    assert skipped(kb) == expected


def test_files_a_site_generator_copies_as_they_are_link_to_themselves(tmp_path):
    # MkDocs, Sphinx and Hugo turn .md/.rst into pages; a PDF or .html file in the docs
    # folder is published under its own name: `rules.html#moderation` would be a dead link.
    from tests.core.pdf_bytes import make_pdf

    (tmp_path / "kb.toml").write_text('base_url = "https://docs.example.org/"\nurl_style = "sphinx"\n')
    (tmp_path / "rules.pdf").write_bytes(
        make_pdf([[("Rules", 18), "", "Be kind to other members."], [("Moderation", 16), "", "Moderators can mute."]])
    )
    (tmp_path / "notes.txt").write_text(ARTICLE)
    kb = load_knowledge(tmp_path)
    urls = {(p.document, p.page): p.url for p in kb.passages}
    assert urls[("rules.pdf", 1)] == "https://docs.example.org/rules.pdf#page=1"
    assert urls[("rules.pdf", 2)] == "https://docs.example.org/rules.pdf#page=2"
    assert urls[("notes.txt", None)] == "https://docs.example.org/notes.html"  # stands for a page
    assert page_url("https://x.org/", "a/page.html", "mkdocs") == "https://x.org/a/page.html"


def test_the_bots_own_folders_get_no_site_url_from_above(tmp_path):
    # learned/ and uploads/ hold files the bot wrote (taught answers, /kb add): they are not
    # pages of the documentation site, so a base_url set above must not invent links to them.
    from bot.teach import LEARNED_DIR
    from bot.uploads import UPLOADS_DIR

    (tmp_path / "kb.toml").write_text('base_url = "https://docs.example.org/"\n')
    (tmp_path / "guide.md").write_text("# Guide\n\nText of the guide here.\n")
    for folder in (LEARNED_DIR, UPLOADS_DIR):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.md").write_text(f"# A\n\nSomething taught or uploaded, in {folder}.\n")
    (tmp_path / UPLOADS_DIR / "sub").mkdir()
    (tmp_path / UPLOADS_DIR / "sub" / "kb.toml").write_text('base_url = "https://own.example.org/"\n')
    (tmp_path / UPLOADS_DIR / "sub" / "b.md").write_text("# B\n\nAn upload with its own site.\n")
    urls = {p.document: p.url for p in load_knowledge(tmp_path).passages}
    assert urls["guide.md"] == "https://docs.example.org/guide/"
    assert urls[f"{LEARNED_DIR}/a.md"] is None and urls[f"{UPLOADS_DIR}/a.md"] is None
    assert urls[f"{UPLOADS_DIR}/sub/b.md"] == "https://own.example.org/b/"  # its own kb.toml


def test_bot_folders_named_as_the_modules_that_write_them():
    from bot.teach import LEARNED_DIR
    from bot.uploads import UPLOADS_DIR

    assert set(loader_mod.BOT_FOLDERS) == {LEARNED_DIR, UPLOADS_DIR}


def test_a_broken_link_is_reported_by_a_saved_index_only_while_it_is_there(tmp_path):
    from bot.service import KnowledgeService

    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "a.txt").write_text(ARTICLE)
    KnowledgeService.open(kb_dir, build_workers=1)  # builds and saves the index
    (kb_dir / "moved.md").symlink_to(kb_dir / "gone.md")
    service = KnowledgeService.open(kb_dir, build_workers=1)
    assert "moved.md" in skipped(service.knowledge)
    (kb_dir / "moved.md").unlink()
    assert "moved.md" not in skipped(KnowledgeService.open(kb_dir, build_workers=1).knowledge)
    assert "moved.md" not in {s.path for s in service.reload().skipped}


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_control_characters_in_a_file_never_reach_passages(tmp_path):
    # Terminal escapes (colour, window title, clear screen), a bell, a NUL past the first
    # 8 KB, C1 controls: drawn raw by the console and garbage in Discord.
    junk = "\x1b]0;title\x07 the \x1b[31mred\x1b[0m bell\x07 \x1b[2Jcleared, one\x0ctwo\x0bthree \x9b1m nul\x00x."
    pad = "Padding words for the first eight kilobytes. " * 200
    (tmp_path / "a.md").write_text(f"# Ti\x1btle\n\n{pad}\n\n{junk}\n")
    (tmp_path / "b.txt").write_text(f"Title\x07\n\n{pad}\n\n{junk}\n")
    (tmp_path / "c.html").write_text(f"<title>Ti\x1btle</title><p>{pad}</p><p>{junk}</p>")
    (tmp_path / "d.rst").write_text(f"Title\n=====\n\n{pad}\n\n{junk}\n")
    kb = load_knowledge(tmp_path)
    assert skipped(kb) == {}
    for d in kb.documents:
        assert not CONTROL.search(d.title), d
    for p in kb.passages:
        assert not CONTROL.search(p.text + p.markdown + "".join(p.sentences)), (p.document, p.text[-120:])
    assert drop_controls("a\ud800b\x1b[1mc\x1b]0;t\x07d") == "a\ufffdbcd"  # a lone surrogate too (PDF text)
    last = [p.text for p in kb.passages if "cleared" in p.text]
    assert len(last) == 4 and all("red bell" in t and "one two three" in t for t in last), last


def test_a_file_that_grew_past_the_limit_after_the_scan_is_not_read_whole(tmp_path):
    from bot.documents.kbtoml import FolderConfig
    from bot.documents.loader import load_file
    from bot.knowledge import SkippedFile
    from bot.text import SentenceSplitter

    (tmp_path / "a.txt").write_text(ARTICLE)
    sig = scan_knowledge(tmp_path).files[0][1]
    (tmp_path / "a.txt").write_text(ARTICLE + "More words in a file being copied in. " * 100)  # 3.9 kB
    got = load_file(tmp_path, "a.txt", sig, LoadConfig(max_file_mb=0.002), FolderConfig(), SentenceSplitter())
    assert isinstance(got, SkippedFile) and "grew past the limit of MAX_FILE_MB=0.002" in got.reason
    grown = load_file(tmp_path, "a.txt", sig, LoadConfig(), FolderConfig(), SentenceSplitter())
    assert not isinstance(grown, SkippedFile) and "being copied in" in grown.passages[-1].text


def test_a_name_that_is_not_utf8_is_skipped_not_a_crash(tmp_path):
    # Unzipped from an old archive, say: Python hands such a name over with surrogates,
    # which the index key, the saved index and the database cannot encode.
    from bot.service import KnowledgeService

    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "a.txt").write_text(ARTICLE)
    with open(os.fsencode(kb_dir) + b"/caf\xe9.md", "wb") as fh:
        fh.write(b"# Cafe\n\nThe cafe sells espresso.\n")
    os.mkdir(os.fsencode(kb_dir) + b"/d\xe9j\xe0")
    service = KnowledgeService.open(kb_dir, build_workers=1)
    reasons = skipped(service.knowledge)
    assert set(reasons) == {"caf\ufffd.md", "d\ufffdj\ufffd/"}
    assert all("not valid UTF-8" in r for r in reasons.values())
    assert skipped(KnowledgeService.open(kb_dir, build_workers=1).knowledge) == reasons  # from the saved index


@pytest.mark.parametrize("pattern", ["!", "\\\\"])
def test_an_invalid_exclude_pattern_is_reported_and_the_folder_still_loads(tmp_path, pattern):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "kb.toml").write_text(f'exclude = ["drafts/", "{pattern}"]\n')
    kb = load_knowledge(tmp_path)
    assert "kb.toml: exclude pattern" in skipped(kb)["kb.toml"] and "not a valid" in skipped(kb)["kb.toml"]
    assert len(kb.documents) == 1


def test_the_reload_log_line_counts_the_skipped_files(tmp_path, caplog):
    from bot.service import KnowledgeService

    (tmp_path / "a.txt").write_text(ARTICLE)
    for i in range(30):
        (tmp_path / f"img{i:02}.png").write_bytes(b"\x89PNG")
    service = KnowledgeService.open(tmp_path, use_saved_index=False)
    with caplog.at_level(logging.INFO, logger="bot.service"):
        service.reload()
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Reloaded")]
    assert "30 files skipped" in line and "img05.png" not in line  # each has its own warning


def test_a_file_link_into_a_linked_folder_read_later_or_into_a_hidden_folder(tmp_path):
    # Links were judged as met: "README.md -> docs/guide.md" sorts before the linked folder
    # "docs", so it was refused as outside. A link into a hidden folder (.git/config, which
    # can hold a remote's token) was read although the folder itself never is.
    kb_dir, outside = tmp_path / "kb", tmp_path / "checkout"
    kb_dir.mkdir()
    outside.mkdir()
    (outside / "guide.md").write_text("# Guide\n\nHow to do it.\n")
    (kb_dir / "docs").symlink_to(outside, target_is_directory=True)
    (kb_dir / "README.md").symlink_to(kb_dir / "docs" / "guide.md")
    (kb_dir / ".git").mkdir()
    (kb_dir / ".git" / "config").write_text("url = https://user:secret@example.org/repo\n")
    (kb_dir / "config.txt").symlink_to(kb_dir / ".git" / "config")
    kb = load_knowledge(kb_dir)
    assert [d.path for d in kb.documents] == ["docs/guide.md"]
    assert skipped(kb) == {
        "config.txt": "it links to a hidden file, and hidden files are never read",
        # Not refused as outside: accepted, then read once, under the real file's name.
        "README.md": "it is the same file as docs/guide.md, which is read under that name",
    }


def test_a_folder_link_to_a_hidden_folder_is_not_walked(tmp_path):
    # Hidden folders are never read, but "notes -> .git" walked it (config: a remote's token).
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("url = https://user:secret@example.org/repo\n")
    (tmp_path / "notes").symlink_to(tmp_path / ".git", target_is_directory=True)
    (tmp_path.parent / ".secrets").mkdir(exist_ok=True)
    (tmp_path / "more").symlink_to(tmp_path.parent / ".secrets", target_is_directory=True)
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["a.txt"]
    why = "it links to a hidden folder, and hidden folders are never read"
    assert skipped(kb) == {"more/": why, "notes/": why}


def test_a_file_linked_to_another_file_in_the_folder_is_read_once(tmp_path):
    # Both names were read: the same passages twice, competing in ranking and citations.
    # The real file's name is kept (the one the site publishes and links point to); the
    # link is reported with its reason, and two links to one unlisted file keep the first.
    (tmp_path / "guide.md").write_text("# Guide\n\nHow to install the tool on a new machine.\n")
    (tmp_path / "a-guide.md").symlink_to(tmp_path / "guide.md")  # sorts first, still the link
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "again.md").symlink_to(Path("..") / "guide.md")
    (tmp_path / "kb.toml").write_text('exclude = ["drafts/"]\n')
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "plan.txt").write_text(ARTICLE)
    (tmp_path / "plan.txt").symlink_to(tmp_path / "drafts" / "plan.txt")  # its target is not listed
    (tmp_path / "plan2.txt").symlink_to(tmp_path / "drafts" / "plan.txt")
    os.link(tmp_path / "guide.md", tmp_path / "hard.md")  # a hard link: another name, one file
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["guide.md", "plan.txt"]
    assert skipped(kb) == {
        "a-guide.md": "it is the same file as guide.md, which is read under that name",
        "hard.md": "it is the same file as guide.md, which is read under that name",
        "plan2.txt": "it is the same file as plan.txt, which is read under that name",
        "sub/again.md": "it is the same file as guide.md, which is read under that name",
    }
    assert [p.document for p in kb.passages].count("guide.md") == len(kb.passages) - 1
    # Re-pointing the skipped link makes a saved index stale: its own signature is kept.
    assert "a-guide.md" in {rel for rel, _ in scan_knowledge(tmp_path).entries()}


def test_a_copy_of_a_file_is_read_once(tmp_path):
    # "guide (1).md" (a second download) and docs/index.md (the README copied for the site)
    # were read as well: the same passage twice in one answer, under the same citation.
    # The shortest name is kept (the copy's name is the longer one), and the copy is
    # reported with its reason; files of equal size but other bytes, and empty ones, are not.
    guide = "# Guide\n\nHow to install the tool on a new machine.\n"
    (tmp_path / "guide.md").write_text(guide)
    (tmp_path / "guide (1).md").write_text(guide)
    (tmp_path / "README.md").write_text("# Tool\n\nThe tool answers questions.\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Tool\n\nThe tool answers questions.\n")
    (tmp_path / "other.md").write_text(guide.replace("new", "old"))  # same size, other text
    (tmp_path / "empty.md").write_text("\n")
    (tmp_path / "blank.md").write_text("\n")
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["README.md", "guide.md", "other.md"]
    assert skipped(kb) == {
        "blank.md": "the file is empty",
        "docs/index.md": "it has the same content as README.md, which is read",
        "empty.md": "the file is empty",
        "guide (1).md": "it has the same content as guide.md, which is read",
    }
    # Changing the copy makes a saved index stale, as any file does.
    assert "guide (1).md" in {rel for rel, _ in scan_knowledge(tmp_path).entries()}


def test_a_folder_linked_to_a_folder_read_anyway_keeps_the_real_name_and_is_reported(tmp_path):
    # "a-docs -> guide" sorts first: the folder was read as a-docs/ and guide/ itself was
    # left out, in the log only. The real folder's name is kept (the site publishes it), and
    # the link is in the reload report like the file links beside it.
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "start.md").write_text("# Start\n\nHow to begin with the tool.\n")
    (tmp_path / "a-docs").symlink_to(tmp_path / "guide", target_is_directory=True)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "also").symlink_to(Path("..") / "guide", target_is_directory=True)  # walked before guide/
    (tmp_path / "x" / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop
    kb = load_knowledge(tmp_path)
    assert [d.path for d in kb.documents] == ["guide/start.md"]
    assert skipped(kb) == {
        "a-docs/": "it links to the folder guide/, which is read under that name",
        "x/also/": "it links to the folder guide/, which is read under that name",
        "x/up/": "it links to the knowledge folder itself, which is read already",
    }


def test_literalinclude_reads_only_files_the_scan_lists(tmp_path):
    from bot.documents import related

    docs = tmp_path / "docs"
    (docs / "guide" / "examples").mkdir(parents=True)
    (docs / "guide" / "examples" / "hello.py").write_text("def hello():\n    return 'from the example'\n")
    (docs / "snippets").mkdir()
    (docs / "snippets" / "conf.py").write_text("project = 'from the source root'\n")
    (docs / ".private").mkdir()
    (docs / ".private" / "key.py").write_text("TOKEN = 'hidden'\n")
    (tmp_path / "secret.py").write_text("TOKEN = 'outside'\n")
    (docs / "guide" / "link.py").symlink_to(tmp_path / "secret.py")
    (docs / "guide" / "big.py").write_text("x = 1\n" * (related.MAX_BYTES // 6 + 1))
    directives = [
        "examples/hello.py",  # beside the page
        "/snippets/conf.py",  # from the knowledge folder, as Sphinx's source folder
        "../.private/key.py",
        "../../secret.py",
        "link.py",
        "big.py",
        "not-there.py",
    ]
    body = "\n\n".join(f"Example {n}:\n\n.. literalinclude:: {d}" for n, d in enumerate(directives))
    (docs / "guide" / "index.rst").write_text("Guide\n=====\n\n" + body + "\n")
    kb = load_knowledge(docs)
    text = "\n".join(p.markdown or p.text for p in kb.passages if p.document == "guide/index.rst")
    assert "from the example" in text and "from the source root" in text
    assert "hidden" not in text and "outside" not in text and "x = 1" not in text
    doc = next(d for d in kb.documents if d.path == "guide/index.rst")
    listed = dict(scan_knowledge(docs).files)
    assert doc.depends == tuple(
        sorted(
            (path, listed.get(path))
            for path in (
                "guide/examples/hello.py",
                "snippets/conf.py",
                ".private/key.py",
                "guide/big.py",
                "guide/not-there.py",
                "guide/link.py",
            )
        )
    )
    assert dict(doc.depends)["guide/link.py"] is None  # skipped by the scan: never opened


def test_a_page_shows_a_bounded_amount_of_other_files(tmp_path, monkeypatch):
    from bot.documents import related

    monkeypatch.setattr(related, "MAX_TOTAL_BYTES", 100)
    (tmp_path / "part.py").write_text("value = 'included'  # forty bytes long...\n")
    includes = "\n\n".join(f"Step {n}:\n\n.. literalinclude:: part.py" for n in range(5))
    (tmp_path / "page.rst").write_text("Page\n====\n\n" + includes + "\n")
    kb = load_knowledge(tmp_path)
    shown = "\n".join(p.markdown or p.text for p in kb.passages)
    assert shown.count("value = 'included'") == 2 and shown.count("Step") == 5


def test_load_knowledge_corrects_the_titles_the_sources_scan_guessed(tmp_path):
    (tmp_path / "a.rst").write_text("A\n=\n\nSee :ref:`json-label` and :ref:`gone`.\n")
    (tmp_path / "b.rst").write_text("B\n=\n\n.. _json-label:\n\nUsing :mod:`json`\n-----------------\n\nText.\n")
    kb = load_knowledge(tmp_path)
    assert next(p.text for p in kb.passages if p.document == "a.rst") == "See Using json and gone."
    a = next(d for d in kb.documents if d.path == "a.rst")
    assert a.ref_titles == (("gone", None), ("json-label", "Using json"))


def test_a_doc_without_a_title_shows_the_pages_title(tmp_path):
    # Sphinx shows :doc:`usage/builders/index` as that page's title ("Builders"), from any
    # folder ("../../top"), or from the top ("/usage/missing": no such page, its name).
    (tmp_path / "usage" / "builders").mkdir(parents=True)
    (tmp_path / "top.rst").write_text(
        "Top\n===\n\nSee :doc:`usage/builders/index`, :doc:`the guide <usage/builders/index>` and"
        " :doc:`/usage/missing`.\n"
    )
    (tmp_path / "usage" / "builders" / "index.rst").write_text(
        "========\nBuilders\n========\n\nBack to :doc:`../../top`.\n"
    )
    kb = load_knowledge(tmp_path)
    assert [p.text for p in kb.passages] == ["See Builders, the guide and missing.", "Back to Top."]


def test_rst_and_myst_pages_show_each_others_titles(tmp_path):
    # A Sphinx project may write some pages in RST and some in MyST (MyST-Parser's
    # docs/faq/index.md and its RST includes): labels and page titles cross formats.
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "usage.md").write_text(
        "# Usage guide\n\nSee {ref}`rst-label`, {doc}`../api` and {ref}`myst-label`.\n\n"
        "(myst-label)=\n## Counting *options*\n\nText.\n"
    )
    (tmp_path / "api.rst").write_text(
        "API\n===\n\nSee :ref:`myst-label` and :doc:`guide/usage`.\n\n.. _rst-label:\n\nFlags\n-----\n\nOn or off.\n"
    )
    kb = load_knowledge(tmp_path)
    texts = {p.document: p.text for p in kb.passages if p.number == 1}
    assert texts["guide/usage.md"] == "See Flags, API and Counting options."
    assert texts["api.rst"] == "See Counting options and Usage guide."
    usage = next(d for d in kb.documents if d.path == "guide/usage.md")
    assert usage.label_titles == (("myst-label", "Counting options"),)
    assert usage.ref_titles == (("doc:/api", "API"), ("rst-label", "Flags"))


def test_the_first_guess_at_titles_scans_myst_targets_outside_code(tmp_path):
    from bot.documents.reftitles import scan_titles

    (tmp_path / "page.md").write_text(
        "# The `page` title\n\n(first)=\n(second)=\n\n## Counting *options* {#counting}\n\n"
        "```md\n(in-code)=\n# Not a heading\n```\n\n(para)=\nA paragraph.\n\n(closed)=\n### Closed ###\n"
    )
    (tmp_path / "notes.md").write_text("Text before.\n\n## Not the title\n")
    assert scan_titles(tmp_path, ["page.md", "notes.md"]) == {
        "first": "Counting options",
        "second": "Counting options",
        "closed": "Closed",
        "doc:/page": "The page title",
    }


def test_a_myst_literalinclude_is_a_dependency_of_its_page(tmp_path):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "hello.py").write_text("# start\ndef hello():\n    return 'hi'\n")
    (tmp_path / "page.md").write_text(
        "# Page\n\nSay hello:\n\n```{literalinclude} examples/hello.py\n:start-after: start\n```\n"
    )
    kb = load_knowledge(tmp_path)
    (doc,) = [d for d in kb.documents if d.path == "page.md"]
    assert "def hello():" in kb.passages[0].markdown
    assert doc.depends == (("examples/hello.py", dict(scan_knowledge(tmp_path).files)["examples/hello.py"]),)


def test_rst_pages_in_txt_files_show_each_others_titles_and_are_guessed_first(tmp_path):
    # Django's docs: every page is RST in a .txt file, and :ref: crosses pages.
    from bot.documents.reftitles import scan_titles

    (tmp_path / "settings.txt").write_text(
        "========\nSettings\n========\n\n.. _debug:\n\nDebugging\n=========\n\nSee :ref:`deploy` first.\n"
    )
    (tmp_path / "deploy.txt").write_text(
        "======\nDeploy\n======\n\n.. _deploy:\n\nChecklist\n=========\n\nSee :ref:`debug`.\n"
    )
    (tmp_path / "notes.txt").write_text("Plain\n=====\n\n--quiet::\n\tNo output.\n")  # AsciiDoc
    assert scan_titles(tmp_path, ["settings.txt", "deploy.txt", "notes.txt"]) == {
        "debug": "Debugging",
        "deploy": "Checklist",
        "doc:/settings": "Settings",
        "doc:/deploy": "Deploy",
    }
    kb = load_knowledge(tmp_path)
    texts = {p.document: p.text for p in kb.passages}
    assert texts["settings.txt"] == "See Checklist first."
    assert texts["deploy.txt"] == "See Debugging."


def test_a_file_of_only_code_is_skipped_saying_why(tmp_path):
    # A notebook of code cells (the fuzzing review) or a page of listings was "no text left
    # after reading": code is found through the text that leads to it, never indexed alone.
    (tmp_path / "code.md").write_text("```python\nprint(1)\n```\n\n```bash\nls\n```\n", encoding="utf-8")
    (tmp_path / "ok.md").write_text("# Ok\n\nSome prose.\n", encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert [(s.path, s.reason) for s in kb.skipped] == [("code.md", wording.NO_TEXT_BUT_CODE)]
