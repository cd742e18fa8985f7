"""Self-contained HTML reports of every kind of output, and the read-only dashboard of the daily job.

* :mod:`.run_report`: ``report.html`` of a run folder (KPIs against targets and the national
  thresholds, dispatch, levels, heat, prices, emissions per hour, direct-supply rules, provenance);
* :mod:`.study`: reports of a sweep, a Pareto front and a replay comparison table;
* :mod:`.serve`: ``parkdispatch serve``, the dashboard over the operations state store.

Every page is one file: CSS inline, figures inlined as base64 PNG or inline SVG, no script and
no request to any network (checked in a real headless Chromium by ``tests/test_reports_browser.py``).
"""
