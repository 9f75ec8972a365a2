"""Writes of the materials app, by topic: `materials` (head office's kit and poster layouts),
`shares` (forward links and the suitability/consent gate), `posters` (each RM's cached poster),
`landing` (views counted on the public landing page)."""
