"""The robot side of imitate: profiles, messages, transports, simulated robot, recorder, runtime.

Imports only what runs on a Jetson: never torch, lerobot or flask (tests/edge/test_import_boundary.py).
"""
