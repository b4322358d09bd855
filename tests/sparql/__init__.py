"""Tests of the SPARQL layer: safety checks, the planner, the look-up lane."""
