"""What the members service does, as plain functions of a transaction (or a Session for reads)
and raw JSON-ready input, returning JSON-ready output; one module per aggregate. service.py only routes."""
