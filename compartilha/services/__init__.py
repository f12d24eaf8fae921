"""The rules. Services take plain arguments, raise domain errors and own the commit."""
