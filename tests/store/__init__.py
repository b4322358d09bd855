"""Tests of the store layer: snapshots, atomic writes, the catalogue, provenance."""
