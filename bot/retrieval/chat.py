"""Small talk: messages addressed to the bot that are not questions about the knowledge base.

Members thank the bot ("thanks, that fixed it!!") or check it is there ("anyone here?",
"hi bot"). Searching such a line finds some passage with "fixed" or "here" in it and answers
it; a person would reply in kind instead. The rule is deliberately narrow so no real
question is caught: a thank-you is a message that opens with a thanking word and asks
nothing (no "?"); a greeting is a message made only of greeting, presence and filler words,
with at least one that greets or checks presence: "the" or "is" alone is no greeting but a
message with nothing to search, and gets the reply for that.
"""

from __future__ import annotations

import re
from typing import Literal

SmallTalk = Literal["thanks", "greeting"]

_WORD = re.compile(r"[a-z']+")
THANKS = frozenset({"thanks", "thank", "thankyou", "thx", "thnx", "ty", "tysm", "tyvm", "cheers"})
# "thank-you letters": the hyphenated noun before another noun is a topic; "Thank-you!",
# "thank-you, that fixed it" and "thank-you so much" are thanks.
_NOUN_THANKS = re.compile(
    r"\s*thank-you\s+(?!(?:so|very|for|again|all|everyone|guys|folks|bot)\b)[^\W\d_]", re.IGNORECASE
)
GREETING = frozenset(
    """hi hello hey heya hiya yo sup gm gn morning evening afternoon night good anyone anybody
    someone somebody here there around online awake alive ping bot you u ya is are r the a all
    everyone guys folks lol lmao haha hehe ok okay k cool nice great awesome""".split()
)
# Words that only pad a greeting ("are you there", "hi all"); alone they greet nobody.
# Only stopwords, which the search drops: "u", "r" and "ya" alone would be searched.
_PADDING = frozenset("is are the a all you".split())

# Words of address and politeness that carry no topic inside a real question ("hey guys,
# how do I ...", "thanks! and why ramstein?"): query analysis drops them like stopwords.
FILLER = frozenset(
    """hi hello hey heya hiya yo sup thanks thank thankyou thx thnx ty tysm tyvm pls plz lol lmao haha
    hehe anyone anybody someone somebody guys folks""".split()
)


def small_talk(text: str) -> SmallTalk | None:
    """ "thanks" or "greeting" when `text` is small talk, else None (a question to search)."""
    words = _WORD.findall(text.lower())
    if not words:
        return None
    if words[0] in THANKS and "?" not in text and not _NOUN_THANKS.match(text):
        return "thanks"
    if all(w in GREETING for w in words) and not all(w in _PADDING for w in words):
        return "greeting"
    return None


# A request for the bot's own help rather than a question about the knowledge base ("help",
# "help me pls", "/help" typed in a mention): only these words and punctuation, so "help with
# ssl", "how do I get help?" and "commands" (a CLI reference has them) are still searched.
_HELP = frozenset({"help"})
_HELP_PADDING = frozenset({"me", "pls", "plz", "please"})
_HELP_PUNCTUATION = re.compile(r"[\s/!?.,:;]+")


def asks_for_help(text: str) -> bool:
    """True when `text` only asks for the bot's help ("help", "help?", "help me")."""
    words = [w for w in _HELP_PUNCTUATION.split(text.lower()) if w]
    return any(w in _HELP for w in words) and all(w in _HELP or w in _HELP_PADDING for w in words)
