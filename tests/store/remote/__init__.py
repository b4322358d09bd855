"""Tests of the remote store (store/remote.py) against real SPARQL 1.1 servers started on 127.0.0.1."""
