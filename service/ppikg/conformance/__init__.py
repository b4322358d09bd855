"""Conformance to the Lineamientos: the Validator, its report, and the report's renderers."""
