"""The report's page: colours and the HTML shell around the charts (no external resource)."""

from __future__ import annotations

from pipelines import VENDORS

PALETTE = ("#2a6fdb", "#e4572e", "#2e9e5b", "#8a55c9")  # in the registry's order
VENDOR_COLOURS = dict(zip(VENDORS, PALETTE, strict=False))

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pageflow report: {period}</title>
<style>
body {{ font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2rem auto;
  max-width: 1440px; color: #1d1d1d; background: #fff; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; margin-bottom: 0.2rem; }}
h2 {{ font-size: 1.15rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem;
  margin-top: 2.2rem; }}
.meta {{ color: #666; font-size: 0.85rem; }}
figure.chart {{ margin: 0.5rem 0; }}
figure.chart svg {{ width: 100%; height: auto; }}
.note, .empty {{ color: #555; font-size: 0.85rem; }}
table {{ border-collapse: collapse; font-size: 0.8rem; margin-top: 0.8rem; display: block;
  overflow-x: auto; max-width: 100%; }}
th, td {{ border-bottom: 1px solid #eee; padding: 0.25rem 0.6rem; text-align: left; }}
th {{ background: #f6f6f6; }}
@media (min-width: 1000px) {{
  .sections {{ display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
    column-gap: 2.5rem; align-items: start; }}
}}
@media (max-width: 600px) {{
  body {{ margin: 1rem auto; padding: 0 0.5rem; }}
}}
</style>
</head>
<body>
<h1>pageflow: PageSense and Mouseflow side by side</h1>
<p class="meta">{period} &middot; from {source} &middot; made {made}</p>
<main class="sections">
{body}
</main>
</body>
</html>
"""
