"""Seeded discrete-event simulator of zkpov validators on virtual time.

See docs/design.md, "Simulator and attacks".
"""

from zkpov.sim.runner import SimReport, run_simulation
from zkpov.sim.scenarios import SimConfig

__all__ = ["SimConfig", "SimReport", "run_simulation"]
