"""Heading paths through the build, the saved index and the answer: BM25F field, citation
label, deep links and display Markdown survive a save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.answer import AnswerEngine, Citation
from bot.builder import build_knowledge
from bot.rendering.citation import citation_label
from bot.retrieval.bm25 import BM25Params, Index
from bot.service import KnowledgeService
from bot.store import load_built, save_built

GUIDE = """---
title: Managing environments
---

# Managing environments

Poetry makes project environment isolation one of its core features.

## Activating the environment

The `env activate` command prints the command to run. Use it like this:

```bash
eval $(poetry env activate)

# blank line above stays inside the fence
```

## Deleting the environments

- remove one with `poetry env remove`
- remove all with `--all`
"""


def write_docs(root: Path) -> Path:
    root.mkdir(exist_ok=True)
    (root / "managing-environments.md").write_text(GUIDE)
    (root / "kb.toml").write_text('base_url = "https://python-poetry.org/docs/"\n')
    (root / "notes.txt").write_text("Notes\n\nA plain paragraph about other things entirely.\n")
    return root


def test_section_fields_survive_save_and_load(tmp_path: Path):
    kdir = write_docs(tmp_path / "kb")
    built = build_knowledge(kdir)
    save_built(built, kdir, "k")
    loaded = load_built(kdir, "k")
    assert loaded is not None
    assert list(loaded.kb.passages) == list(built.kb.passages)
    p = next(p for p in loaded.kb.passages if p.section == ("Activating the environment",))
    assert p.title == "Managing environments"
    assert p.url == "https://python-poetry.org/docs/managing-environments/#activating-the-environment"
    assert "```bash\neval $(poetry env activate)\n\n# blank line above stays inside the fence\n```" in p.markdown
    lst = next(p for p in loaded.kb.passages if p.section == ("Deleting the environments",))
    assert "- remove one with `poetry env remove`" in lst.markdown
    plain = next(p for p in loaded.kb.passages if p.document == "notes.txt")
    assert plain.markdown == ""  # escaped text is not stored twice
    assert plain.url == "https://python-poetry.org/docs/notes/"  # kb.toml covers the whole folder
    np.testing.assert_array_equal(loaded.index.head_tokens, built.index.head_tokens)


def test_unchanged_file_keeps_its_passages_and_numbers_on_reload(tmp_path: Path):
    kdir = write_docs(tmp_path / "kb")
    service = KnowledgeService.open(kdir, use_saved_index=False)
    before = [(p.number, p.section, p.url) for p in service.knowledge.passages if p.document.endswith(".md")]
    (kdir / "notes.txt").write_text("Notes\n\nChanged paragraph.\n")
    report = service.reload()
    assert service._built.files_read == 1
    after = [(p.number, p.section, p.url) for p in service.knowledge.passages if p.document.endswith(".md")]
    assert after == before
    assert report.diff.documents_changed == ("notes.txt",)


def test_heading_words_find_the_section_and_the_label_shows_the_path(tmp_path: Path):
    kdir = write_docs(tmp_path / "kb")
    engine = AnswerEngine.from_built(build_knowledge(kdir))
    best = engine.ask("how do I activate the environment").best
    assert best is not None
    assert best.citation.section == ("Activating the environment",)
    assert (
        citation_label(best.citation)
        == f"Managing environments › Activating the environment · ¶{best.citation.paragraph}"
    )


def test_pdf_citation_shows_the_page():
    c = Citation("rules.pdf", "Rules", 7, section=("Conduct",), page=4)
    assert citation_label(c) == "Rules › Conduct · p. 4 · ¶7"


def _index(head: list[list[str]] | None, weight: float) -> Index:
    body = [[["alpha", "beta"]], [["gamma", "delta"]], [["alpha", "gamma"]]]
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(t, len(vocab)) for p in body for s in p for t in s]
    hids = [vocab.setdefault(t, len(vocab)) for h in head or [] for t in h]
    return Index.from_ids(
        np.array(ids, dtype=np.int32),
        np.array([2, 2, 2]),
        np.array([1, 1, 1]),
        list(vocab),
        BM25Params(head_weight=weight),
        np.array(hids, dtype=np.int32) if head else None,
        np.array([len(h) for h in head], dtype=np.int64) if head else None,
    )


def test_bm25f_heading_field_weight():
    plain = _index(None, 8.0)
    zero = _index([["epsilon"], [], ["delta"]], 0.0)
    # weight 0 or no headings: exactly the old postings
    np.testing.assert_array_equal(
        plain.bm25_scores(["alpha", "gamma"]), _index(None, 0.0).bm25_scores(["alpha", "gamma"])
    )
    np.testing.assert_array_equal(zero.bm25_scores(["alpha"]), plain.bm25_scores(["alpha"]))
    headed = _index([["epsilon"], [], ["delta"]], 8.0)
    # "delta" in passage 2's heading now outweighs passage 1's body occurrence
    scores = headed.bm25_scores(["delta"])
    assert scores[2] > scores[1] > scores[0]
    assert headed.bm25_scores(["epsilon"])[0] > 0  # a heading-only word is searchable


def test_kb_toml_change_rereads_every_file_and_stales_the_save(tmp_path: Path):
    kdir = write_docs(tmp_path / "kb")
    service = KnowledgeService.open(kdir)
    (kdir / "kb.toml").write_text('base_url = "https://example.org/v2/"\nurl_style = "html"\n')
    service.reload()
    assert service._built.files_read == 2  # both files: their links depend on kb.toml
    p = next(p for p in service.knowledge.passages if p.section == ("Activating the environment",))
    assert p.url == "https://example.org/v2/managing-environments.html#activating-the-environment"
    again = KnowledgeService.open(kdir)  # the save made after the reload is current
    assert again._built.files_read == 0
    assert all(p.url.startswith("https://example.org/v2/") for p in again.knowledge.passages)
