"""The conductor: task orchestration and the only process with the database."""
