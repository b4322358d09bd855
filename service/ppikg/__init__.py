"""ppikg: knowledge graph, conformance checker and SPARQL service for the 2013 Lineamientos (PPI directores EMS)."""

__version__ = "0.1.0"
