"""A Discord bot that answers questions from a knowledge base with cited BM25 passages."""

__version__ = "0.1.0"
