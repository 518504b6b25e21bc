from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.documents.loader import load_knowledge
from bot.errors import FolderProblem, KnowledgeDirError, KnowledgeError
from bot.knowledge import SavedSections, section_arrays
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
    assert (
        "Part of the U.S. Air Force forces are stationed here, and its strategic position can be seen." in p3.sentences
    )
    assert p3.sentences[0].endswith("two considerations.")


def test_passages_are_numbered_in_reading_order():
    _, kb = seed_doc()
    nums = [p.number for p in kb.passages if p.document == SEED_NAME]
    assert nums == [1, 2, 3, 4, 5, 6]


def test_stable_order_and_relative_paths(tmp_path: Path):
    (tmp_path / "b.txt").write_text("B\n\nbee")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("# A\n\nay")
    (tmp_path / "c.html").write_text("<p>see</p>")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF")  # read, fails, skipped with its reason
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


def test_a_missing_or_file_knowledge_directory_carries_what_is_wrong(tmp_path: Path):
    # Discord's /reload words these for its admin; the message stays the command line's.
    with pytest.raises(KnowledgeDirError) as missing:
        load_knowledge(tmp_path / "nope")
    assert missing.value.problem == FolderProblem("missing", tmp_path / "nope")
    again = pickle.loads(pickle.dumps(missing.value))
    assert str(again) == str(missing.value) and again.problem == missing.value.problem
    (tmp_path / "file").write_text("x")
    with pytest.raises(KnowledgeDirError) as not_a_dir:
        load_knowledge(tmp_path / "file")
    assert not_a_dir.value.problem.kind == "not_a_dir" and "KNOWLEDGE_DIR" in str(not_a_dir.value)


def test_no_loadable_file_is_an_error(tmp_path: Path):
    (tmp_path / "x.txt").write_bytes(b"\x00\x01")
    with pytest.raises(KnowledgeError, match="no usable documents.*x.txt"):
        load_knowledge(tmp_path)


_HEADINGS = st.lists(
    st.tuples(st.lists(st.text(max_size=12), max_size=4), st.one_of(st.none(), st.text(max_size=12))), max_size=6
)


@given(st.lists(_HEADINGS, max_size=5))
def test_section_rows_read_alone_equal_the_documents_decoded_whole(docs):
    # One row read from the buffer by its start (a shown passage's heading) is the row the
    # whole document's JSON gives; without the starts (saves made before them) the same.
    sections = [[(tuple(path), url) for path, url in rows] for rows in docs]
    arrays = section_arrays(sections)
    for row_doc, row_start in ((arrays["sections_row_doc"], arrays["sections_row_start"]), (None, None)):
        saved = SavedSections(arrays["sections_blob"], arrays["sections_ptr"], None, row_doc, row_start)
        for d, rows in enumerate(sections):
            assert [saved.row(d, r) for r in range(-1, len(rows) + 1)] == [((), None), *rows, ((), None)]
            assert saved.raw(d) == (
                json.dumps([[list(p), u] for p, u in rows], ensure_ascii=False, separators=(",", ":")).encode()
                if rows
                else b""
            )
            assert saved[d] == rows
