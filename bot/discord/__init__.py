"""The Discord adapter: bot, cogs, buttons and the pure helpers they use.

Only client.py, send.py, views.py, checks.py and cogs/ import discord.py; cooldown.py,
feedback.py and messages.py are plain Python so the console and tests can use them.
"""
