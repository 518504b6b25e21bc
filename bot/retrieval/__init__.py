"""Retrieval: BM25 index (bm25), query analysis (query), re-ranking (rerank) and
answerability (answerability), each in its own module so tuning one never touches the others."""
