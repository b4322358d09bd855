"""The store layer: a backend interface (backend.py) with atomic writes and immutable snapshots for readers,
its embedded pyoxigraph implementation (embedded.py), the graph catalogue and provenance (catalog.py), and
the loading and inference of graphs (loading.py)."""
