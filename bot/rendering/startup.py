"""What the person starting the bot reads when it cannot start or stops: one line each, on
stderr, saying what to fix. Pure, like the rest of bot/rendering; none of it holds the token
(callers pass Discord's words through their redactor first)."""

from __future__ import annotations

PORTAL = "https://discord.com/developers/applications"

MISSING_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot at " + PORTAL + " (Bot → Reset Token), "
    "put the token in .env as DISCORD_TOKEN=..., or try `python -m bot console` first."
)
MALFORMED_TOKEN = (
    "DISCORD_TOKEN has spaces, line breaks or other characters a bot token never has: copy "
    'only the token (without "Bot " in front) from ' + PORTAL + " → your application → Bot → "
    "Reset Token, and put it in .env on one line."
)
REJECTED_TOKEN = (
    "Discord rejected the token (DISCORD_TOKEN): copy a fresh one from "
    + PORTAL
    + " → your application → Bot → Reset Token, and put it in .env."
)
NEED_MESSAGE_CONTENT = (
    "Discord refused the Message Content intent, which MESSAGE_CONTENT, PREFIX_COMMANDS or "
    'ANSWER_CHANNEL_IDS need: switch on "Message Content Intent" at '
    + PORTAL
    + " → your application → Bot → Privileged Gateway Intents, or turn those settings off."
)
# `python -m bot run` checks the token before anything else starts.
RUN_WITHOUT_TOKEN = (
    "error: DISCORD_TOKEN is not set: put the bot token in .env or the environment "
    "(see .env.example), or try `python -m bot console` first"
)
# `python -m bot start` (make run) without a token starts the console instead.
CONSOLE_INSTEAD = (
    "DISCORD_TOKEN is not set: starting the local console instead "
    "(type a question, /help for commands, Ctrl-D to quit)."
)


def connection_closed(code: int, reason: str) -> str:
    """Discord closed the gateway for good (other than 4004, a rejected token)."""
    return (
        f"Discord closed the connection with code {code}{': ' + reason if reason else ''}. "
        "The bot stopped; start it again, and check the bot's settings in the Developer "
        "Portal if this repeats."
    )


def no_answer_from_discord(what: str, where: str, seconds: float) -> str:
    """Discord (or DISCORD_API_BASE / DISCORD_GATEWAY_URL) accepted the connection and went
    quiet while the bot was doing `what` ("login", "gateway") at `where`."""
    step = {"login": "logging in", "gateway": "the gateway"}.get(what, what)
    return (
        f"Discord did not answer ({step} at {where}: no answer within {seconds:g} s). "
        "Check the network (and DISCORD_API_BASE / "
        "DISCORD_GATEWAY_URL if set), then start the bot again."
    )


def login_refused(status: int, text: str) -> str:
    """Any other refusal at login (403, 400...), with Discord's own words."""
    return (
        f"Discord refused to log the bot in ({status}{': ' + text if text else ''}). "
        "Check the bot's settings in the Developer Portal, then start it again."
    )


def cannot_reach(where: str, detail: str) -> str:
    return (
        f"Cannot reach Discord at {where}: {detail}. "
        "Check the network (and DISCORD_API_BASE if set), then start the bot again."
    )
