"""API v1 of the compliance app. Thin: parse → access → service → answer.

`lexicon` (terms and the compose-box check), `archive` (ingestion, search, legal hold, audit,
export), `alerts` (the officer's queue), `callback` (the signed WeCom push).
"""
