"""PoB in worker processes: the wire protocol, the workers and their zygote, deadlines and restarts."""
