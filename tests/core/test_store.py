"""Saved indexes and incremental reloads."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.errors import KnowledgeError
from bot.knowledge import SavedSections
from bot.rendering.citation import citation_label
from bot.service import KnowledgeService
from bot.store import FORMAT_VERSION, cache_dir
from tests.conftest import KNOWLEDGE, SEED_NAME


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    d = tmp_path / "knowledge"
    d.mkdir()
    shutil.copy(KNOWLEDGE / SEED_NAME, d / SEED_NAME)
    (d / "rules.md").write_text(
        "# Server rules\n\nModerators are elected every spring by members.\n\nBe kind to others.\n"
    )
    (d / "faq.txt").write_text("FAQ\n\nThe bot answers questions from the knowledge base.\n")
    return d


def answers(service: KnowledgeService, questions=("why Ramstein?", "how are moderators elected", "lol")):
    out = []
    for q in questions:
        a = service.ask(q)
        out.append((a.answered, [(citation_label(r.citation), round(r.score, 5), r.snippet.text) for r in a.results]))
    return out


def test_saved_index_gives_the_same_answers(kdir: Path):
    fresh = KnowledgeService.open(kdir)
    assert fresh.last_save is not None and fresh.last_save[0] == cache_dir(kdir)  # saved after the first build
    folder, _ = fresh.save_index()
    assert folder == cache_dir(kdir) and (folder / "meta.json").exists()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["format"] == FORMAT_VERSION and len(meta["key"]) == 64
    assert not any(p.suffix == ".pkl" for p in folder.iterdir())
    loaded = KnowledgeService.open(kdir)
    assert loaded._built.files_read == 0  # nothing re-read: it came from the saved index
    assert answers(loaded) == answers(fresh)
    assert [s.title for s in loaded.sources()] == [s.title for s in fresh.sources()]


def test_stale_saved_index_is_rebuilt_and_refreshed(kdir: Path):
    KnowledgeService.open(kdir).save_index()
    (kdir / "faq.txt").write_text("FAQ\n\nThe bot was written in the spring of 2026.\n")
    service = KnowledgeService.open(kdir)
    assert service._built.files_read == 1  # the out-of-date save still serves the other files
    assert "2026" in service.ask("when was the bot written").best.snippet.text
    # The saved index was refreshed, so the next start-up reads nothing.
    assert KnowledgeService.open(kdir)._built.files_read == 0


def test_corrupt_saved_index_is_rebuilt(kdir: Path, caplog):
    KnowledgeService.open(kdir).save_index()
    (cache_dir(kdir) / "tokens.npy").write_bytes(b"garbage")
    service = KnowledgeService.open(kdir)
    assert service.ask("why Ramstein?").answered
    assert "unreadable" in caplog.text


def test_reload_reads_only_changed_files(kdir: Path):
    service = KnowledgeService.open(kdir, use_saved_index=False)
    assert service._built.files_read == 3
    rules = kdir / "rules.md"
    rules.write_text(rules.read_text() + "\nSpam gets a warning, then a ban.\n")
    (kdir / "new.txt").write_text("New\n\nA brand new document about spam filters.\n")
    report = service.reload()
    assert service._built.files_read == 2  # rules.md and new.txt; the article is reused
    assert report.documents == 4 and report.paragraphs == 6 + 3 + 1 + 1
    assert report.diff.documents_added == ("new.txt",)
    assert report.diff.documents_changed == ("rules.md",)
    assert report.diff.paragraphs_added == 2
    # Reused and re-read documents answer alike.
    assert service.ask("why Ramstein?").best.citation.paragraph == 3
    assert "ban" in service.ask("what happens to spam").best.snippet.text
    os.remove(kdir / "faq.txt")
    report = service.reload()
    assert report.diff.documents_removed == ("faq.txt",) and report.diff.paragraphs_removed == 1
    assert service._built.files_read == 0


def test_failed_reload_keeps_old_base(kdir: Path):
    from bot.errors import KnowledgeError

    service = KnowledgeService.open(kdir, use_saved_index=False)
    for p in kdir.iterdir():
        p.unlink()
    with pytest.raises(KnowledgeError, match="has no documents"):
        service.reload()
    assert service.ask("why Ramstein?").best.citation.paragraph == 3


def test_saved_index_of_a_fixed_file_is_stale(kdir: Path):
    (kdir / "bad.txt").write_bytes(b"\x00\x01binary")
    service = KnowledgeService.open(kdir)
    (kdir / "bad.txt").write_text("Penguins\n\nPenguins live in Antarctica.\n")
    service.save_index()  # saves what the build saw: bad.txt as it was
    reopened = KnowledgeService.open(kdir)
    assert reopened.ask("where do penguins live").answered


def test_unexpected_reload_error_keeps_old_base(kdir: Path, monkeypatch):
    from bot import service as service_module
    from bot.errors import KnowledgeError

    service = KnowledgeService.open(kdir, use_saved_index=False)

    def boom(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(service_module, "build_knowledge", boom)
    (kdir / "faq.txt").write_text("FAQ\n\nChanged.\n")
    with pytest.raises(KnowledgeError, match="previous knowledge base is still in use"):
        service.reload()
    assert service.ask("why Ramstein?").best.citation.paragraph == 3


def test_failed_swap_keeps_the_previous_save(kdir: Path, monkeypatch):
    service = KnowledgeService.open(kdir)
    folder, _ = service.save_index()
    before = (folder / "meta.json").read_text()
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(src).name.startswith(".tmp-"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        service.save_index()
    monkeypatch.setattr(os, "replace", real_replace)
    assert (folder / "meta.json").read_text() == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp-")]
    assert KnowledgeService.open(kdir)._built.files_read == 0


def _damage(path: Path) -> None:
    """Overwrite an .npy file's body (its header stays valid, as after a disk fault)."""
    data = bytearray(path.read_bytes())
    header = data.index(b"\n") + 1  # the .npy header ends at its first newline
    data[header:] = bytes([0xFF]) * (len(data) - header)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["tokens", "sentence_ptr", "post_docs", "blob", "term_ptr"])
def test_damaged_array_is_detected_and_rebuilt(kdir: Path, caplog, name: str):
    first = answers(KnowledgeService.open(kdir))
    _damage(cache_dir(kdir) / f"{name}.npy")
    with caplog.at_level(logging.WARNING):
        service = KnowledgeService.open(kdir)
    assert service._built.files_read == 3  # rebuilt from the files, nothing taken from the damaged save
    assert answers(service) == first
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "damaged" in warnings[0].getMessage()
    # The rebuilt index replaced the damaged save.
    assert KnowledgeService.open(kdir)._built.saved


def test_reload_repairs_a_save_damaged_while_running(kdir: Path):
    first = answers(KnowledgeService.open(kdir))
    service = KnowledgeService.open(kdir)
    assert service._built.saved  # answering from the memory-mapped save
    _damage(cache_dir(kdir) / "post_weights.npy")  # in place: the mapped arrays change too
    report = service.reload()
    assert report.documents == 3
    assert service._built.files_read == 3  # nothing reused from the damaged arrays
    assert answers(service) == first
    assert KnowledgeService.open(kdir)._built.saved  # the save is whole again


def test_unfinished_saves_are_removed_at_start(kdir: Path):
    KnowledgeService.open(kdir)
    parent = cache_dir(kdir).parent
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [parent / f".tmp-{dead.pid}-abc", parent / ".tmp-old_style"]
    live = parent / f".tmp-{os.getppid()}-xyz"  # a living process (pytest's parent) may be saving
    for d in (*stale, live):
        d.mkdir()
        (d / "tokens.npy").write_bytes(b"half written")
    service = KnowledgeService.open(kdir)
    assert service.ask("why Ramstein?").answered
    assert not any(d.exists() for d in stale)
    assert live.exists()


def test_first_build_is_saved_and_logged(kdir: Path, caplog):
    with caplog.at_level(logging.INFO, logger="bot.service"):
        service = KnowledgeService.open(kdir)
    assert not service._built.saved and (cache_dir(kdir) / "meta.json").exists()
    assert "built the index of" in caplog.text and "saved the index to" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.service"):
        again = KnowledgeService.open(kdir)
    assert again._built.saved and again._built.files_read == 0
    assert again._built.seconds == pytest.approx(service._built.seconds)
    assert "loaded the saved index" in caplog.text and "built 20" in caplog.text  # the build's date


def test_the_index_lives_where_make_clean_removes_it():
    root = Path(__file__).resolve().parents[2]
    assert cache_dir(root / "knowledge") == root / ".kb-cache" / "knowledge"
    clean = next(line for line in (root / "Makefile").read_text().splitlines() if line.startswith("\trm -rf"))
    assert " .kb-cache" in clean


def test_a_save_made_by_other_reader_code_is_stale(kdir: Path, monkeypatch):
    from bot import store

    KnowledgeService.open(kdir).save_index()
    assert KnowledgeService.open(kdir)._built.files_read == 0
    monkeypatch.setattr(store, "code_fingerprint", lambda: "other code")
    assert KnowledgeService.open(kdir)._built.files_read > 0  # rebuilt, not served stale


def test_the_code_fingerprint_covers_the_wording_of_saved_notes_and_reasons(monkeypatch):
    # Skip reasons and reader notes are saved with the index; their texts live in
    # rendering/errors.py, so rewording one must make old saves stale too.
    from bot import store

    before = store.code_fingerprint.__wrapped__()
    read = Path.read_bytes

    def reworded(self: Path) -> bytes:
        data = read(self)
        return data + b"# reworded" if self.as_posix().endswith("bot/rendering/errors.py") else data

    monkeypatch.setattr(Path, "read_bytes", reworded)
    assert store.code_fingerprint.__wrapped__() != before


def test_a_read_only_folder_is_saved_under_the_cache_root_instead(kdir: Path, tmp_path_factory):
    from bot.semantic.embedder import HashEmbedder

    parent = kdir.parent
    root = tmp_path_factory.mktemp("data") / "kb-cache"  # not there yet: made on first use
    mode = parent.stat().st_mode
    parent.chmod(0o555)
    try:
        first = KnowledgeService.open(kdir, cache_root=root, embedder=HashEmbedder())
        assert first.wait_semantic(10) and first.semantic.ready
        assert first.last_save is not None and first.saved_folder.is_relative_to(root)
        assert not (parent / ".kb-cache").exists()  # the knowledge folder stays untouched
        # The next start reads the saved index and vectors: nothing read, nothing embedded.
        again = KnowledgeService.open(kdir, cache_root=root, embedder=HashEmbedder())
        assert again.built.files_read == 0 and again.semantic.ready and again.semantic.embedding == 0
        assert again.ask("why Ramstein?").answered
        # Another folder of the same name elsewhere gets a save of its own.
        assert cache_dir(tmp_path_factory.mktemp("elsewhere") / kdir.name, root) != cache_dir(kdir, root)
    finally:
        parent.chmod(mode)
    # A writable folder keeps its index beside it, whatever the cache root.
    service = KnowledgeService.open(kdir, cache_root=root)
    assert service.saved_folder == cache_dir(kdir)


def test_a_read_only_folder_gets_no_saved_index(kdir: Path, caplog):
    parent = kdir.parent
    mode = parent.stat().st_mode
    parent.chmod(0o555)  # no write bit: even root (who could write) leaves it alone
    try:
        with caplog.at_level(logging.INFO, logger="bot.service"):
            service = KnowledgeService.open(kdir)
        assert service.ask("why Ramstein?").answered
        assert not (parent / ".kb-cache").exists()
        assert service.last_save is None and "not saving the index" in caplog.text
        with pytest.raises(KnowledgeError, match="read-only"):
            service.save_index()
    finally:
        parent.chmod(mode)


def test_section_rows_are_saved_as_arrays_and_read_per_document(kdir: Path):
    # A million Markdown sections in meta.json took over a second of every start-up to parse.
    (kdir / "guide.md").write_text(
        "# Guide\n\n## Install\n\nRun the installer.\n\n## Ünïcode “headings”\n\nThey survive.\n", encoding="utf-8"
    )
    fresh = KnowledgeService.open(kdir)
    folder, _ = fresh.save_index()
    meta = json.loads((folder / "meta.json").read_text())
    assert all("sections" not in d for d in meta["documents"])
    loaded = KnowledgeService.open(kdir)
    table, built = loaded._built.kb.passages, fresh._built.kb.passages
    assert isinstance(table.sections, SavedSections)
    assert table.sections._decoded == {}  # nothing decoded before a passage is read
    assert [(p.section, p.url) for p in table] == [(p.section, p.url) for p in built]
    assert table.sections._decoded == {}  # a passage reads its own row alone
    assert [table.sections[d] for d in range(len(table.docs))] == list(built.sections)
    assert ("Ünïcode “headings”",) in {p.section for p in table}


def _postings_by_term(index) -> dict[str, tuple[list[int], list[float]]]:
    """Each term's passages and weights, keyed by the term's text (term numbers differ
    between a reload, which keeps the old vocabulary's order, and a build from scratch)."""
    return {
        term: (
            index.post_docs[index.term_ptr[t] : index.term_ptr[t + 1]].tolist(),
            index.post_weights[index.term_ptr[t] : index.term_ptr[t + 1]].tolist(),
        )
        for t, term in enumerate(index.vocabulary)
    }


def test_reload_from_a_saved_markdown_index_equals_a_build_from_scratch(kdir: Path):
    from bot.builder import build_knowledge

    for n in range(4):
        (kdir / f"guide{n}.md").write_text(
            f"# Guide {n}\n\n## Install step {n}\n\nRun the installer {n} times.\n\n"
            f"### Deep {n}\n\nNested heading words here.\n\n## Configure\n\nEdit the file.\n"
        )
    KnowledgeService.open(kdir)  # builds and saves
    service = KnowledgeService.open(kdir)  # from the save: its section rows are SavedSections
    assert service._built.saved
    (kdir / "guide1.md").write_text("# Guide one\n\n## Upgrade\n\nRun the upgrade with care.\n\n## Configure\n\nNew.\n")
    (kdir / "guide2.md").unlink()
    (kdir / "extra.md").write_text("# Extra\n\n## Install\n\nAn extra install note.\n")
    service.reload()
    assert service._built.files_read == 2
    reloaded, scratch = service._built, build_knowledge(kdir)
    assert list(reloaded.kb.passages) == list(scratch.kb.passages)
    got, want = reloaded.kb.passages.arrays(), scratch.kb.passages.arrays()
    for name, arr in want.items():
        assert np.array_equal(got[name], arr), name  # section rows too, byte for byte
    assert _postings_by_term(reloaded.index) == _postings_by_term(scratch.index)
    for field in ("doc_len", "head_ptr", "sentence_ptr", "passage_sentence_ptr"):
        assert np.array_equal(getattr(reloaded.index, field), getattr(scratch.index, field)), field
    head = [[reloaded.index.vocabulary[t] for t in reloaded.index.head_tokens.tolist()]]
    assert head == [[scratch.index.vocabulary[t] for t in scratch.index.head_tokens.tolist()]]
    fresh = KnowledgeService.open(kdir, use_saved_index=False)
    questions = ("how do I install", "upgrade with care", "nested heading", "why Ramstein?", "configure")
    assert answers(service, questions) == answers(fresh, questions)


def test_a_page_is_read_again_when_a_file_it_includes_changes(kdir: Path):
    # Sphinx tutorials show example modules with literalinclude: the page's passages hold the
    # example's text, so a change to the example alone must reach them, after a restart
    # (saved index) and on a reload alike.
    example = kdir / "examples" / "greet.py"
    example.parent.mkdir()
    example.write_text("def greet():\n    return 'hello from version one'\n")
    (kdir / "guide.rst").write_text("Guide\n=====\n\nThe greeting function:\n\n.. literalinclude:: examples/greet.py\n")

    def shown(service: KnowledgeService) -> str:
        return "\n".join(p.markdown or p.text for p in service._built.kb.passages if p.document == "guide.rst")

    assert "version one" in shown(KnowledgeService.open(kdir))
    example.write_text("def greet():\n    return 'hello from version two'\n")
    restarted = KnowledgeService.open(kdir)
    assert "version two" in shown(restarted)
    assert restarted._built.files_read == 2  # the page and the example; the rest reused
    example.write_text("def greet():\n    return 'hello from version three'\n")
    report = restarted.reload()
    assert "version three" in shown(restarted)
    assert report.diff.documents_changed == ("guide.rst",)  # its text is the same, the code it shows is not
    assert restarted._built.files_read == 2
    again = KnowledgeService.open(kdir)
    assert again._built.files_read == 0 and "version three" in shown(again)


def test_a_ref_shows_the_title_of_a_section_on_another_page_and_follows_it(kdir: Path):
    # Sphinx shows :ref:`label` as the title of the section the label names, on any page.
    # The page that refers is reused while that title stays; when it changes, the page is
    # read again, on a restart (saved index) and on a reload alike.
    (kdir / "usage.rst").write_text("Usage\n=====\n\nFirst read :ref:`install-groups`, then go on.\n")
    groups = kdir / "groups.rst"
    groups.write_text("Groups\n======\n\n.. _install-groups:\n\nInstalling groups\n-----------------\n\nText.\n")

    def usage(service: KnowledgeService) -> str:
        return next(p.text for p in service._built.kb.passages if p.document == "usage.rst")

    assert usage(KnowledgeService.open(kdir)) == "First read Installing groups, then go on."
    groups.write_text(
        "Groups\n======\n\n.. _install-groups:\n\nAdding dependency groups\n------------------------\n\nText.\n"
    )
    restarted = KnowledgeService.open(kdir)
    assert usage(restarted) == "First read Adding dependency groups, then go on."
    assert restarted._built.files_read == 2  # groups.rst, then usage.rst in a second pass
    groups.write_text("Groups\n======\n\nNo label any more.\n")
    restarted.reload()
    assert usage(restarted) == "First read install-groups, then go on."
    again = KnowledgeService.open(kdir)
    assert again._built.files_read == 0 and usage(again) == "First read install-groups, then go on."
