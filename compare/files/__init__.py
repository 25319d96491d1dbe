"""files: what the tool reads and writes - atomic outputs, JSON, weight files, data files."""
