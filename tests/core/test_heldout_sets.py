"""The held-out docs sets' manifest and question files (bench/heldout/): shape only, no network.

bench/heldout.py downloads the pinned sdists (or Debian .debs of built HTML or PDF docs) and
measures the bot on them; here only what must hold for that to mean anything: every set is
pinned (URL, sha256, docs folder, licence), says why each excluded file is left out, and has 30
answerable questions with a gold phrase and 10 unanswerable ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.evaluate import read_questions

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "heldout"
SETS = json.loads((HELDOUT / "sets.json").read_text(encoding="utf-8"))


def test_at_least_three_sets_in_markdown_and_rst_and_one_in_html_and_one_in_pdf():
    assert len(SETS) >= 3
    formats = " ".join(s["format"] for s in SETS.values())
    assert "Markdown" in formats and "reStructuredText" in formats and "HTML" in formats and "PDF" in formats


@pytest.mark.parametrize("name", sorted(SETS))
def test_manifest_entry_is_pinned(name):
    s = SETS[name]
    archive = "deb" if "deb" in s else "sdist"
    for key in ("project", "version", archive, "url", "sha256", "docs", "licence", "questions"):
        assert isinstance(s[key], str) and s[key], key
    assert re.fullmatch(r"[0-9a-f]{64}", s["sha256"])
    if archive == "deb":  # a Debian package of the built docs: <package>_<upstream>-<revision>_all.deb
        assert "sdist" not in s
        assert s["url"].startswith("https://deb.debian.org/debian/pool/") and s["url"].endswith("/" + s["deb"])
        assert re.fullmatch(rf"[a-z0-9.+-]+_{re.escape(s['version'])}-[0-9a-z.+~]+_all\.deb", s["deb"])
        assert s["docs"].startswith("usr/share/doc/")
        if "HTML" in s["format"]:  # Sphinx's copies of the sources: else not HTML measured
            assert "_sources/" in s["exclude"]
    else:
        assert s["url"].startswith("https://files.pythonhosted.org/") and s["url"].endswith("/" + s["sdist"])
        assert s["sdist"] == f"{s['project']}-{s['version']}.tar.gz"
        assert s["docs"].startswith(f"{s['project']}-{s['version']}/")
    assert all(isinstance(why, str) and why for why in s.get("exclude", {}).values())


@pytest.mark.parametrize("name", sorted(SETS))
def test_questions_are_30_answerable_and_10_not(name):
    path = HELDOUT / SETS[name]["questions"]
    questions = read_questions(path)
    answerable = [q for q in questions if q.answerable]
    # A set says so when a label was corrected after it was frozen (a "request" the docs answer).
    counts = SETS[name].get("counts", {"answerable": 30, "unanswerable": 10})
    assert len(questions) == 40
    assert len(answerable) == counts["answerable"] and len(questions) - len(answerable) == counts["unanswerable"]
    assert all(q.gold and q.document for q in answerable)
    assert all(q.gold is None and q.document is None for q in questions if not q.answerable)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(r["source"] == "written" or r["source"].startswith("https://github.com/") for r in rows)
    assert len({r["q"] for r in rows}) == len(rows)  # no question twice
