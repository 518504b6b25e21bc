"""The subset of Discord's request validation a bot realistically trips over.

Real Discord rejects over-long content or embeds with 400 / code 50035 ("Invalid Form Body")
and empty messages with code 50006. A bot that formats long answers must handle these, so the
fake enforces the documented limits rather than accepting anything.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_TEXT_MAX = 2048
AUTHOR_NAME_MAX = 256
ACTION_ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80

MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
PLACEHOLDER_MAX = 100
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100

COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")
COMMANDS_MAX = 100
OPTIONS_MAX = 25


class _Errors:
    """Accumulates errors in Discord's nested ``{"field": {"_errors": [...]}}`` shape."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def add(self, path: list[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: list[str | int], value: Any, limit: int) -> None:
        if isinstance(value, str) and utf16_len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def result(self) -> JSON | None:
        if not self.tree:
            return None
        return {"code": 50035, "errors": self.tree, "message": "Invalid Form Body"}


def utf16_len(text: str) -> int:
    """Discord counts embed limits in UTF-16 code units (an emoji such as 😀 is 2); the fake
    counts every limit that way, which for content is stricter than needed."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def lone_surrogates(value: Any) -> bool:
    """True when a string anywhere in a decoded JSON body holds a lone surrogate (a broken
    escape such as "\\ud83d" with no pair), which Discord rejects."""
    if isinstance(value, str):
        return bool(_LONE_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(lone_surrogates(v) for v in value.values())
    if isinstance(value, list):
        return any(lone_surrogates(v) for v in value)
    return False


def _embed_text_length(embed: JSON) -> int:
    total = utf16_len(embed.get("title") or "") + utf16_len(embed.get("description") or "")
    total += utf16_len((embed.get("footer") or {}).get("text") or "")
    total += utf16_len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or []:
        total += utf16_len(field.get("name") or "") + utf16_len(field.get("value") or "")
    return total


def validate_message_body(body: JSON, *, files: int = 0, partial: bool = False) -> JSON | None:
    """Return Discord's error body for an invalid create/edit-message payload, else None.

    ``partial`` is for edits (PATCH), where an absent field means "unchanged".
    """
    if lone_surrogates(body):
        return {"code": 50109, "message": "The request body contains invalid JSON."}
    errors = _Errors()
    errors.max_length(["content"], body.get("content"), CONTENT_MAX)

    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            errors.max_length(["embeds", i, key], embed.get(key), limit)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.add(
                ["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS_MAX} or fewer in length."
            )
        for j, field in enumerate(fields):
            errors.max_length(["embeds", i, "fields", j, "name"], field.get("name"), FIELD_NAME_MAX)
            errors.max_length(["embeds", i, "fields", j, "value"], field.get("value"), FIELD_VALUE_MAX)
            if not field.get("name") or not field.get("value"):
                errors.add(["embeds", i, "fields", j], "BASE_TYPE_REQUIRED", "This field is required")
        errors.max_length(["embeds", i, "footer", "text"], (embed.get("footer") or {}).get("text"), FOOTER_TEXT_MAX)
        errors.max_length(["embeds", i, "author", "name"], (embed.get("author") or {}).get("name"), AUTHOR_NAME_MAX)
        total += _embed_text_length(embed)
    if total > EMBED_TOTAL_MAX:
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")

    rows = body.get("components") or []
    if len(rows) > ACTION_ROWS_MAX:
        errors.add(["components"], "BASE_TYPE_MAX_LENGTH", f"Must be {ACTION_ROWS_MAX} or fewer in length.")
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > ROW_ITEMS_MAX:
            errors.add(
                ["components", i, "components"], "BASE_TYPE_MAX_LENGTH", f"Must be {ROW_ITEMS_MAX} or fewer in length."
            )
        for j, item in enumerate(children):
            errors.max_length(["components", i, "components", j, "custom_id"], item.get("custom_id"), CUSTOM_ID_MAX)
            errors.max_length(["components", i, "components", j, "label"], item.get("label"), BUTTON_LABEL_MAX)

    invalid = errors.result()
    if invalid is not None:
        return invalid

    if not partial:
        has_content = bool(body.get("content")) or bool(embeds) or bool(rows) or files > 0
        has_content = has_content or bool(body.get("sticker_ids")) or bool(body.get("poll"))
        if not has_content:
            return {"code": 50006, "message": "Cannot send an empty message"}
    return None


def validate_commands(commands: list[JSON]) -> JSON | None:
    """Validate a bulk-overwrite body of application commands the way a sync can fail."""
    errors = _Errors()
    if len(commands) > COMMANDS_MAX:
        errors.add([], "BASE_TYPE_MAX_LENGTH", f"Must be {COMMANDS_MAX} or fewer in length.")
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        name = command.get("name") or ""
        ctype = command.get("type", 1)
        if ctype == 1:
            # Slash command names must be lowercase; context-menu names may contain spaces/caps.
            if not COMMAND_NAME_RE.match(name) or name != name.lower():
                errors.add([i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            description = command.get("description") or ""
            if not 1 <= len(description) <= 100:
                errors.add([i, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        else:
            # User (2) and message (3) context-menu commands: 1-32 characters, no description
            # and no options.
            if not 1 <= len(name) <= 32:
                errors.add([i, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
            if command.get("description"):
                errors.add(
                    [i, "description"],
                    "APPLICATION_COMMAND_DESCRIPTION_NOT_EMPTY",
                    "Context menu commands cannot have a description",
                )
            if command.get("options"):
                errors.add(
                    [i, "options"], "APPLICATION_COMMAND_OPTIONS_NOT_EMPTY", "Context menu commands cannot have options"
                )
        if (ctype, name) in seen:
            errors.add([i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        seen.add((ctype, name))
        _validate_options(errors, [i, "options"], command.get("options") or [])
    return errors.result()


def _validate_options(errors: _Errors, path: list[str | int], options: list[JSON]) -> None:
    if len(options) > OPTIONS_MAX:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {OPTIONS_MAX} or fewer in length.")
    seen_optional = False
    for j, option in enumerate(options):
        name = option.get("name") or ""
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            errors.add([*path, j, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if not 1 <= len(option.get("description") or "") <= 100:
            errors.add([*path, j, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if option.get("type") in (1, 2):
            _validate_options(errors, [*path, j, "options"], option.get("options") or [])
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    [*path, j],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True


def validate_modal(data: JSON) -> JSON | None:
    """A modal callback (type 9): title, custom_id and 1-5 text inputs within Discord's limits,
    each either in an action row (type 1) or in a label (type 18)."""
    errors = _Errors()
    if not 1 <= len(data.get("title") or "") <= MODAL_TITLE_MAX:
        errors.add(["title"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_TITLE_MAX} in length.")
    if not 1 <= len(data.get("custom_id") or "") <= CUSTOM_ID_MAX:
        errors.add(["custom_id"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CUSTOM_ID_MAX} in length.")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_COMPONENTS_MAX:
        errors.add(["components"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_COMPONENTS_MAX} in length.")
    for i, row in enumerate(rows):
        if row.get("type") == 1:
            inputs, label = row.get("components") or [], None
        elif row.get("type") == 18:
            inputs, label = [row.get("component") or {}], row.get("label")
            errors.max_length(["components", i, "label"], label, TEXT_INPUT_LABEL_MAX)
        else:
            errors.add(["components", i, "type"], "UNION_TYPE_CHOICES", "Value must be an action row or a label")
            continue
        for j, item in enumerate(inputs):
            path: list[str | int] = ["components", i, "components", j]
            if item.get("type") != 4:
                continue
            if not 1 <= len(item.get("custom_id") or "") <= CUSTOM_ID_MAX:
                errors.add(
                    [*path, "custom_id"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CUSTOM_ID_MAX} in length."
                )
            if row.get("type") == 1:
                errors.max_length([*path, "label"], item.get("label"), TEXT_INPUT_LABEL_MAX)
            errors.max_length([*path, "placeholder"], item.get("placeholder"), PLACEHOLDER_MAX)
            max_length = int(item.get("max_length") or TEXT_INPUT_VALUE_MAX)
            if not 1 <= max_length <= TEXT_INPUT_VALUE_MAX:
                errors.add(
                    [*path, "max_length"],
                    "NUMBER_TYPE_MAX",
                    f"int value should be less than or equal to {TEXT_INPUT_VALUE_MAX}.",
                )
            errors.max_length([*path, "value"], item.get("value"), max_length)
    return errors.result()


def validate_choices(data: JSON) -> JSON | None:
    """An autocomplete result (callback type 8): at most 25 choices, names 1-100 characters,
    string values at most 100."""
    errors = _Errors()
    choices = data.get("choices")
    if not isinstance(choices, list):
        errors.add(["choices"], "BASE_TYPE_REQUIRED", "This field is required")
        return errors.result()
    if len(choices) > CHOICES_MAX:
        errors.add(["choices"], "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length.")
    for i, choice in enumerate(choices):
        if not 1 <= len(choice.get("name") or "") <= CHOICE_NAME_MAX:
            errors.add(
                ["choices", i, "name"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CHOICE_NAME_MAX} in length."
            )
        errors.max_length(["choices", i, "value"], choice.get("value"), CHOICE_VALUE_MAX)
    return errors.result()
