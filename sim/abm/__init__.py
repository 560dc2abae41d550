"""The Mesa agent model of the innovation ecosystem: one object per firm, university, institute
and incubator, the same rules as the vectorized core (``sim.rules``), for stepping through and
inspecting a replicate in Jupyter.

    from sim.abm import InnovationModel
    model = InnovationModel(load_scenario("scenarios/baseline.toml"), seed=1)

``agents.py`` (the agents), ``model.py`` (the model, which owns the RNG), ``batch.py`` (the model
as a block simulator, for ``innovsim run --engine mesa`` and ``sim.execution.run_replicates(...,
engine="mesa")``), ``app.py`` (the SolaraViz page). Mesa is the ``abm`` extra
(``pip install -e ".[abm]"``) and loads only when the model is used; without it a clear
UserError names the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["InnovationModel", "Enterprise", "University", "Institute", "Incubator"]

if TYPE_CHECKING:
    from .agents import Enterprise, Incubator, Institute, University
    from .model import InnovationModel


MESA_MISSING = ("the Mesa agent model (sim.abm, --engine mesa) needs the package mesa, which is not installed; "
                "install the extra: pip install -e \".[abm]\" (or \".[viz]\" for the SolaraViz page too)")


def require_mesa():
    """The ``mesa`` module, or a UserError that names the extra to install (the CLI: exit 2)."""
    try:
        import mesa
    except ModuleNotFoundError as exc:
        if exc.name != "mesa":
            raise
        from ..errors import UserError
        raise UserError(MESA_MISSING) from None
    return mesa


def __getattr__(name: str):
    if name in ("InnovationModel", "Enterprise", "University", "Institute", "Incubator"):
        require_mesa()
    if name == "InnovationModel":
        from .model import InnovationModel
        return InnovationModel
    if name in ("Enterprise", "University", "Institute", "Incubator"):
        from . import agents
        return getattr(agents, name)
    raise AttributeError(f"module 'sim.abm' has no attribute {name!r}")
