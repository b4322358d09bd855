"""Exceptions raised by ppikg for problems the user can fix."""


class PpikgError(Exception):
    """Base class of ppikg's own errors (bad input, unusable store, …)."""


class InputError(PpikgError):
    """Malformed or unsupported input: RDF that does not parse, a bad SPARQL query, an unknown format."""
