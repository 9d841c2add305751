"""Renderers: pure functions from results to text, JSON or Markdown."""
