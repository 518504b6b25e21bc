"""Rendering: all user-facing wording and its drawing.

reply     the message shape (ReplyData/EmbedData/…) and Discord's limits
markdown  Discord Markdown composition: shortening without breaking markup, safe URLs
messages  the render_* functions: every reply the bot sends
kb        replies to the application layer's results: votes, gaps, teaching, /kb, /forget-me
terminal  drawing a reply in a terminal (console, `python -m bot ask`)
"""
