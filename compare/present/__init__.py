"""present: numbers, tables and progress bars for the terminal and the reports."""
