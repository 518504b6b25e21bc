"""Small talk: messages addressed to the bot that are not questions about the knowledge base.

Members thank the bot ("thanks, that fixed it!!") or check it is there ("anyone here?",
"hi bot"). Searching such a line finds some passage with "fixed" or "here" in it and answers
it; a person would reply in kind instead. The rule is deliberately narrow so no real
question is caught: a thank-you is a message that opens with a thanking word and asks
nothing (no "?"); a greeting is a message made only of greeting, presence and filler words,
with at least one that greets or checks presence: "the" or "is" alone is no greeting but a
message with nothing to search, and gets the reply for that.

A poll asks the people in the channel about themselves ("what keyboard do you all use?",
"how many of you run windows?", "anyone else here use vim?"): the documents cannot say what members use, and answering
it from a passage that mentions keyboards misreads it. Only a whole message of that shape
counts: an object after the verb ("what do you guys use for private repos?") or a question
to the bot alone ("what editor do you use?") is searched as before.
"""

from __future__ import annotations

import re
from typing import Literal

SmallTalk = Literal["thanks", "greeting", "poll"]

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
# A wish for the day ("happy friday folks", "merry christmas all"): the occasion greets only
# after "happy"/"merry", so "holidays" or "friday" alone is still searched (a handbook has them).
_WISH = frozenset({"happy", "merry"})
_OCCASION = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday weekend holidays holiday xmas christmas new year".split()
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


# The channel's people, addressed as a group: "you" alone may mean the bot.
_GROUP = r"(?:you\s+(?:all|guys|folks|people|lot)|y'?all|ya'?ll|everyone|everybody|(?:people|folks)\s+here)"
_POLL = re.compile(
    # "what keyboard do you all use", "which editor are you guys using these days?"
    rf"(?:what|which)(?:\s+[\w'-]+){{0,3}}\s+(?:do|did|would|will|are|r)\s+{_GROUP}(?:\s+here)?\s+"
    r"(?:use|using|prefer|like|run|running|pick|choose|recommend|suggest)"
    r"(?:\s+(?:here|now|nowadays|these\s+days|mostly|personally|at\s+work))?"
    # "how many of you run windows?": a head count, a few words long
    r"|how\s+many\s+of\s+(?:you|u|y'?all)(?:\s+(?:guys|all|folks|here))?(?:\s+[\w'-]+){0,5}"
)
# "anyone else here use vim?", "does anybody here run arch too": someone among the people
# here ("else"/"here" say it is them, not a how-to), with an object of two words at most.
_SOMEONE = frozenset("anyone anybody someone somebody".split())
_AMONG = re.compile(
    r"(?:(?:does|do|is|are)\s+)?(?:anyone|anybody|someone|somebody)\s+(?:else(?:\s+here)?|here)\s+"
    r"(?:use|uses|using|run|runs|running|prefer|prefers|play|plays|playing)"
    # "anyone else running into this?", "anyone here running the tests?": a problem, searched
    r"(?!\s+(?:into|in|this|that|the|it|these|those|same|a|an|my|our|your)\b)"
    r"(?:\s+[\w'+#.-]+){1,2}?(?:\s+(?:too|also|here|as\s+well|at\s+work|daily))?"
)


def _lead(words: frozenset[str]) -> re.Pattern[str]:
    """A greeting lead made of `words` ("hey guys, what ..." is still the poll)."""
    return re.compile(r"^(?:(?:" + "|".join(sorted(words)) + r"|so|just|curious)\b[\s,.!:;-]*)+")


_POLL_LEAD = _lead(GREETING | FILLER)
_AMONG_LEAD = _lead((GREETING | FILLER) - _SOMEONE - {"here"})  # "anyone here" is the poll itself
_POLL_TAIL = re.compile(r"(?:[\s,.!?:;-]+(?:" + "|".join(sorted(FILLER)) + r"))+$")


def _is_poll(text: str) -> bool:
    plain = " ".join(text.lower().replace("\u2019", "'").split())
    return (
        _AMONG.fullmatch(_bare(plain, _AMONG_LEAD)) is not None or _POLL.fullmatch(_bare(plain, _POLL_LEAD)) is not None
    )


def _bare(plain: str, lead: re.Pattern[str]) -> str:
    """The message without its greeting lead ("hey guys, what ...") and filler tail."""
    return _POLL_TAIL.sub("", lead.sub("", plain).rstrip("?!. ")).rstrip("?!. ")


def small_talk(text: str) -> SmallTalk | None:
    """ "thanks", "greeting" or "poll" when `text` is small talk, else None (a question to search)."""
    words = _WORD.findall(text.lower())
    if not words:
        return None
    if words[0] in THANKS and "?" not in text and not _NOUN_THANKS.match(text):
        return "thanks"
    wish = "?" not in text and _WISH & set(words)  # "is monday a holiday? happy friday" asks
    if all(w in GREETING or (wish and w in _WISH | _OCCASION) for w in words) and not all(w in _PADDING for w in words):
        return "greeting"
    if _is_poll(text):
        return "poll"
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
