"""Release history (changelogs, release notes, release announcements) is told from names and
headings, and counts less in the ranking: the page that explains a feature ranks above the
changelog line that announced it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.documents.releases import is_release_document, is_release_heading, is_release_passage, may_name_a_release
from bot.knowledge import PassageTable, release_passages
from bot.retrieval.rerank import RankParams


@pytest.mark.parametrize(
    "path, title",
    [
        ("CHANGELOG.md", "Whatever"),
        ("docs/changelog.rst", "Release History"),
        ("HISTORY.rst", "x"),
        ("docs/release-notes.md", "x"),
        ("news.txt", "x"),
        ("whats_new.md", "x"),
        ("about/notes.md", "Release notes"),
        ("history/hatch.md", "Hatch history"),
        ("changes.md", "x"),
        ("announce/release-9.2.0.rst", "x"),  # one release's own page (pytest's announcements)
        ("notes/v2.1.0.md", "x"),
    ],
)
def test_release_documents(path: str, title: str) -> None:
    assert is_release_document(path, title)


@pytest.mark.parametrize(
    "path, title",
    [
        ("history/hatch.md", "Hatch"),  # a folder's name is not the file's kind
        ("docs/how-to/news-feeds.md", "Reading news feeds in your app"),
        ("install.md", "Installation"),
        ("docs/changelog-plugin.md", "Writing a changelog plugin"),
        ("contributing/gauging_changes.md", "Gauging changes"),  # black's guide: not its changelog
        ("blog/today.md", "Breaking news"),
        ("docs/python-3.12.md", "Python 3.12 support"),
        ("docs/release-2.0.md", "Migrating to 2.0"),  # a version of one dot: a guide, not a release
        ("docs/v1.0.0-migration-guide.md", "Migrating to 1.0"),  # more than a version
        ("notes/2024.01.15-team-meeting.md", "Team meeting"),
    ],
)
def test_other_documents(path: str, title: str) -> None:
    assert not is_release_document(path, title)


@pytest.mark.parametrize(
    "heading",
    [
        "v4.58.0 (2026-07-21)",
        "1.18.0 - 2026-08-11",
        "[2.1.3] - 2024-01-01",
        "Unreleased",
        "Hatch v1.10.0",
        "Version 2.0",
        "pytest-9.2.0",  # an announcement's title
    ],
)
def test_release_headings(heading: str) -> None:
    assert is_release_heading(heading)


@pytest.mark.parametrize(
    "heading",
    [
        "Installing on Python 3.8 and older",
        "Configuration",
        "Upgrading from 1.x to 2.0 step by step",
        "Python 3.12",
        "Upgrading from pre-3.0.0 style",
        "utf-8.0",
    ],
)
def test_other_headings(heading: str) -> None:
    assert not is_release_heading(heading)


def test_a_passage_under_a_release_heading_is_release_history() -> None:
    assert is_release_passage("blog/post.md", "Hatch v1.10.0", ("Test command",))
    assert is_release_passage("docs/changes.md", "Changes", ())
    assert is_release_passage("docs/x.md", "X", ("v2.0.0 (2024-01-01)", "Bug fixes"))
    assert not is_release_passage("docs/x.md", "X", ("Test command",))


FEATURE = (
    "The sources option redirects a dependency to a local path or a Git repository at install time, "
    "without changing the published metadata."
)


def _docs(tmp_path: Path) -> Path:
    # The changelog line says it in fewer words, so on words and length alone it wins.
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.18.0 - 2026-08-11\n\n- Add the sources option: redirect a dependency to a local path.\n",
        encoding="utf-8",
    )
    (tmp_path / "environments.md").write_text(
        f"# Environments\n\n## Dependency sources\n\n{FEATURE}\n\n## Scripts\n\nScripts run commands in the environment.\n",
        encoding="utf-8",
    )
    return tmp_path


def test_the_explaining_page_ranks_above_the_changelog(tmp_path: Path) -> None:
    built = build_knowledge(_docs(tmp_path))
    question = "how do i redirect a dependency to a local path"
    off = AnswerEngine.from_built(built, EngineConfig(rank=RankParams(release_weight=0.0))).ask(question)
    assert off.results[0].citation.document == "CHANGELOG.md"  # the case the weight is for
    on = AnswerEngine.from_built(built).ask(question)
    assert [r.citation.document for r in on.results[:2]] == ["environments.md", "CHANGELOG.md"]


def test_a_changelog_alone_still_answers(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.18.0 - 2026-08-11\n\n- Add the sources option: redirect a dependency to a local path.\n",
        encoding="utf-8",
    )
    answer = AnswerEngine.from_built(build_knowledge(tmp_path)).ask("when was the sources option added?")
    assert answer.answered and answer.results[0].citation.document == "CHANGELOG.md"


def test_saved_table_and_passage_list_agree(tmp_path: Path) -> None:
    (tmp_path / "blog.md").write_text("# Tool v2.0.0\n\nIt is out.\n\n## New command\n\nRun it.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text("Intro without a heading.\n\n# Guide\n\nRead me.\n", encoding="utf-8")
    built = build_knowledge(_docs(tmp_path))
    table = built.kb.passages
    assert isinstance(table, PassageTable)
    listed = [table[i] for i in range(len(table))]
    flags = table.releases().tolist()
    assert flags == release_passages(listed).tolist()
    # Judged as candidates are read, in any order and repeated: the same flags.
    lazy = release_passages(table)
    order = np.array([*range(len(table) - 1, -1, -1), 0, 0])
    assert lazy[order].tolist() == [flags[i] for i in order]
    assert flags == [is_release_passage(p.document, p.title, p.section) for p in listed]
    by_doc = {p.document: f for p, f in zip(listed, flags)}
    assert by_doc == {"CHANGELOG.md": True, "blog.md": True, "environments.md": False, "guide.md": False}


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_the_cheap_pre_check_never_misses_a_release_heading(heading: str) -> None:
    # ReleaseFlags skips decoding a saved document's section rows when the pre-check finds
    # nothing: it must hold for every heading the rule calls a release.
    if is_release_heading(heading):
        assert may_name_a_release(heading)
        assert may_name_a_release(json.dumps([[["x", heading], None]], ensure_ascii=False))


@pytest.mark.parametrize("heading", ["Unreleased", "UNRELEASED", "v4.58.0 (2026-07-21)", "Hatch v1.10.0", "١.٢ notes"])
def test_the_pre_check_finds_release_headings(heading: str) -> None:
    assert is_release_heading(heading) and may_name_a_release(heading)


def test_a_saved_document_without_release_headings_is_not_decoded_to_judge_it(tmp_path: Path) -> None:
    from bot.service import KnowledgeService

    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    (kdir / "guide.md").write_text("# Guide\n\n## Install\n\nRun it.\n\n## Configure\n\nEdit it.\n", encoding="utf-8")
    (kdir / "news.md").write_text("# Blog\n\n## Tool v2.0.0\n\nIt is out.\n\n## Later\n\nMore.\n", encoding="utf-8")
    KnowledgeService.open(kdir)  # builds and saves
    table = KnowledgeService.open(kdir)._built.kb.passages
    assert isinstance(table, PassageTable)
    flags = release_passages(table)[np.arange(len(table))].tolist()
    guide = [d for d, (path, _, _) in enumerate(table.docs) if path == "guide.md"][0]
    assert table.sections.known(guide) is None  # judged from its raw rows, never decoded
    docs = [table[i].document for i in range(len(table))]
    assert {d for d, f in zip(docs, flags) if f} == {"news.md"}
    assert flags == table.releases().tolist()
