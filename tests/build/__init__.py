"""Tests of the build: the legal texts parsed into provisions, the shipped data generated from them."""
