"""Benchmarks against the raw components of the same machine: ``make bench``. Not tests; never run by ``make test``."""
