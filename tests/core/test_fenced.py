"""The fenced-block signal: passages that show a code block or table (in documentation, the
example a how-to question asks for) rank above passages with the same words and none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.knowledge import Passage, PassageTable, fenced_passages, table_part
from bot.retrieval.rerank import RankParams

PROSE = "To install the tool offline, download the bundle first and then point the installer at it."


def _docs(tmp_path: Path) -> Path:
    # The same section text twice: only b.md shows the command. a.md comes first, so on
    # equal evidence it would win the tie.
    (tmp_path / "a.md").write_text(f"# Setup\n\n## Offline install\n\n{PROSE}\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(
        f"# Setup\n\n## Offline install\n\n{PROSE}\n\n```bash\ntool install --bundle ./bundle.tgz\n```\n",
        encoding="utf-8",
    )
    return tmp_path


def test_passage_with_code_block_ranks_first_on_equal_words(tmp_path: Path):
    built = build_knowledge(_docs(tmp_path))
    question = "how do i install offline from a bundle"
    on = AnswerEngine.from_built(built).ask(question)
    assert [r.citation.document for r in on.results[:2]] == ["b.md", "a.md"]
    assert on.results[0].score > on.results[1].score
    off = AnswerEngine.from_built(built, EngineConfig(rank=RankParams(fence_weight=0.0))).ask(question)
    assert [r.citation.document for r in off.results[:2]] == ["a.md", "b.md"]
    assert off.results[0].score == off.results[1].score


def test_saved_table_and_passage_list_agree(tmp_path: Path):
    built = build_knowledge(_docs(tmp_path))
    table = built.kb.passages
    assert isinstance(table, PassageTable)
    listed = [table[i] for i in range(len(table))]
    everything = np.arange(len(table))
    assert fenced_passages(table)[everything].tolist() == fenced_passages(listed).tolist() == [False, True]


def _passage(markdown: str, n: int) -> Passage:
    text = markdown.replace("`", "") or "x"
    return Passage("d.md", "D", None, n, text, (text,), (), markdown)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="`a\n ", max_size=12), min_size=1, max_size=8), st.randoms())
def test_table_flags_equal_python_check_in_any_order(mds: list[str], rnd):
    # Backtick runs at every place: a passage's start and end, runs of two beside a
    # neighbour's one (never three across a boundary), empty Markdown.
    from bot.knowledge import Document

    passages = [_passage(m, i + 1) for i, m in enumerate(mds)]
    part = table_part(Document("d.md", "D", None, [p.text for p in passages]), passages)
    md_ptr = np.zeros(len(mds) + 1, dtype=np.int64)
    np.cumsum(part.md_lens, out=md_ptr[1:])
    table = PassageTable(
        [part.doc],
        np.array([0, len(mds)], dtype=np.int64),
        np.frombuffer(bytes(part.text), dtype=np.uint8),
        np.concatenate([[0], np.cumsum(part.text_lens)]).astype(np.int64),
        np.concatenate([[0], np.cumsum(part.sent_counts)]).astype(np.int64),
        part.spans,
        np.frombuffer(bytes(part.md), dtype=np.uint8),
        md_ptr,
    )
    stored = [table.markdown(i) for i in range(len(mds))]
    expected = ["```" in m for m in stored]
    # Judged as candidates are read: in any order, repeated, and read again once known.
    order = np.array([rnd.randrange(len(mds)) for _ in range(2 * len(mds))], dtype=np.int64)
    flags = fenced_passages(table)
    assert flags[order].tolist() == [expected[i] for i in order]
    assert flags[np.arange(len(mds))].tolist() == expected
    assert fenced_passages(passages).tolist() == ["```" in m for m in mds]
