"""`ppi build-data`: the legal texts parsed (legal_texts.py) and turned into the shipped RDF (data.py)."""
