"""An X API v2 emulator: the endpoints carebird uses, with X's auth, limits, errors and billing quirks.

`server.start()` runs it in-process (the local stack, contract tests); `python -m carebird_ops.xemu`
runs it alone; `client.EmulatorClient` drives its control API under `/_emulator/`. Importing this
package does nothing: the modules are loaded by whoever needs them.
"""
