"""Framework comparison reports: ``collect`` measures (runs both frameworks, gathers
result.json files into collected.json); ``summary``, ``plots`` and ``render`` only read that."""
