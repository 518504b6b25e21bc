"""Reading documents: one reader per format (path + bytes -> DocTree), the passage builder
(DocTree -> passages) and the loader (knowledge folder -> documents)."""
