"""Finding and installing PoB: recognise an engine folder, verify it against the pins, install it."""
