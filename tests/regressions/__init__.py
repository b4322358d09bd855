"""One file per bug that was found, named for what broke; each test fails on the code that had the bug."""
