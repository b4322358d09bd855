"""Tests of ppikg.search."""
