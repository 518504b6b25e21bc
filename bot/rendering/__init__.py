"""Rendering: all user-facing wording and its drawing.

citation  a citation as plain text ("Title › Section · ¶N"): eval report, vote records, tests
reply     the message shape (ReplyData/EmbedData/…) and Discord's limits
markdown  Discord's text rules: UTF-16 lengths, shortening without breaking markup, mention
          defusing, safe URLs
passage   a passage's display Markdown as snippets and the full view (code, lists kept)
messages  the render_* functions: every reply the bot sends
kb        replies to the application layer's results: votes, gaps, teaching, /kb, /forget-me
discord   wording only the Discord adapter shows (command descriptions, modal, attachment errors)
startup   why the bot cannot start or stopped (token, intents, connection), for whoever runs it
cli       the command line's and the console's own lines (usage, --help, progress, errors)
errors    the texts of the errors the core raises (BotError and kin), skipped-file reasons and
          reader notes: reload report, startup, CLI; a leaf module (stdlib only) the core imports
terminal  drawing a reply in a terminal (console, `python -m bot ask`)
evaluation
          the report of `python -m bot eval`: its figures and a line per miss
"""
