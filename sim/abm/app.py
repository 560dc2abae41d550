"""A SolaraViz page of the Mesa model, for researchers: set the lever budgets, step the years,
and watch the goals, the collaboration network and the agents.

Start it from the repository root with

    solara run sim/abm/app.py

(``pip install -e ".[viz]"``). The page needs no network: Solara's front end (Vue, Vuetify,
require.js, the draggable grid) comes from the ``solara-assets`` package of the ``viz`` extra,
which solara's server serves itself under ``/_solara/cdn`` instead of fetching it from jsDelivr.
``--production`` also skips solara's check that calls its web site, and
``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False`` its usage statistics. The ``viz`` extra keeps
ipyvuetify below 2 (Vue 2): Mesa's pages are a draggable grid (``solara.GridDraggable``,
vue-grid-layout), a Vue 2 component that stays blank under ipyvuetify 3's Vue 3.

The sidebar holds Mesa's controls (Reset, Play, Step: one step is one year) and a slider per
lever of ``scenarios/baseline.toml`` with a short label: its annual budget in million CNY (the
default is the baseline's). The "Levers" card below them gives each lever's full English and
Chinese name. Changed sliders take effect on Reset, which builds a new model from them. Any
combination is allowed: if the budgets add up to more than ``budget.annual_total_cny``, the cap
is raised to their sum (the page explores budgets; the cap is a scenario-file safeguard).

Page 0 shows

* the goal indicators year by year against their targets (a line for a numeric target, the
  series' own path for a moving target such as Chongqing's R&D intensity; the goal year is
  marked, and its dot is green once the goal year is reached and the condition holds, red if not);
* this year's collaboration network: firms, universities and institutes that worked together.

Page 1 is a table of the agents (living firms, universities, institutes, incubators) with
filters by kind, sector and HTE status and a sort column (``solara.DataFrame`` pages through
rows but does not sort, so the page sorts before showing).

The file runs as a script under ``solara run``, so it imports the package absolutely
(``sim.abm.model``), not relatively. Importing it builds no model: each browser session builds
its own in ``Page``.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.abm.agents import ORIGINS
from sim.abm.model import InnovationModel
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.schema import PLATFORM_LEVELS, SECTORS, Scenario


ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
MILLION = 1e6

# the levers with a budget slider, and the slider's maximum in million CNY a year
# (about four times the baseline budget, at least 50m)
LEVER_MAX_M = {"fiscal_support": 320, "talent_plan": 120, "tech_recruitment": 160, "incubation": 50,
               "institute_support": 60, "university_industry": 50, "agri_st": 50, "ip_protection": 50,
               "htz_upgrade": 80, "registration_campaign": 50}

# the sliders' short labels (the sidebar is narrow: a long label squeezes its slider out of view);
# the levers' full names, English and Chinese, are in the "Levers" card below the sliders
LEVER_LABEL = {"fiscal_support": "Fiscal support", "talent_plan": "Talent plan", "tech_recruitment": "Recruitment",
               "incubation": "Incubation", "institute_support": "Institutes", "university_industry": "Univ.-industry",
               "agri_st": "Agri S&T", "ip_protection": "IP protection", "htz_upgrade": "Zone drive",
               "registration_campaign": "Registration"}

KIND_COLOURS = {"Enterprise": "#4c72b0", "University": "#dd8452", "Institute": "#55a868"}
ALL = "all"


# ---- the model built from slider values ---------------------------------------------------------

def _scenario_of(scenario: str | Path | Scenario | None) -> Scenario:
    """A loaded scenario: the baseline by default, a file path, or a Scenario as it is."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(BASELINE if scenario is None else Path(scenario))


def with_budgets(scenario: Scenario, budgets_m: dict[str, float | None]) -> Scenario:
    """``scenario`` with the levers' annual budgets set (million CNY a year; None keeps the
    scenario's), validated like a file. If the levers then spend more than
    ``budget.annual_total_cny`` in some year, the cap is raised to that year's spending, so every
    slider combination gives a valid scenario."""
    levers = scenario.levers.active()
    overrides = {}
    for key, value in budgets_m.items():
        if value is None:
            continue
        if key not in levers:
            raise ValueError(f"the scenario has no lever '{key}' to set a budget for "
                             f"(its levers: {', '.join(levers)})")
        overrides[f"levers.{key}.annual_budget_cny"] = float(value) * MILLION
    return apply_overrides(scenario, overrides, raise_budget_cap=True) if overrides else scenario


class LeverModel(InnovationModel):
    """``InnovationModel`` built from lever budgets in million CNY a year, as SolaraViz calls it
    on Reset (every slider value a keyword argument). A budget left at None keeps the
    scenario's; ``seed`` may be text (from the seed box), empty for the scenario's seed;
    ``innovsim_scenario`` is a scenario file (default ``scenarios/baseline.toml``) or a loaded
    Scenario. (Not ``scenario``: Mesa 3.5's SolaraViz passes its own ``scenario`` object on Reset
    to a model that takes one; see ``InnovationModel``.)"""

    def __init__(self, fiscal_support=None, talent_plan=None, tech_recruitment=None, incubation=None,
                 institute_support=None, university_industry=None, agri_st=None, ip_protection=None,
                 htz_upgrade=None, registration_campaign=None, seed=None, innovsim_scenario=None):
        budgets = {"fiscal_support": fiscal_support, "talent_plan": talent_plan, "tech_recruitment": tech_recruitment,
                   "incubation": incubation, "institute_support": institute_support,
                   "university_industry": university_industry, "agri_st": agri_st, "ip_protection": ip_protection,
                   "htz_upgrade": htz_upgrade, "registration_campaign": registration_campaign}
        seed = None if seed is None or str(seed).strip() == "" else int(str(seed).strip())
        super().__init__(with_budgets(_scenario_of(innovsim_scenario), budgets), seed=seed)


def model_params(scenario: str | Path | Scenario | None = None) -> dict:
    """SolaraViz's ``model_params``: a budget slider per lever of the scenario (default: its
    budget), the seed as text, and the scenario itself as a fixed parameter."""
    sc = _scenario_of(scenario)
    params: dict = {}
    for key, lever in sc.levers.active().items():
        if key not in LEVER_MAX_M:
            continue
        now = lever.annual_budget_cny / MILLION
        top = max(LEVER_MAX_M[key], now)
        params[key] = Slider(slider_label(key), value=now, min=0.0, max=float(top), step=1.0, dtype=float)
    params["seed"] = {"type": "InputText", "value": str(sc.run.seed), "label": "seed"}
    fixed = sc if isinstance(scenario, Scenario) else str(BASELINE if scenario is None else scenario)
    params["innovsim_scenario"] = fixed
    return params


def slider_label(key: str) -> str:
    """A lever slider's label: the lever's short name and the unit (million CNY a year)."""
    return f"{LEVER_LABEL.get(key, key)}, m/yr"


@solara.component
def LeverGuide(scenario: Scenario):
    """The card under the sliders that says what each short slider label stands for: the lever's
    full English and Chinese names and its budget in the scenario (million CNY a year). Plain
    HTML, not ``solara.Markdown``, whose math renderer (KaTeX) is not among solara's assets and
    would be fetched from the CDN."""
    items = "".join(f"<li><b>{escape(LEVER_LABEL[key])}</b>: {escape(lever.name)} ({escape(lever.name_zh)}); "
                    f"{lever.annual_budget_cny / MILLION:g}m</li>"
                    for key, lever in scenario.levers.active().items() if key in LEVER_LABEL)
    with solara.Card():
        with solara.Details("Levers: what the slider labels stand for"):
            solara.HTML(tag="div", unsafe_innerHTML=(
                "<p>Annual budgets in million CNY; the scenario's value after each name. "
                f"Moved sliders apply on Reset.</p><ul style='padding-left: 1.2em'>{items}</ul>"))


# ---- goal indicators against their targets --------------------------------------------------------

COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def goal_targets(scenario: Scenario) -> dict[str, list[dict]]:
    """The goals' conditions by indicator: comparison, target (a number, or the name of the
    series the indicator is compared with), goal year and goal name."""
    out: dict[str, list[dict]] = defaultdict(list)
    for gid, goal in scenario.goals.items():
        for c in goal.all_conditions():
            series = getattr(c.threshold, "series", None)
            out[c.indicator].append({"goal": gid, "name": goal.name, "year": goal.year, "comparison": c.comparison,
                                     "threshold": None if series else float(c.threshold), "series": series})
    return dict(out)


def goals_figure(model: InnovationModel) -> Figure:
    """One small panel per goal indicator: its path so far, each target (a horizontal line, or
    the compared series' path, dashed), the goal year (dotted) and, once the goal year is
    simulated, a dot green if the condition holds that year, red if not."""
    df = model.indicator_frame()
    targets = goal_targets(model.innovsim_scenario)
    n = len(targets)
    cols = 4 if n > 6 else max(n, 1)
    rows = -(-n // cols)
    # about the shape and size of the page's grid cell (some 450 x 380 pixels), so the picture is
    # hardly scaled down and its labels stay readable
    fig = Figure(figsize=(1.9 * cols, 1.9 * rows))
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.07, top=0.88, hspace=0.75, wspace=0.4)
    first, last = model.layout.base_year, model.end_year
    for i, (indicator, conds) in enumerate(targets.items()):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.plot(df.index, df[indicator], color="black", lw=1.5, marker=".", label="simulated")
        for c in conds:
            if c["series"]:
                ax.plot(df.index, df[c["series"]], color="tab:red", ls="--", lw=1, label=c["series"])
                target = df[c["series"]].get(c["year"])
            else:
                ax.axhline(c["threshold"], color="tab:red", ls="--", lw=1, label="target")
                target = c["threshold"]
            ax.axvline(c["year"], color="grey", ls=":", lw=1)
            if c["year"] in df.index and target is not None:
                value = df.at[c["year"], indicator]
                met = COMPARE[c["comparison"]](value, target)
                ax.plot([c["year"]], [value], "o", color="tab:green" if met else "tab:red", ms=6)
        ax.set_xlim(first, last)
        ax.set_xticks(range(first, last + 1, 4))
        ax.set_title(f"{indicator}\n" + ", ".join(_target_text(c) for c in conds), fontsize=6.5)
        ax.tick_params(labelsize=5.5)
        if any(c["series"] for c in conds):
            ax.legend(fontsize=5, loc="best")
    fig.suptitle(f"Goal indicators, {model.year}", fontsize=10)
    return fig


def _target_text(c: dict) -> str:
    """A condition as text: '> 250 in 2026'."""
    return f"{c['comparison']} {c['series'] or format(c['threshold'], 'g')} in {c['year']}"


def _yearly_figure(model: InnovationModel, draw) -> None:
    """Show ``draw(model)``, drawn again only after a step or a reset (a hook for the components)."""
    update_counter.get()
    when = [model, model.year]
    fig = solara.use_memo(lambda: draw(model), when)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight", dependencies=when)


@solara.component
def GoalIndicators(model: InnovationModel):
    """The goal-indicator panels (redrawn after every step)."""
    _yearly_figure(model, goals_figure)


# ---- the collaboration network ----------------------------------------------------------------

def network_layout(g, seed: int = 1) -> dict:
    """Node positions that show who works with whom, in linear time (a spring layout of 500
    nodes takes seconds): universities and institutes on a circle, each firm working with one
    in a cloud around it, firms linked only to firms in the middle."""
    rng = np.random.default_rng(seed)
    hubs = sorted((v for v, d in g.nodes(data=True) if d["kind"] != "Enterprise"),
                  key=lambda v: (g.nodes[v]["kind"], v))
    angles = 2 * np.pi * np.arange(len(hubs)) / max(len(hubs), 1)
    pos = {v: np.array([np.cos(a), np.sin(a)]) for v, a in zip(hubs, angles)}
    spread = 0.5 * np.sin(np.pi / max(len(hubs), 2))      # about a third of the gap between hubs
    for v, d in g.nodes(data=True):
        if d["kind"] != "Enterprise":
            continue
        anchors = [pos[w] for w in g[v] if w in pos]
        if anchors:
            pos[v] = np.mean(anchors, axis=0) + rng.normal(0.0, spread / 2, 2)
        else:
            r, a = 0.55 * np.sqrt(rng.random()), 2 * np.pi * rng.random()
            pos[v] = np.array([r * np.cos(a), r * np.sin(a)])
    return pos


def network_figure(model: InnovationModel, seed: int = 1) -> Figure:
    """This year's collaborations (``model.network()``), firms, universities and institutes in
    their own colours. The graph holds only agents with a link this year, so with thousands of
    firms it shows the few hundred that collaborate; universities and institutes are named."""
    import networkx as nx

    g = model.network()
    fig = Figure(figsize=(5.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    if g.number_of_nodes() == 0:
        ax.set_title(f"No collaborations in {model.year} (step the model)", fontsize=10)
        return fig
    pos = network_layout(g, seed)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.25, width=0.6)
    kinds = nx.get_node_attributes(g, "kind")
    for kind, colour in KIND_COLOURS.items():
        nodes = [v for v, k in kinds.items() if k == kind]
        size = 12 if kind == "Enterprise" else 120
        nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=colour, node_size=size, ax=ax,
                               label=f"{kind} ({len(nodes)})")
    labels = {v: d["label"] for v, d in g.nodes(data=True) if d["kind"] != "Enterprise"}
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=6, ax=ax)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"Collaborations in {model.year}: {g.number_of_edges()} links", fontsize=10)
    return fig


@solara.component
def CollaborationNetwork(model: InnovationModel):
    """The network panel (redrawn after every step)."""
    _yearly_figure(model, network_figure)


# ---- the agent table ------------------------------------------------------------------------------

AGENT_COLUMNS = ["id", "kind", "name", "sector", "type", "revenue_m_cny", "rd_ratio", "knowledge", "hightech",
                 "hte", "tech_based", "platform", "capacity", "partners"]
SORTABLE = ["id", "kind", "name", "sector", "revenue_m_cny", "rd_ratio", "knowledge", "hightech", "capacity",
            "partners"]


def agent_frame(model: InnovationModel) -> pd.DataFrame:
    """One row per living firm, university, institute and incubator with its main state.
    ``type`` is a firm's origin, an incubator's stage, a university's maker space level, an
    institute's opening year; ``partners`` counts this year's collaborations; ``capacity`` is
    what the agent can host or serve a year (firms: none)."""
    links = Counter()
    for f, q in model.links:
        links[f.unique_id] += 1
        links[q.unique_id] += 1
    rows = [{"id": f.unique_id, "kind": "Enterprise", "name": f.label, "sector": SECTORS[f.sector],
             "type": ORIGINS[f.origin], "revenue_m_cny": f.revenue, "rd_ratio": f.rd_ratio, "knowledge": f.knowledge,
             "hightech": f.hightech, "hte": f.hte, "tech_based": f.tech_based, "platform": PLATFORM_LEVELS[f.platform]}
            for f in model.firms]
    rows += [{"id": u.unique_id, "kind": "University", "name": u.name, "type": f"maker space: {u.maker_level}",
              "capacity": u.collab_capacity} for u in model.universities]
    rows += [{"id": i.unique_id, "kind": "Institute", "name": i.name, "sector": SECTORS[i.sector],
              "type": f"opens {i.opens}", "capacity": i.capacity} for i in model.institutes]
    rows += [{"id": b.unique_id, "kind": "Incubator", "name": b.name,
              "sector": "any" if b.sector < 0 else SECTORS[b.sector], "type": b.stage, "capacity": b.capacity}
             for b in model.incubators]
    df = pd.DataFrame(rows, columns=AGENT_COLUMNS)
    df["partners"] = df["id"].map(links).fillna(0).astype(int)
    df["sector"] = df["sector"].fillna("")
    for col in ("hte", "tech_based"):
        df[col] = df[col].astype("boolean")
    return df


def filter_agents(df: pd.DataFrame, kind: str = ALL, sector: str = ALL, hte: str = ALL, sort_by: str = "id",
                  descending: bool = False) -> pd.DataFrame:
    """The rows of ``agent_frame`` of one kind, sector and HTE status (``"all"``: any; HTE
    ``"yes"``/``"no"`` keeps firms only), sorted by a column (missing values last)."""
    keep = pd.Series(True, index=df.index)
    if kind != ALL:
        keep &= df["kind"] == kind
    if sector != ALL:
        keep &= df["sector"] == sector
    if hte != ALL:
        keep &= df["hte"].fillna(False) if hte == "yes" else ~df["hte"].fillna(True)
    return df[keep].sort_values(sort_by, ascending=not descending, na_position="last", kind="stable")


@solara.component
def AgentTable(model: InnovationModel):
    """The agent table with its filter and sort controls (recomputed after every step)."""
    update_counter.get()
    kind, sector, hte = solara.use_reactive(ALL), solara.use_reactive(ALL), solara.use_reactive(ALL)
    sort_by, descending = solara.use_reactive("revenue_m_cny"), solara.use_reactive(True)
    df = agent_frame(model)
    view = filter_agents(df, kind.value, sector.value, hte.value, sort_by.value, descending.value)
    with solara.Column():
        with solara.Row():
            solara.Select("kind", value=kind, values=[ALL, "Enterprise", "University", "Institute", "Incubator"])
            solara.Select("sector", value=sector, values=[ALL, *SECTORS, "any"])
            solara.Select("HTE", value=hte, values=[ALL, "yes", "no"])
            solara.Select("sort by", value=sort_by, values=SORTABLE)
            solara.Checkbox(label="descending", value=descending)
        solara.Text(f"{len(view):,} of {len(df):,} agents in {model.year}")
        solara.DataFrame(view, items_per_page=15)


# ---- the page ---------------------------------------------------------------------------------------

COMPONENTS = [(GoalIndicators, 0), (CollaborationNetwork, 0), (AgentTable, 1)]


def make_page(model: InnovationModel | solara.Reactive | None = None, scenario: str | Path | Scenario | None = None):
    """The SolaraViz element for ``model`` (default: a new ``LeverModel`` of the scenario), with
    the lever guide under the sliders in the sidebar. A ``solara.Reactive`` holding the model
    lets the caller see the model Reset builds. Call it while a component renders."""
    model = LeverModel(innovsim_scenario=scenario) if model is None else model
    viz = SolaraViz(model, components=COMPONENTS, model_params=model_params(scenario),
                    name="Hechuan innovation ecosystem (Mesa model)")
    with solara.Sidebar():
        LeverGuide(_scenario_of(scenario))
    return viz


@solara.component
def Page():
    """What ``solara run`` serves: a model of its own for every browser session, built once."""
    model = solara.use_memo(LeverModel, [])
    make_page(model)


page = Page()
