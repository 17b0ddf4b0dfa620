"""The embedded local stack: moto server mode, local Lambda runner, scheduler, API gateway, X emulator."""
