"""The layer both vendor packages and the run loop share: HTTP, windows, shapes, resources.

One home per rule: `http` (every call, token grants included), `pacing` (rate limits),
`windows` (local days), `timestamps` (the one timestamp pattern), `shapes` (JSON, counts,
ids), `arrow` (recordings as typed tables), `resources` (windowed dlt resources and the
audit), `stop` (the stop flag), `errors` (error types), `settings` (reading
`SOURCES__<VENDOR>__*`), `vendor` (what a vendor is and registers).
"""
