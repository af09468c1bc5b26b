"""Profile notes for the results file: what the profiler showed, kept beside the code.

Why a module and not generated text: a profile needs reading, not just printing. These
notes are written by whoever profiled last (``python -m benchmarks.profile_sync``, plus
replays of its recorded 10k-object stream) and are copied into every results file, so a
table never travels without its explanation.
"""

PROFILE_NOTES = """\
Levers applied to crscope's engine: scoped to the benchmark's API group, Events off, and
list mode `auto`, which on this apiserver takes the streaming list (10k objects, same
data, alternating runs: 2.6-3.3 s streaming vs 3.6-4.1 s paged LIST at 500 per page).
Profiles below are from `python -m benchmarks.profile_sync` (pyinstrument) and replays of
its recorded 10k-object stream, at the engine's state on the day of this run.

1. **Memory: managedFields are stripped too late.** The reflector collects the whole
   initial state with `managedFields` still in every object (`Reflector._collect_initial`
   for the streaming list, the accumulated pages in `_paged_list`), and
   `Informer.replace` -> `_prepare` pops them only afterwards. The freed managedFields
   (more than half of each parsed object) leave holes in pymalloc arenas interleaved with
   the kept objects, so RSS never comes back: 18.0 KB/object steady and 297 MB peak for
   10k objects. Stripping each object as it is parsed, keeping only manager, operation,
   subresource and time for the summary, measured 8.5 KB/object (-53 %), 204 MB peak and
   parse+replace in 0.95 s instead of 2.09 s. Suggested fix: an optional `prepare(obj)`
   on the reflector's sink, called for each ADDED event of the streaming list and each
   item of every LIST page, in which the informer pops `managedFields` and records
   `_summarize(...)` in `_managed[key]` at once; `replace` then uses that summary.
2. **Sync CPU: timestamps go through `time.strptime`.** `_since_from_object` parses every
   condition's `lastTransitionTime` and `creationTimestamp` (four calls per object here)
   with `informers/timestamps.py:parse_time`, i.e. `time.strptime`: 49 % of
   `Informer.replace` in the profile. An integer-slicing parser with the same
   None-on-junk contract (`calendar.timegm((int(v[0:4]), int(v[5:7]), int(v[8:10]),
   int(v[11:13]), int(v[14:16]), int(v[17:19])))` inside the existing `try`) measured
   `replace` at 28.4 instead of 46.5 µs/object (-39 %).
3. **Updates: the field diff dominates.** Every MODIFIED event runs `diff(old.obj,
   new.obj)` in `Informer._emit`: 59 % of the per-event time in the profile, and
   `is_noise()` (five prefix tests, a regex and a split for every visited key) is about a
   quarter of it. `functools.lru_cache(maxsize=16384)` on `is_noise`, a pure function of
   the path, measured 116 -> 89 µs/event (parsing included); with no diff at all the
   floor is 50 µs/event, which bounds what computing `changed_paths` lazily (only when a
   consumer reads it) could save.

Finding 1 is why crscope's KB/object is barely below the Python client's, which keeps
managedFields in every object: the engine strips them, but too late for RSS to show it.

client-go's dynamic informer decodes into `map[string]interface{}` with encoding/json and
keeps managedFields (no transform is set), hence its higher KB/object and CPU/event; its
Go GC also scans the whole cache, so its CPU/event grows with the object count. The
Python client's single unpaginated LIST is quick to sync but holds managedFields too and
parses every watch event twice (json.loads, then its deserializer).

On these 2-core machines (shared with other work during the run: see the load average)
the apiserver spends 3-5 ms of CPU per write of these objects, so it caps the write rate
far below the load steps' targets: the "≥" rates are the apiserver's limit, and the
1-core ceiling column is the estimate of each contender's own. In full runs the apiserver
also stalled delivery: at 50k objects (and once at 10k) about a fifth of a step's events
had not reached any watcher 11 s after the last write, the raw probe included, which saw
exactly the same count as the contender; those rows say "apiserver-bound" rather than
blaming the contender. A standalone repeat on a fresh apiserver with 50k objects and one
contender delivered every event within 0.05 s, so the stall is intermittent and not yet
explained (apiserver GC with a ~3 GB watch cache, or etcd, are the suspects).
"""
