"""Shared fixtures: the real knowledge directory, a service over it, and paths to
../shared evaluation data (tests that need it skip when a clone has no ../shared)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red run is reproducible, a green one is not luck);
# locally hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# In-process CLI tests read the environment: keep them on the lexical path. Semantic matching
# is tested with the fake embedder, and with the real model in tests/core/test_semantic_model.py.
os.environ["SEMANTIC_MODEL"] = "off"

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SEED_NAME = "nato-space-center-ramstein.txt"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(autouse=True)
def _root_logging():
    """The root logger's handlers and level as they were before each test. The CLI's main()
    installs a handler on the sys.stderr of its moment (a capture stream, closed after that
    test): left in place, a later test that logs at its level prints "--- Logging error ---"."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return KNOWLEDGE


@pytest.fixture(scope="session")
def service():
    from bot.service import KnowledgeService

    return KnowledgeService.open(KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(service):
    return service.engine


def shared_file(name: str) -> Path:
    """A file under ../shared/eval, or skip the test with the reason."""
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"{path} not found: evaluation data lives in ../shared/eval beside the project")
    return path
