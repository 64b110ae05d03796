"""pob-ls: a language server for Path of Building builds."""

__version__ = "0.1.0"
