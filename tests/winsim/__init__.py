"""Simulated Windows fleet for tests and the demo: a WinRM server whose hosts run a Python twin of the host agent."""
