"""The embedded local stack: moto in server mode, a local Lambda runner, scheduler, API gateway and X emulator."""
