"""SPARQL: the lexer and safety checks, the join planner, the look-up lane, the killable workers, canned queries."""
