"""Full-text search over the provisions, definitions, competencies, attributes, aspects, parameters and
indicators in the store: words (text.py), the documents a graph holds (documents.py), the SQLite FTS5 index
that follows every write (index.py) and the answer to a query (query.py)."""
