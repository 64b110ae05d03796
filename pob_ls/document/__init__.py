"""Layer 2: the `.pob` build file with source positions."""
