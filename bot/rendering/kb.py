"""Wording for the application layer's results: votes, knowledge gaps, teaching, /kb,
/forget-me and refusals. Pure, like the rest of bot/rendering: Discord and the console draw the same
`ReplyData`. Every text a member or admin typed is escaped, so it cannot format or ping.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .. import outcomes as o
from ..documents.registry import supported_list
from ..outcomes import (
    VOTE_ALREADY,
    VOTE_CHANGED,
    VOTE_NOT_SAVED,
    VOTE_RECORDED,
    Forgotten,
    GapsCsv,
    GapsPage,
    KbAdded,
    KbDocument,
    KbEntry,
    KbPage,
    KbRemoved,
    Refused,
    Reloaded,
    Taught,
    VoteOutcome,
)
from ..retrieval.snippets import escape_markdown
from ..teach import LEARNED_DIR
from ..uploads import UPLOADS_DIR
from .markdown import safe_url, truncate
from .messages import (
    COLOR_HIGH,
    COLOR_INFO,
    learned_label,
    not_home_text,
    reload_summary,
    render_feedback_thanks,
    render_notice,
    render_reload,
    render_reload_failed,
    render_stale,
    render_vote_kb_changed,
    render_vote_not_saved,
)
from .reply import (
    ACTION_CSV,
    ACTION_NEXT,
    ACTION_PREV,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    ButtonData,
    EmbedData,
    FieldData,
    ReplyData,
    fit_reply,
)

_NOT_SAVED_NOTE = "⚠️ This could not be written to the audit log (the bot's database is unavailable)."
_COMMAND = {
    "gaps": "/gaps",
    "gaps csv": "/gaps",
    "teach": "teaching",
    "kb add": "/kb add",
    "kb remove": "/kb remove",
    "kb list": "/kb list",
    "kb show": "/kb show",
    "reload": "/reload",
    "forget-me": "/forget-me",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _date(iso_time: str) -> str:
    try:
        return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso_time


def _with_audit_note(reply: ReplyData, saved: bool) -> ReplyData:
    if saved:
        return reply
    if reply.embeds:
        e = reply.embeds[0]
        footer = f"{e.footer} · {_NOT_SAVED_NOTE}" if e.footer else _NOT_SAVED_NOTE
        embeds = (EmbedData(e.title, e.description, e.url, e.fields, footer, e.color), *reply.embeds[1:])
        return fit_reply(ReplyData(reply.content, embeds, reply.buttons, reply.ephemeral))
    return render_notice(f"{reply.content}\n{_NOT_SAVED_NOTE}")


# --------------------------------------------------------------------------- votes, forget-me


def render_vote(outcome: VoteOutcome) -> ReplyData:
    if outcome.status == VOTE_RECORDED:
        return render_feedback_thanks(outcome.vote)
    if outcome.status == VOTE_ALREADY:
        return render_feedback_thanks(outcome.vote, already=True)
    if outcome.status == VOTE_NOT_SAVED:
        return render_vote_not_saved(outcome.vote)  # not counted: the member may try again
    if outcome.status == VOTE_CHANGED:
        return render_vote_kb_changed()
    return render_stale()


def render_forgotten(result: Forgotten) -> ReplyData:
    if not result.saved:
        return render_notice(
            "Sorry, I could not delete your data just now: the bot's database is "
            "unavailable. Nothing was deleted; please try again later."
        )
    if result.rows == 0:
        return render_notice("I hold nothing about you: no questions or votes of yours are stored.")
    return render_notice(
        f"Done: I deleted {_plural(result.rows, 'row')} about you (your questions and votes). "
        "Questions you ask from now on are logged again, without your name, for "
        "finding gaps in the knowledge base."
    )


# --------------------------------------------------------------------------- refusals


def _code(text: str | None) -> str:
    """A name shown as code: backticks inside would end the span early."""
    return "`" + truncate(_one_line(text or "?").replace("`", "'"), 200) + "`"


def _reason(r: Refused, remote: bool) -> str:
    detail = escape_markdown(_one_line(r.detail)) if r.detail else ""
    field = r.detail or "answer"
    match r.reason:
        case o.NOT_ADMIN if not_home_text(r.detail) is not None:
            return f"{_COMMAND.get(r.action, r.action)} was not run. {not_home_text(r.detail)}"
        case o.NOT_ADMIN:
            return (
                f"only server admins can use {_COMMAND.get(r.action, r.action)}: it needs the Manage Server "
                "permission or an admin role or user listed in the bot's settings"
            )
        case o.NOT_TEACHER:
            return "only members with a teacher role (TEACHER_ROLE_IDS) or admins can teach the bot"
        case o.EMPTY:
            return "the file is empty" if r.action == "kb add" else f"the {field} is empty"
        case o.TOO_LONG:
            return f"the {field} is too long: at most {r.limit:,} characters" if r.limit else f"the {field} is too long"
        case o.NAMED_TOO_LONG:
            return (
                f"the {field} is too long once its mentions are written as the names they are saved as: "
                f"at most {r.limit or 0:,} characters"
            )
        case o.BOT_MESSAGE:
            return "that message was written by a bot, not a member: teach with a member's answer instead"
        case o.ONLY_PINGS:
            return f"the {field} has no words to learn: only mentions, emoji or punctuation"
        case o.UNSUPPORTED_TYPE:
            return f"that file type ({detail or '?'}) is not supported; use one of {supported_list()}"
        case o.NOT_PDF:
            return "the file is named .pdf but is not a PDF (no %PDF header)"
        case o.BINARY:
            return "the file looks binary, not text: upload the document itself, not an archive or image"
        case o.NOT_UTF8:
            return f"the file is not UTF-8 text ({detail}): save it as UTF-8 and upload it again"
        case o.TOO_BIG:
            # The limit in bytes: MAX_FILE_MB=2.5 is not rounded to "2 MB".
            return f"the file is larger than the limit of {(r.limit or 0) / 1e6:g} MB (MAX_FILE_MB)"
        case o.BAD_NAME:
            return (
                f"the file name {_code(r.detail)} is not allowed: use letters, digits, spaces, - _ . ( ) only, "
                "without folders or a leading dot"
            )
        case o.RESERVED_NAME:
            return f"{_code(r.detail)} is a reserved device name on Windows: rename the file"
        case o.EXISTS:
            return f"{_code(r.detail)} already exists: set replace to true to overwrite it"
        case o.UNPARSEABLE if r.action == "teach":
            return (
                "the answer has no text to find it by: a code block or markup alone is not enough, "
                "so add a sentence that says what it is"
            )
        case o.UNPARSEABLE:
            return f"the file could not be read as a document ({detail})"
        case o.RELOAD_FAILED:
            return f"the reload failed ({detail})"
        case o.NOT_RESTORED:  # where the file is now is said after it (_stranded)
            s = r.stranded
            first = _reason(replace(r, reason=s.failed if s else o.RELOAD_FAILED, stranded=None), remote)
            why = f" ({escape_markdown(_one_line(s.why))})" if s else ""
            which = "the file" if r.action == "kb remove" else "the file it replaced"
            return f"{first}, and {which} could not be put back{why}"
        case o.KNOWLEDGE_DIR_UNUSABLE:
            return detail or "the knowledge directory cannot be used"
        case o.NOT_FOUND:
            return f"there is no document {_code(r.detail)}: see /kb list"
        case o.NOT_REMOVABLE:
            return f"{_code(r.detail)} cannot be removed from Discord"
        case o.NOT_SAVED:
            return f"the file could not be saved ({detail})"
        case o.UPLOADS_UNREADABLE if remote:
            return (
                f"the bot cannot list the folder {UPLOADS_DIR}/ in its knowledge directory ({detail}): ask whoever "
                "runs the bot to make it a folder the bot's user can read and write on its host"
            )
        case o.UPLOADS_UNREADABLE:
            return (
                f"the bot cannot list the folder {UPLOADS_DIR}/ in the knowledge directory ({detail}): make it a "
                "folder the bot's user can read and write, then try again"
            )
        case o.LEARNED_NOT_A_FOLDER if remote:
            return (
                f"{_code(r.detail)} in the bot's knowledge directory is a file, not a folder, so no learned answer "
                "can be saved: ask whoever runs the bot to move that file away on its host"
            )
        case o.LEARNED_NOT_A_FOLDER:
            return (
                f"{_code(r.detail)} in the knowledge directory is a file, not a folder, so no learned answer can be "
                "saved: move that file away (the bot makes the folder), then try again"
            )
        case o.LEARNED_UNUSABLE if remote:
            return (
                f"the bot cannot open the folder {LEARNED_DIR}/ in its knowledge directory ({detail}), so no learned "
                "answer can be saved: ask whoever runs the bot to make it a folder the bot's user can read and write "
                "on its host"
            )
        case o.LEARNED_UNUSABLE:
            return (
                f"the bot cannot open the folder {LEARNED_DIR}/ in the knowledge directory ({detail}), so no learned "
                "answer can be saved: make it a folder the bot's user can read and write, then try again"
            )
        case o.LOOKUP_FAILED:
            what = (
                "whether this question's answer is saved already"
                if r.action == "teach"
                else f"whether {UPLOADS_DIR}/ already holds a file of that name"
            )
            if remote:
                return (
                    f"the bot could not check {what} ({detail}): ask whoever runs the bot to check the disk and the "
                    "folders of its knowledge directory on its host"
                )
            return (
                f"the bot could not check {what} ({detail}): check the knowledge directory's disk and folders, "
                "then try again"
            )
        case o.STORE_UNAVAILABLE:
            return "the bot's database is unavailable right now, so there is nothing to show"
    return detail or r.reason


def render_refused(r: Refused, *, remote: bool = False) -> ReplyData:
    """Why an action was not done; the knowledge base is unchanged. `remote`: for an admin
    who cannot reach the bot's host (Discord), who is told what to ask of whoever runs the
    bot rather than what to do there."""
    unchanged = r.action in ("teach", "kb add", "kb remove", "reload")
    text = f"Sorry, {_reason(r, remote)}."
    if r.stranded is not None:
        text += " " + _stranded(r.stranded, r.leftover, remote)
    elif r.leftover is not None:
        text += " " + _leftover(r.leftover, remote)
    elif r.reread is not None:
        text += " " + _reread(r.reread)
    elif unchanged:
        text += " Nothing was changed: the knowledge base is as it was."
    return _with_audit_note(render_notice(truncate(text, 1900)), r.audit_saved)


def _stranded(s: o.Stranded, left: o.Leftover | None, remote: bool) -> str:
    """Where the file a failed change (/kb remove, /kb add, teaching) could not put back is
    kept, what a later reload finds (the new file in its place when that could not be deleted
    either, else no document there), and how to undo it."""
    home, copy = _code(str(s.path)), _code(str(s.copy))
    if s.kept:
        where = f"It is kept on the bot's host at {copy}" if remote else f"It is kept at {copy}"
        move = f"move it back to {home}" if left is None else f"move {copy} back to {home}, over the new file"
    else:
        where = f"Its copy {copy} is gone too"
        move = f"restore {home} from a backup"
    fix = f"ask whoever runs the bot to {move}" if remote else move
    if left is None:
        return f"{where}. The knowledge base is as it was for now, but a later reload drops the document: to keep it, {fix}."
    return (
        f"{where}, and the new file could not be deleted ({escape_markdown(_one_line(left.why))}): it is still at "
        f"{home}. The knowledge base is as it was for now, but a later reload reads the new file in place of the "
        f"previous one: to keep the previous one, {fix}."
    )


def _leftover(left: o.Leftover, remote: bool) -> str:
    """The file a failed /kb add or teaching wrote where there was none, and could not delete."""
    home, why = _code(str(left.path)), escape_markdown(_one_line(left.why))
    where = f"it is still on the bot's host at {home}" if remote else f"it is still at {home}"
    fix = "ask whoever runs the bot to delete it" if remote else "delete it"
    return (
        f"The new file could not be deleted ({why}): {where}. The knowledge base is as it was for now, "
        f"but a later reload reads that file: to keep the knowledge base as it is, {fix}."
    )


def _reread(reread: o.Reread) -> str:
    """The folder is back as it was after a failed change, but reloading it failed."""
    return (
        f"The folder is as it was, but the reload that should read it again failed "
        f"({escape_markdown(_one_line(reread.why))}): the knowledge base from before the change keeps answering. "
        "Run /reload to read the folder again once that is fixed."
    )


# --------------------------------------------------------------------------- gaps


def render_gaps(page: GapsPage) -> ReplyData:
    """One page of knowledge gaps, with page buttons and the CSV button."""
    return _with_audit_note(_gaps_reply(page), page.audit_saved)


def _gaps_reply(page: GapsPage) -> ReplyData:
    if not page.gaps:
        return render_notice(
            f"No knowledge gaps in the last {_plural(page.days, 'day')}: every question was answered and none got a 👎."
        )
    lines = []
    for g in page.gaps:
        q = escape_markdown(truncate(_one_line(g.question), 200))
        link = safe_url(g.jump_url)
        q = f"[{q}]({link})" if link and len(link) < 300 else f"**{q}**"
        why = []
        if g.unanswered:
            why.append(f"{g.unanswered} unanswered")
        if g.count - g.unanswered:
            why.append(f"{g.count - g.unanswered} 👎")
        others = len(g.wordings) - 1
        also = f" · {_plural(others, 'other wording')}" if others > 0 else ""
        lines.append(f"{q}\n{_plural(g.count, 'time')} ({', '.join(why)}) · last {_date(g.last_asked)}{also}")
    embed = EmbedData(
        title=f"Knowledge gaps · last {_plural(page.days, 'day')}",
        description=truncate("\n\n".join(lines), DESCRIPTION_LIMIT),
        footer=(
            f"Page {page.page}/{page.pages} · {_plural(page.total, 'gap')} from "
            f"{_plural(page.questions, 'question')} · teach an answer to close one"
        ),
        color=COLOR_INFO,
    )
    buttons = []
    if page.page > 1:
        buttons.append(ButtonData(ACTION_PREV, label="◀ Previous"))
    if page.page < page.pages:
        buttons.append(ButtonData(ACTION_NEXT, label="Next ▶"))
    buttons.append(ButtonData(ACTION_CSV, label="CSV"))
    return fit_reply(ReplyData(embeds=(embed,), buttons=tuple(buttons), ephemeral=True))


def render_gaps_csv(csv: GapsCsv) -> ReplyData:
    """The message that carries the CSV attachment (the adapter attaches `csv.text`)."""
    reply = render_notice(
        f"All {_plural(csv.rows, 'gap')} of the last {_plural(csv.days, 'day')}, as `{csv.filename}`."
    )
    return _with_audit_note(reply, csv.audit_saved)


def gaps_text(page: GapsPage) -> str:
    """Plain text for `python -m bot gaps`: every gap, one block each."""
    if not page.gaps:
        return f"No knowledge gaps in the last {_plural(page.days, 'day')}."
    head = f"Knowledge gaps, last {_plural(page.days, 'day')}: {_plural(page.total, 'gap')} from {_plural(page.questions, 'question')}"
    out = [head, ""]
    for i, g in enumerate(page.gaps, start=1):
        down = g.count - g.unanswered
        out.append(f"{i:>3}. {_one_line(g.question)}")
        out.append(
            f"     {_plural(g.count, 'time')} ({g.unanswered} unanswered, {down} 👎), last asked {_date(g.last_asked)}"
        )
        for w in g.wordings[1:4]:
            out.append(f"     also: {_one_line(w)}")
        if g.jump_url:
            out.append(f"     {g.jump_url}")
    return "\n".join(out)


# --------------------------------------------------------------------------- teaching


def render_taught(t: Taught) -> ReplyData:
    info = t.learned
    verb = "Replaced the learned answer" if t.replaced else "Learned"
    fields = [
        FieldData("Question", escape_markdown(truncate(_one_line(info.question), FIELD_VALUE_LIMIT - 10))),
        FieldData("Saved as", escape_markdown(info.document), inline=True),
        FieldData("Cited as", learned_label(info), inline=True),
    ]
    if t.resolved:
        fields.append(FieldData("Gaps closed", _plural(t.resolved, "question"), inline=True))
    embed = EmbedData(
        title=f"{verb}: thanks!",
        description=(
            "From now on this question is answered from what you taught. " + escape_markdown(reload_summary(t.report))
        ),
        fields=tuple(fields),
        color=COLOR_HIGH,
    )
    return _with_audit_note(fit_reply(ReplyData(embeds=(embed,), ephemeral=True)), t.audit_saved)


# --------------------------------------------------------------------------- /kb


def render_kb_added(a: KbAdded) -> ReplyData:
    reply = render_reload(a.report)
    e = reply.embeds[0]
    title = f"{'Replaced' if a.replaced else 'Added'} {a.document}"
    fields = e.fields
    if a.resolved:
        fields = (*fields, FieldData("Gaps closed", f"{_plural(a.resolved, 'question')} now answered from it"))
    embed = EmbedData(truncate(escape_markdown(title), 256), e.description, e.url, fields, e.footer, e.color)
    return _with_audit_note(fit_reply(ReplyData(embeds=(embed,), ephemeral=True)), a.audit_saved)


def render_kb_removed(r: KbRemoved) -> ReplyData:
    reply = render_reload(r.report)
    e = reply.embeds[0]
    embed = EmbedData(
        truncate(escape_markdown(f"Removed {r.document}"), 256), e.description, e.url, e.fields, e.footer, e.color
    )
    return _with_audit_note(fit_reply(ReplyData(embeds=(embed,), ephemeral=True)), r.audit_saved)


_ORIGIN = {"upload": "uploaded", "learned": "learned answer", "folder": "knowledge folder"}


def _entry_line(e: KbEntry) -> str:
    title = escape_markdown(truncate(_one_line(e.title), 120))
    url = safe_url(e.source)
    name = f"[{title}]({url})" if url and len(url) < 400 else f"**{title}**"
    return f"{name} — {_plural(e.passages, 'passage')} · {_ORIGIN.get(e.origin, e.origin)} · {_code(e.document)}"


def render_kb_list(page: KbPage) -> ReplyData:
    return _with_audit_note(_kb_list_reply(page), page.audit_saved)


def _kb_list_reply(page: KbPage) -> ReplyData:
    if not page.entries:
        return render_notice("The knowledge base has no documents.")
    embed = EmbedData(
        title="Knowledge base",
        description=truncate("\n".join(f"• {_entry_line(e)}" for e in page.entries), DESCRIPTION_LIMIT),
        footer=(
            f"Page {page.page}/{page.pages} · {_plural(page.total, 'document')} · {_plural(page.passages, 'passage')}"
        ),
        color=COLOR_INFO,
    )
    buttons = []
    if page.page > 1:
        buttons.append(ButtonData(ACTION_PREV, label="◀ Previous"))
    if page.page < page.pages:
        buttons.append(ButtonData(ACTION_NEXT, label="Next ▶"))
    return fit_reply(ReplyData(embeds=(embed,), buttons=tuple(buttons), ephemeral=True))


def render_kb_show(d: KbDocument) -> ReplyData:
    e = d.entry
    fields = [
        FieldData("Passages", str(e.passages), inline=True),
        FieldData("From", _ORIGIN.get(e.origin, e.origin), inline=True),
        FieldData("File", _code(e.document), inline=True),
    ]
    if d.learned is not None:
        src = safe_url(d.learned.source)
        fields.append(FieldData("Taught", learned_label(d.learned) + (f" · [message]({src})" if src else "")))
    if d.sections:
        fields.append(
            FieldData(
                f"Sections ({len(d.sections)})",
                truncate("\n".join(f"• {escape_markdown(s)}" for s in d.sections), FIELD_VALUE_LIMIT),
            )
        )
    src = safe_url(e.source)
    if src:
        fields.append(FieldData("Source", src if len(src) < FIELD_VALUE_LIMIT else truncate(src, FIELD_VALUE_LIMIT)))
    embed = EmbedData(
        title=truncate(escape_markdown(_one_line(e.title)), 256), url=src, fields=tuple(fields), color=COLOR_INFO
    )
    return _with_audit_note(fit_reply(ReplyData(embeds=(embed,), ephemeral=True)), d.audit_saved)


def render_reloaded(r: Reloaded) -> ReplyData:
    return _with_audit_note(render_reload(r.report), r.audit_saved)


def render_reload_refused(r: Refused) -> ReplyData:
    """/reload failed (RELOAD_FAILED): the previous knowledge base still answers, and why, as
    the reload said it."""
    return _with_audit_note(render_reload_failed(r.detail or r.reason), r.audit_saved)


__all__ = [
    "gaps_text",
    "render_forgotten",
    "render_gaps",
    "render_gaps_csv",
    "render_kb_added",
    "render_kb_list",
    "render_kb_removed",
    "render_kb_show",
    "render_refused",
    "render_reload_refused",
    "render_reloaded",
    "render_taught",
    "render_vote",
]
