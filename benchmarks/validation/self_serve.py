"""Feeds docs/validation.md, "Self-serve purchases need marketing".

1. `separate` with Bass's p = 1 a year (`marketing.direct_adoption_per_year`), 4,000 prospects
   (the company not scaled, as in tests/model/test_growth.py), 52 weeks, seed 6: self-serve
   customers with a zero budget, and with the budget how many customers (the installed base
   included) are aware at the end of the run.
2. Every shipped scenario but `bass`, 104 weeks, seed 1: self-serve customers and whether the
   blended CAC (`cac`) equals the sales-led one (`cac_sales_led`).

    .venv/bin/python benchmarks/validation/self_serve.py        # under a minute
"""

from __future__ import annotations

import argparse
import math

from gtmsim.model.growth import GrowthModel
from gtmsim.model.journey import Stage
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario, shipped_scenarios


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    scenario = with_levers(
        load_scenario("separate"),
        {
            "market.prospects": 4_000,
            "simulation.weeks": 52,
            "marketing.direct_adoption_per_year": 1.0,
        },
    )
    silent = GrowthModel(with_levers(scenario, {"marketing.annual_budget": 0.0}), seed=6)
    silent.run()
    print(f"p = 1, zero budget: {silent.kpis.total['self_serve']:g} self-serve customers")
    model = GrowthModel(scenario, seed=6)
    model.run()
    pop = model.population
    customers = pop.stage == Stage.CUSTOMER
    aware = (pop.awareness[customers] >= scenario.market.aware_threshold).sum()
    print(
        f"p = 1, with the budget: {model.kpis.total['self_serve']:g} self-serve, "
        f"{aware} of {customers.sum()} customers aware at the end"
    )
    for name in sorted(shipped_scenarios()):
        if name == "bass":
            continue
        model = GrowthModel(load_scenario(name), seed=1)
        model.run(104)
        row = model.kpi_row
        same = row["cac"] == row["cac_sales_led"] or (
            math.isnan(row["cac"]) and math.isnan(row["cac_sales_led"])
        )
        print(
            f"{name}: self-serve {model.kpis.total['self_serve']:g}, "
            f"cac {row['cac']:.6g}, cac_sales_led {row['cac_sales_led']:.6g}, equal {same}"
        )


if __name__ == "__main__":
    main()
