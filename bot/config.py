"""Settings from the environment (and .env, loaded by the CLI), validated with messages
that name the offending key. The token is kept in a `Secret` so it never shows in a repr,
a log line or an error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from .errors import ConfigError
from .rendering import errors as wording
from .semantic.embedder import DEFAULT_MODEL

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SEMANTIC_MODELS = ("minilm-l6", "e5-small", "off")
TOP_K_MAX = 10  # passages per answer: TOP_K and `ask --top-k` share this range (1..10)


class Secret:
    """A string that hides itself in repr/str so it cannot leak into logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Every configuration key; see .env.example for what each one does."""

    discord_token: Secret = field(default_factory=lambda: Secret(""))
    knowledge_dir: Path = Path("knowledge")
    admin_user_ids: frozenset[int] = frozenset()
    admin_role_ids: frozenset[int] = frozenset()
    guild_ids: tuple[int, ...] = ()
    cooldown_questions: int = 5
    cooldown_seconds: float = 60.0
    message_content: bool = False
    prefix_commands: bool = False
    command_prefix: str = "!"
    answer_channel_ids: frozenset[int] = frozenset()
    feedback_file: Path = Path("feedback.jsonl")
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    top_k: int = 3
    junk_markers: tuple[str, ...] = ()
    auto_reload: bool = False
    auto_reload_seconds: float = 2.0
    # Hybrid matching whenever the semantic extra is installed; without it the bot says once
    # that semantic matching is off and matches words only.
    semantic_model: str = DEFAULT_MODEL
    answer_threshold: float | None = None
    build_workers: int | None = None  # processes that read files in a build; None: every core
    connect_timeout: float = 30.0
    data_dir: Path = Path("data")
    question_log_days: int = 90
    teacher_role_ids: frozenset[int] = frozenset()
    max_file_mb: float = 20.0
    example_question: str | None = None  # what /help suggests; None: made from the knowledge base

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read settings from a mapping such as os.environ; ConfigError names a bad key."""
        r = _Reader(env)
        s = cls(
            discord_token=Secret(r.str("DISCORD_TOKEN", "").strip()),
            knowledge_dir=Path(r.str("KNOWLEDGE_DIR", "knowledge").strip() or "knowledge"),
            admin_user_ids=frozenset(r.ids("ADMIN_USER_IDS")),
            admin_role_ids=frozenset(r.ids("ADMIN_ROLE_IDS")),
            guild_ids=tuple(r.ids("GUILD_IDS")),
            cooldown_questions=r.int("COOLDOWN_QUESTIONS", 5, minimum=0),
            cooldown_seconds=r.float("COOLDOWN_SECONDS", 60.0, minimum=0.0),
            message_content=r.bool("MESSAGE_CONTENT", False),
            prefix_commands=r.bool("PREFIX_COMMANDS", False),
            command_prefix=r.str("COMMAND_PREFIX", "!") or "!",
            answer_channel_ids=frozenset(r.ids("ANSWER_CHANNEL_IDS")),
            feedback_file=Path(r.str("FEEDBACK_FILE", "feedback.jsonl") or "feedback.jsonl"),
            log_level=r.choice("LOG_LEVEL", "INFO", LOG_LEVELS),
            shard_count=r.optional_int("SHARD_COUNT", minimum=1),
            shard_ids=tuple(r.ids("SHARD_IDS", allow_zero=True)) or None,
            discord_api_base=r.url("DISCORD_API_BASE", ("http://", "https://")),
            discord_gateway_url=r.url("DISCORD_GATEWAY_URL", ("ws://", "wss://")),
            top_k=r.int("TOP_K", 3, minimum=1, maximum=TOP_K_MAX),
            junk_markers=tuple(m.strip() for m in r.str("JUNK_MARKERS", "").split("|") if m.strip()),
            auto_reload=r.bool("AUTO_RELOAD", False),
            auto_reload_seconds=r.float("AUTO_RELOAD_SECONDS", 2.0, minimum=0.2),
            semantic_model=_semantic_model(r.str("SEMANTIC_MODEL", DEFAULT_MODEL)),
            answer_threshold=_threshold(r.str("ANSWER_THRESHOLD", "")),
            build_workers=r.optional_int("BUILD_WORKERS", minimum=1),
            connect_timeout=r.float("CONNECT_TIMEOUT", 30.0, minimum=0.1),
            data_dir=Path(r.str("DATA_DIR", "data").strip() or "data"),
            question_log_days=r.int("QUESTION_LOG_DAYS", 90, minimum=1),
            teacher_role_ids=frozenset(r.ids("TEACHER_ROLE_IDS")),
            max_file_mb=r.float("MAX_FILE_MB", 20.0, minimum=0.01),
            example_question=" ".join(r.str("EXAMPLE_QUESTION", "").split()) or None,
        )
        if s.shard_ids is not None:
            if s.shard_count is None:
                raise ConfigError(wording.SHARD_IDS_WITHOUT_COUNT)
            bad = [i for i in s.shard_ids if i >= s.shard_count]
            if bad:
                raise ConfigError(wording.shard_id_too_big(bad[0], s.shard_count))
        if (s.prefix_commands or s.answer_channel_ids) and not s.message_content:
            # Both read ordinary messages, which Discord only delivers with the intent.
            s = dataclasses.replace(s, message_content=True)
        return s


def _semantic_model(raw: str) -> str:
    value = raw.strip().lower() or "off"
    if value not in SEMANTIC_MODELS:
        raise ConfigError(wording.bad_semantic_model(SEMANTIC_MODELS, raw))
    return value


def _threshold(raw: str) -> float | None:
    """ANSWER_THRESHOLD: empty for the fitted default, else a probability in [0, 1]."""
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ConfigError(wording.bad_threshold(raw))
    return value


# The reader's methods are named after the types they return, which shadows the builtins
# inside the class body: its annotations use these aliases.
_Str: TypeAlias = str
_Int: TypeAlias = int
_Float: TypeAlias = float
_Bool: TypeAlias = bool


class _Reader:
    """Typed access to string settings, raising ConfigError that names the key."""

    def __init__(self, env: Mapping[_Str, _Str]) -> None:
        self.env = env

    def str(self, key: _Str, default: _Str) -> _Str:
        return self.env.get(key, default)

    def _raw(self, key: _Str) -> _Str | None:
        value = self.env.get(key)
        if value is None or not value.strip():
            return None
        return value.strip()

    def int(self, key: _Str, default: _Int, minimum: _Int | None = None, maximum: _Int | None = None) -> _Int:
        raw = self._raw(key)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(wording.not_whole_number(key, raw)) from None
        if minimum is not None and value < minimum:
            raise ConfigError(wording.below_minimum(key, minimum, value))
        if maximum is not None and value > maximum:
            raise ConfigError(wording.above_maximum(key, maximum, value))
        return value

    def optional_int(self, key: _Str, minimum: _Int) -> _Int | None:
        return None if self._raw(key) is None else self.int(key, 0, minimum=minimum)

    def float(self, key: _Str, default: _Float, minimum: _Float) -> _Float:
        raw = self._raw(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(wording.not_a_number(key, raw)) from None
        if not value >= minimum or value == float("inf"):
            raise ConfigError(wording.not_finite_at_least(key, minimum, raw))
        return value

    def bool(self, key: _Str, default: _Bool) -> _Bool:
        raw = self._raw(key)
        if raw is None:
            return default
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(wording.not_a_bool(key, raw))

    def ids(self, key: _Str, allow_zero: _Bool = False) -> list[_Int]:
        raw = self._raw(key)
        if raw is None:
            return []
        out = []
        for part in raw.replace(";", ",").replace(" ", ",").split(","):
            if not part:
                continue
            if not part.isdigit() or (int(part) == 0 and not allow_zero):
                raise ConfigError(wording.not_ids(key, part))
            out.append(int(part))
        return out

    def choice(self, key: _Str, default: _Str, choices: tuple[_Str, ...]) -> _Str:
        raw = self._raw(key)
        if raw is None:
            return default
        if raw.upper() not in choices:
            raise ConfigError(wording.not_a_choice(key, choices, raw))
        return raw.upper()

    def url(self, key: _Str, schemes: tuple[_Str, ...]) -> _Str | None:
        raw = self._raw(key)
        if raw is None:
            return None
        if not raw.startswith(schemes) or len(raw) <= len(schemes[0]) + 1:
            raise ConfigError(wording.bad_url_scheme(key, schemes, raw))
        return raw.rstrip("/")
