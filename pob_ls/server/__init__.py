"""Layer 4: pygls wiring; LSP messages in, analysis out."""
