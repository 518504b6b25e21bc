"""Settings validation: every bad value names its key; .env.example documents every key."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import Secret, Settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

KEYS = {
    "discord_token": "DISCORD_TOKEN",
    "knowledge_dir": "KNOWLEDGE_DIR",
    "admin_user_ids": "ADMIN_USER_IDS",
    "admin_role_ids": "ADMIN_ROLE_IDS",
    "guild_ids": "GUILD_IDS",
    "cooldown_questions": "COOLDOWN_QUESTIONS",
    "cooldown_seconds": "COOLDOWN_SECONDS",
    "message_content": "MESSAGE_CONTENT",
    "prefix_commands": "PREFIX_COMMANDS",
    "command_prefix": "COMMAND_PREFIX",
    "answer_channel_ids": "ANSWER_CHANNEL_IDS",
    "feedback_file": "FEEDBACK_FILE",
    "log_level": "LOG_LEVEL",
    "shard_count": "SHARD_COUNT",
    "shard_ids": "SHARD_IDS",
    "discord_api_base": "DISCORD_API_BASE",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
    "top_k": "TOP_K",
    "junk_markers": "JUNK_MARKERS",
    "auto_reload": "AUTO_RELOAD",
    "auto_reload_seconds": "AUTO_RELOAD_SECONDS",
    "data_dir": "DATA_DIR",
    "question_log_days": "QUESTION_LOG_DAYS",
    "teacher_role_ids": "TEACHER_ROLE_IDS",
    "max_file_mb": "MAX_FILE_MB",
    "semantic_model": "SEMANTIC_MODEL",
    "answer_threshold": "ANSWER_THRESHOLD",
    "connect_timeout": "CONNECT_TIMEOUT",
    "example_question": "EXAMPLE_QUESTION",
    "build_workers": "BUILD_WORKERS",
}


def test_defaults():
    s = Settings.from_env({})
    assert not s.discord_token and s.knowledge_dir == Path("knowledge")
    assert (s.cooldown_questions, s.cooldown_seconds) == (5, 60.0)
    assert not s.message_content and not s.prefix_commands and not s.auto_reload
    assert s.guild_ids == () and s.top_k == 3 and s.command_prefix == "!"


def test_every_key_is_read():
    s = Settings.from_env(
        {
            "DISCORD_TOKEN": " abc ",
            "KNOWLEDGE_DIR": "kb",
            "ADMIN_USER_IDS": "1, 2",
            "ADMIN_ROLE_IDS": "3;4",
            "GUILD_IDS": "5 6",
            "COOLDOWN_QUESTIONS": "2",
            "COOLDOWN_SECONDS": "30",
            "MESSAGE_CONTENT": "yes",
            "PREFIX_COMMANDS": "on",
            "COMMAND_PREFIX": "?",
            "ANSWER_CHANNEL_IDS": "7",
            "FEEDBACK_FILE": "f.jsonl",
            "LOG_LEVEL": "debug",
            "SHARD_COUNT": "2",
            "SHARD_IDS": "0,1",
            "DISCORD_API_BASE": "http://h/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://h/gw",
            "TOP_K": "5",
            "JUNK_MARKERS": "Ads | More",
            "AUTO_RELOAD": "1",
            "AUTO_RELOAD_SECONDS": "0.5",
            "DATA_DIR": "db",
            "QUESTION_LOG_DAYS": "30",
            "TEACHER_ROLE_IDS": "8,9",
            "MAX_FILE_MB": "2.5",
            "CONNECT_TIMEOUT": "2.5",
        }
    )
    assert s.connect_timeout == 2.5 and s.teacher_role_ids == {8, 9}
    assert s.discord_token.reveal() == "abc"
    assert s.admin_user_ids == {1, 2} and s.admin_role_ids == {3, 4} and s.guild_ids == (5, 6)
    assert s.shard_ids == (0, 1) and s.discord_api_base == "http://h/api/v10" and s.log_level == "DEBUG"
    assert s.junk_markers == ("Ads", "More") and s.auto_reload_seconds == 0.5 and s.command_prefix == "?"
    assert s.data_dir == Path("db") and s.question_log_days == 30 and s.teacher_role_ids == {8, 9}
    assert s.max_file_mb == 2.5


@pytest.mark.parametrize(
    "key,value",
    [
        ("ADMIN_USER_IDS", "12,abc"),
        ("ADMIN_ROLE_IDS", "0"),
        ("GUILD_IDS", "-5"),
        ("COOLDOWN_QUESTIONS", "five"),
        ("COOLDOWN_QUESTIONS", "-1"),
        ("COOLDOWN_SECONDS", "inf"),
        ("COOLDOWN_SECONDS", "-3"),
        ("MESSAGE_CONTENT", "maybe"),
        ("PREFIX_COMMANDS", "2"),
        ("ANSWER_CHANNEL_IDS", "#general"),
        ("LOG_LEVEL", "LOUD"),
        ("SHARD_COUNT", "0"),
        ("DISCORD_API_BASE", "ftp://x"),
        ("DISCORD_GATEWAY_URL", "http://x"),
        ("TOP_K", "0"),
        ("TOP_K", "11"),
        ("AUTO_RELOAD", "sometimes"),
        ("AUTO_RELOAD_SECONDS", "0"),
        ("QUESTION_LOG_DAYS", "0"),
        ("TEACHER_ROLE_IDS", "teachers"),
        ("MAX_FILE_MB", "0"),
        ("MAX_FILE_MB", "big"),
    ],
)
def test_bad_values_name_the_key(key, value):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({key: value})
    assert key in str(info.value)


def test_shards_must_be_consistent():
    with pytest.raises(ConfigError, match="SHARD_COUNT"):
        Settings.from_env({"SHARD_IDS": "0"})
    with pytest.raises(ConfigError, match="SHARD_IDS"):
        Settings.from_env({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"})


def test_message_features_switch_on_the_intent():
    assert Settings.from_env({"PREFIX_COMMANDS": "true"}).message_content
    assert Settings.from_env({"ANSWER_CHANNEL_IDS": "1"}).message_content


def test_token_never_shows():
    s = Settings.from_env({"DISCORD_TOKEN": "sekrit-token"})
    assert "sekrit" not in repr(s) and "sekrit" not in str(s.discord_token)
    assert repr(Secret("")) == "Secret('')"


def test_env_example_documents_every_key_and_parses():
    text = (ROOT / ".env.example").read_text()
    for f in fields(Settings):
        key = KEYS[f.name]
        line = next((ln for ln in text.splitlines() if ln.lstrip("# ").startswith(key + "=")), None)
        assert line is not None, f"{key} missing from .env.example"
    values = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    s = Settings.from_env(values)
    assert not s.discord_token  # the example holds no token


def test_env_example_names_every_document_type_the_readers_take():
    from bot.documents.registry import SUPPORTED_SUFFIXES

    lines = (ROOT / ".env.example").read_text().splitlines()
    about = lines[lines.index("KNOWLEDGE_DIR=knowledge") - 1]
    missing = [s for s in SUPPORTED_SUFFIXES if not re.search(re.escape(s) + r"\b", about)]
    assert not missing, f".env.example's KNOWLEDGE_DIR comment leaves out {missing}"


def test_semantic_settings():
    s = Settings.from_env({})
    assert s.semantic_model == "e5-small" and s.answer_threshold is None
    s = Settings.from_env({"SEMANTIC_MODEL": "Off", "ANSWER_THRESHOLD": "0.6"})
    assert s.semantic_model == "off" and s.answer_threshold == 0.6
    for bad in ({"SEMANTIC_MODEL": "gpt"}, {"ANSWER_THRESHOLD": "1.5"}, {"ANSWER_THRESHOLD": "high"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)


def test_env_example_quotes_the_fitted_answer_thresholds():
    """The ANSWER_THRESHOLD comment quotes the thresholds bot/data/answerability.json holds
    (it said 0.459 / 0.457 / 0.304 after they were refitted to 0.452 / 0.454 / 0.307)."""
    import json

    fitted = json.loads((ROOT / "bot" / "data" / "answerability.json").read_text())["variants"]
    lines = (ROOT / ".env.example").read_text().splitlines()
    at = lines.index("ANSWER_THRESHOLD=")
    comment = " ".join(ln for ln in lines[at - 4 : at] if ln.startswith("#"))
    quoted = set(re.findall(r"\b0\.\d{3}\b", comment))
    assert quoted == {f"{v['threshold']:.3f}" for v in fitted.values()}, comment


def test_folder_settings_ignore_surrounding_spaces():
    """KNOWLEDGE_DIR="  " (or " docs ") named a folder of spaces, 'knowledge directory
    /here/   does not exist'; DATA_DIR already read the same values as empty and "docs"."""
    assert Settings.from_env({"KNOWLEDGE_DIR": "  "}).knowledge_dir == Path("knowledge")
    assert Settings.from_env({"KNOWLEDGE_DIR": " docs "}).knowledge_dir == Path("docs")
    assert Settings.from_env({"DATA_DIR": " db "}).data_dir == Path("db")
