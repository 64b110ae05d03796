"""Layer 1: find, install and host the Path of Building engine."""
