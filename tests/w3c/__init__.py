"""The W3C SPARQL 1.1 Protocol and Service Description test suites, run against the HTTP service."""
