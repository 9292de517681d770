"""Shared infrastructure of the Wuji services: config, events, outbox, inbox,
reliable event handlers with retries and dead letters, database, migrations."""
