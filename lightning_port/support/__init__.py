"""Plumbing below everything else: atomic files, provenance stamps, result files, child processes."""
