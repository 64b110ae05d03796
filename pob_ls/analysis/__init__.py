"""Layer 3: stats, warnings and what-if deltas mapped onto document ranges."""
