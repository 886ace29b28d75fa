"""Rendering the IR to source text, formatting it, and writing or diffing files."""
