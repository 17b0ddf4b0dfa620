"""Operator tooling for carebird: the command line, the local stack and the X API emulator.

Nothing here ships in the Lambda layer; it runs on a developer's machine, in CI and in the demo.
"""
