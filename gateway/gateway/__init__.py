"""The Wuji gateway: the only HTTP surface. It authenticates, checks input,
calls the services over RPC with a deadline, and answers JSON."""
