"""What proves the port faithful: parity checks, comparison reports, benchmarks."""
