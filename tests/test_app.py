"""The SolaraViz page of the Mesa model (sim/abm/app.py): the page renders and steps, slider
budgets above the cap give a working model, the agent table holds every kind of agent and
filters, and the goal panels draw their targets.

The model is stepped a few years only (about 0.2 s a year)."""

from __future__ import annotations

import numpy as np
import pytest

solara = pytest.importorskip("solara")
pytest.importorskip("networkx")
ipyvuetify = pytest.importorskip("ipyvuetify")
ipywidgets = pytest.importorskip("ipywidgets")

from mesa.visualization.solara_viz import _check_model_params  # noqa: E402

from sim.abm import app  # noqa: E402

BUDGET_KEYS = ["fiscal_support", "talent_plan", "tech_recruitment", "incubation", "institute_support",
               "university_industry"]


@pytest.fixture(scope="module")
def model(baseline_scenario):
    """A baseline model two years on (links and HTE certificates exist)."""
    m = app.LeverModel(innovsim_scenario=baseline_scenario, seed=7)
    m.step()
    m.step()
    return m


# ---- the page ---------------------------------------------------------------------------------------

def _images(rc) -> list:
    return rc.find(ipywidgets.Image).widgets


def _in_app_layout(make_element):
    """The element ``make_element()`` builds, inside an AppLayout as solara's server shows it:
    SolaraViz puts its controls and sliders in the sidebar, which renders only in an AppLayout."""
    @solara.component
    def Layout():
        with solara.AppLayout():
            make_element()
    return Layout()


def test_page_renders_sliders_and_figures(baseline_scenario):
    """``page`` (what ``solara run`` serves) builds its own model, shows a budget slider per
    lever at the baseline's value, and draws page 0's two figures."""
    assert app.page.component is app.Page         # the module's page is the Page component
    _, rc = solara.render(_in_app_layout(app.Page), handle_error=False)
    images = _images(rc)
    assert len(images) == 2
    assert all(img.format == "png" and len(img.value) > 1000 for img in images)
    sliders = {s.label: s for s in rc.find(ipyvuetify.Slider).widgets}
    for key in BUDGET_KEYS:
        lever = baseline_scenario.levers.active()[key]
        slider = sliders[app.slider_label(key)]
        assert len(slider.label) <= 22, "a short label: a long one squeezes the slider out of the sidebar"
        assert slider.v_model == lever.annual_budget_cny / 1e6
    rc.close()


def test_step_and_reset_with_budgets_above_the_cap(baseline_scenario):
    """Mesa's Step button steps our model a year and redraws; Reset after moving the sliders to
    their maxima (far above the cap) builds a new model with the cap raised."""
    model = solara.reactive(app.LeverModel(innovsim_scenario=baseline_scenario, seed=3))
    base = model.value.layout.base_year
    page = _in_app_layout(lambda: app.make_page(model, scenario=baseline_scenario))
    _, rc = solara.render(page, handle_error=False)
    before = [img.value for img in _images(rc)]
    rc.find(ipyvuetify.Btn, children=["Step"]).widget.click()
    assert model.value.year == base + 1
    after = [img.value for img in _images(rc)]
    assert len(after) == 2 and all(a != b for a, b in zip(after, before))

    old = model.value
    for slider in rc.find(ipyvuetify.Slider).widgets:
        if slider.label.endswith(", m/yr"):
            slider.v_model = slider.max
    rc.find(ipyvuetify.Btn, children=["Reset"]).widget.click()
    new = model.value
    assert new is not old and new.year == base
    spend = sum(lv.annual_budget_cny for lv in new.innovsim_scenario.levers.active().values())
    assert spend > baseline_scenario.budget.annual_total_cny
    assert new.innovsim_scenario.budget.annual_total_cny == pytest.approx(spend)
    assert new.innovsim_scenario.levers.fiscal_support.annual_budget_cny == app.LEVER_MAX_M["fiscal_support"] * 1e6
    rc.close()


# ---- the model from slider values ----------------------------------------------------------------

def test_model_params_match_the_model_and_the_baseline(baseline_scenario):
    params = app.model_params(app.BASELINE)
    _check_model_params(app.LeverModel.__init__, params)      # what SolaraViz checks: no unknown names
    for key in BUDGET_KEYS:
        slider = params[key]
        assert slider.value == baseline_scenario.levers.active()[key].annual_budget_cny / 1e6
        assert slider.min == 0 and slider.max > slider.value
    assert params["seed"]["value"] == str(baseline_scenario.run.seed)


def test_budgets_above_the_cap_raise_the_cap(baseline_scenario):
    """Every slider at its maximum: far above the 220m cap, the cap becomes the sum; the model runs."""
    cap = baseline_scenario.budget.annual_total_cny
    top = {key: float(app.LEVER_MAX_M[key]) for key in BUDGET_KEYS}
    m = app.LeverModel(**top, seed="5", innovsim_scenario=baseline_scenario)
    levers = m.innovsim_scenario.levers.active()
    for key, value in top.items():
        assert levers[key].annual_budget_cny == value * 1e6
    total = sum(lv.annual_budget_cny for lv in levers.values())
    assert total > cap
    assert m.innovsim_scenario.budget.annual_total_cny == pytest.approx(total)
    assert m.seed == 5
    m.step()
    assert m.year == m.layout.base_year + 1 and len(m.firms) > 0
    assert m.datacollector.get_model_vars_dataframe()["lever_spend"].iloc[-1] > cap / 1e8


def test_budgets_within_the_cap_keep_it(baseline_scenario):
    sc = app.with_budgets(baseline_scenario, {"fiscal_support": 60.0, "talent_plan": None})
    assert sc.levers.fiscal_support.annual_budget_cny == 60e6
    assert sc.levers.talent_plan.annual_budget_cny == baseline_scenario.levers.talent_plan.annual_budget_cny
    assert sc.budget.annual_total_cny == baseline_scenario.budget.annual_total_cny


# ---- the agent table -------------------------------------------------------------------------------

def test_agent_table_has_every_kind(model):
    df = app.agent_frame(model)
    counts = df["kind"].value_counts()
    assert counts["Enterprise"] == len(model.firms)
    assert counts["University"] == len(model.universities)
    assert counts["Institute"] == len(model.institutes)
    assert counts["Incubator"] == len(model.incubators)
    assert df["id"].is_unique
    # each link counted at both ends, as far as they are alive (a partner may have exited)
    alive = set(df["id"])
    assert df["partners"].sum() == sum((f.unique_id in alive) + (q.unique_id in alive) for f, q in model.links) > 0


def test_agent_table_filters_and_sorts(model):
    df = app.agent_frame(model)
    inst = app.filter_agents(df, kind="Institute")
    assert len(inst) == len(model.institutes) and set(inst["kind"]) == {"Institute"}
    hte = app.filter_agents(df, hte="yes", sort_by="revenue_m_cny", descending=True)
    assert 0 < len(hte) == sum(f.hte for f in model.firms)
    assert np.all(np.diff(hte["revenue_m_cny"].to_numpy()) <= 0)
    not_hte = app.filter_agents(df, hte="no")
    assert len(hte) + len(not_hte) == len(model.firms)
    it = app.filter_agents(df, kind="Enterprise", sector="it")
    assert len(it) == sum(f.sector == app.SECTORS.index("it") for f in model.firms) > 0


def test_agent_table_component_filters_on_select(model):
    _, rc = solara.render(app.AgentTable(model), handle_error=False)
    total = len(app.agent_frame(model))
    assert rc.find(ipyvuetify.Html, children=[f"{total:,} of {total:,} agents in {model.year}"]).widgets
    kind = rc.find(ipyvuetify.Select, label="kind").widget
    kind.v_model = "University"
    n = len(model.universities)
    rc.find(ipyvuetify.Html, children=[f"{n:,} of {total:,} agents in {model.year}"]).assert_single()
    rc.close()


# ---- the goal indicators ---------------------------------------------------------------------------

def _axis(fig, indicator):
    return next(ax for ax in fig.axes if ax.get_title().startswith(indicator + "\n"))


def test_goal_panels_draw_targets(model):
    fig = app.goals_figure(model)
    targets = app.goal_targets(model.innovsim_scenario)
    assert len(fig.axes) == len(targets)
    # a numeric target: a horizontal line at 250 HTEs
    ax = _axis(fig, "hte_count")
    flat = [ln for ln in ax.get_lines() if len(set(ln.get_ydata())) == 1 and ln.get_ydata()[0] == 250]
    assert flat, "no target line at 250 in the hte_count panel"
    # a series target: Chongqing's R&D intensity, year by year
    df = model.indicator_frame()
    ax = _axis(fig, "rd_intensity")
    paths = [np.asarray(ln.get_ydata(), float) for ln in ax.get_lines()]
    assert any(len(p) == len(df) and np.allclose(p, df["cq_rd_intensity"]) for p in paths)
    # the goal year is marked
    assert any(list(ln.get_xdata()) == [2026, 2026] for ln in ax.get_lines())
