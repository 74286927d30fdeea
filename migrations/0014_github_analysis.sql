-- Filled in by issue 11 (repository intelligence).
CREATE TABLE IF NOT EXISTS _placeholder_0014_github_analysis (id INTEGER PRIMARY KEY);
