"""Benchmarks of dyngen against its peers: run ``python benchmarks/run_all.py``."""
