"""HTTP shell: the FastAPI application factory over one KnowledgeGraph."""

from .app import create_app

__all__ = ["create_app"]
