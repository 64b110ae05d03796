"""One PoB in one Lua state: boot it, load and recalculate builds (in place when an edit allows),
read the results. Importing this package imports lupa: only worker processes and the CLI's
in-process `stats` do.
"""

from pob_ls.engine.host.host import BootInfo, BuildLoadError, PobHost
from pob_ls.engine.host.incremental import UpdateOutcome, plan_update, update_build
from pob_ls.engine.host.results import BuildResult

__all__ = [
    "BootInfo",
    "BuildLoadError",
    "BuildResult",
    "PobHost",
    "UpdateOutcome",
    "plan_update",
    "update_build",
]
