"""A finished run taken out of pipescope, and brought back: one module per format.

- `envelope`: the versioned JSON export (the event contract, wrapped with the run's metadata)
  and its JSON Schema, generated from the models of `app/events.py`;
- `strace_text`: an strace-style text log (`strace -f -T -o FILE`, as it would read);
- `perfetto`: Chrome's Trace Event JSON, which ui.perfetto.dev opens;
- `importer`: a JSON export checked, event by event, into a run to replay.

The routes are `app/export_api.py`; the formats are described in docs/exports.md.
"""
