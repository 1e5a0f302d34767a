"""Plan Daishan's public services from Python and draw the plan.

    pip install ./python
    python examples/daishan.py [OUT]        # default OUT: out/python-daishan

Writes OUT/plan (the plan folder, audited as `archiplan plan --check` does) and
OUT/daishan-plan.png (islands shaded by tier, settlements sized by residents, the plan's
schools and clinics), and prints the cost lines and the targets.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt

import archiplan

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "daishan"


def main(out: Path) -> None:
    data = archiplan.load(DATA)
    scenario = archiplan.Scenario.from_toml(DATA / "scenario-2024.toml")
    print(data, file=sys.stderr)
    plan = archiplan.plan(
        data, scenario,
        progress=lambda service, status, gap, seconds: print(
            f"  {service}: {status}, gap {gap:.2%}, {seconds:.2f} s", file=sys.stderr),
    )
    summary = plan.summary
    print(f"{summary['cost']:,.0f} CNY/yr, {summary['status']}, gap {summary['gap']:.2%}")
    print(plan.targets[["target", "required", "achieved", "met"]].to_string(index=False))

    out.mkdir(parents=True, exist_ok=True)
    plan.write(out / "plan")  # audited independently before it is moved into place

    fig, ax = plt.subplots(figsize=(10, 9))
    islands = plan.islands
    colours = {"hub": "#d9a441", "subcenter": "#8fb9a8", "small": "#d8dee9"}
    islands.plot(ax=ax, color=[colours.get(t, "#eeeeee") for t in islands["tier"]],
                 edgecolor="#4c566a", linewidth=0.4)
    plan.routes.plot(ax=ax, color="#5e81ac", linewidth=0.5, alpha=0.6)
    people = plan.settlements
    people.plot(ax=ax, markersize=people["population"] / 150, color="#2e3440", alpha=0.5)
    sites = plan.facilities
    for service, colour in [("school", "#bf616a"), ("clinic", "#a3be8c")]:
        chosen = sites[sites["service"] == service]
        if len(chosen):
            chosen.plot(ax=ax, marker="^", markersize=60, color=colour, label=f"{service} ({len(chosen)})",
                        edgecolor="black", linewidth=0.4)
    ax.set_title(f"Daishan 2024 plan: {summary['cost'] / 1e6:,.1f} M CNY/yr, {summary['status']}")
    ax.legend(loc="lower right")
    ax.set_axis_off()
    png = out / "daishan-plan.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    print(f"wrote {out / 'plan'} and {png}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "python-daishan")
