"""Browser tests of the web UI (Playwright + Debian chromium)."""
