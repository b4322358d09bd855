"""HTTP shell: the FastAPI application factory over one KnowledgeGraph.

FastAPI is imported on first use of :func:`create_app`, so that importing the package costs nothing to the
commands that do not serve.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
