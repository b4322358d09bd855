"""The proposal lifecycle the Lineamientos set up: versions, their reports, diffs, authorisation and revision."""
