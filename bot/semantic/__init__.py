"""Dense (semantic) matching: optional sentence-embedding models and what uses them.

Everything here works without the model packages installed: `load_embedder` then returns
None and the bot answers lexically, exactly as without this package.
"""
