"""Evidence that the port is the tutorial's model: architecture rows, check records, probes."""
