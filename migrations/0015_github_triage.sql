-- Filled in by issue 11 (repository intelligence).
CREATE TABLE IF NOT EXISTS _placeholder_0015_github_triage (id INTEGER PRIMARY KEY);
