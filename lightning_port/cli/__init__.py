"""The command-line entry points: each parses, resolves one run description, and hands it down."""
