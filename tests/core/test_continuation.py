"""A long section cut into parts: the parts after the first count a little less, since each
carries the heading and the first part is what the heading introduces."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.knowledge import PassageTable, continued_passages
from bot.retrieval.rerank import RankParams

LONG = " ".join(f"Visual Studio links the wheel number {i} to the C++ runtime that users lack." for i in range(18))


def _docs(root: Path) -> Path:
    (root / "faq.md").write_text(
        "Intro without a heading.\n\nA second paragraph without one.\n\n"
        f"# FAQ\n\n## Windows: DLL load failed\n\n{LONG}\n\nTo investigate a failed import, Dependency Walker helps.\n\n"
        "## Linux\n\nUse the manylinux images.\n",
        encoding="utf-8",
    )
    (root / "other.md").write_text("## Linux\n\nAnother page on Linux.\n", encoding="utf-8")
    return root


def _flags(table: PassageTable) -> list[tuple[str, tuple[str, ...], bool]]:
    flags = continued_passages(table)[np.arange(len(table))].tolist()
    return [(table[i].document, table[i].section, f) for i, f in enumerate(flags)]


def test_only_later_parts_of_one_section_are_continuations(tmp_path: Path) -> None:
    table = build_knowledge(_docs(tmp_path)).kb.passages
    assert isinstance(table, PassageTable)
    got = _flags(table)
    windows = [f for doc, section, f in got if section == ("Windows: DLL load failed",)]
    assert windows == [False, True]  # the section was cut in two; only the second continues it
    # Text under no heading, a new section, and the next document's first section are not.
    assert sum(f for _, _, f in got) == 1
    listed = [table[i] for i in range(len(table))]
    assert continued_passages(listed).tolist() == [f for _, _, f in got]


def test_a_saved_table_judges_the_same_lazily(tmp_path: Path) -> None:
    from bot.service import KnowledgeService

    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    _docs(kdir)
    built = build_knowledge(kdir).kb.passages
    assert isinstance(built, PassageTable)
    KnowledgeService.open(kdir)  # builds and saves
    saved = KnowledgeService.open(kdir)._built.kb.passages
    assert isinstance(saved, PassageTable)
    lazy = continued_passages(saved)
    order = np.array([*range(len(saved) - 1, -1, -1), 0, 0])
    expected = _flags(built)
    assert lazy[order].tolist() == [expected[i][2] for i in order]


@pytest.mark.parametrize("weight", [0.2, 0.5])
def test_a_continuation_scores_the_weight_less_and_nothing_else_moves(tmp_path: Path, weight: float) -> None:
    built = build_knowledge(_docs(tmp_path))

    def scores(w: float) -> dict[int, float]:
        engine = AnswerEngine.from_built(built, EngineConfig(rank=replace(RankParams(), continuation_weight=w)))
        return {r.passage.number: r.score for r in engine.ask("windows dll load failed import").results}

    before, after = scores(0.0), scores(weight)
    first, second = (p.number for p in built.kb.passages if p.section == ("Windows: DLL load failed",))
    assert after[second] == pytest.approx(before[second] - weight)
    assert after[first] == pytest.approx(before[first])
