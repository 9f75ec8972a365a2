"""Writes of the compliance app. The archive has `*_create`/ingest services only: there is no
code path that edits evidence."""
