"""`python -m pob_ls.cli` runs the same entry point as the `pob-ls` console script."""

from pob_ls.cli import main

raise SystemExit(main())
