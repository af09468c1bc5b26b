"""Profile notes for the results file: what the profiler showed, kept beside the code.

Why a module and not generated text: a profile needs reading, not just printing. These
notes are written by whoever profiled last and are copied into every results file, so a
table never travels without its explanation. Tools: ``python -m benchmarks.profile_sync``
(pyinstrument, the engine's initial sync), py-spy on the running dashboard (``--gil``, for
REST), and Chromium traces via CDP (``Browser.start_tracing``) plus the per-page
``Performance.getMetrics`` figures that ``benchmarks/ui_latency.py`` prints.
"""

PROFILE_NOTES = """\
Levers applied to crscope's engine: scoped to the benchmark's API group, Events off, and
list mode `stream` (client-go streams too), the streaming list (10k objects, same
data, alternating runs: 2.6-3.3 s streaming vs 3.6-4.1 s paged LIST at 500 per page); the
cyclic GC paused during bulk loads and the survivors frozen after; orjson end to end;
timestamps parsed by slicing instead of `time.strptime` (-39 % of `Informer.replace`);
printer columns evaluated only for the rows a page shows.

**Engine memory: managedFields are stripped as each listed object is parsed.** Before,
the reflector collected the whole initial state with `managedFields` in every object and
`Informer.replace` popped them afterwards; the freed field trees (over half of each parsed
object) left holes in pymalloc arenas between the objects that stay, so RSS kept them
(18-22 KB/object steady). Now the reflector hands each listed object to the informer as
soon as it is parsed (`Reflector(on_listed=...)`), which pops `managedFields` and keeps
only the manager summary that change attribution needs. In a relist (after a 410) an
object found at the resourceVersion already cached is replaced by the cached copy right
there, so the relist never holds two copies of it (before: 2.14x steady RSS at 10k, 2.52x
at 50k; now 1.01x); changed objects keep their managedFields until `replace`, which needs
them to tell which manager changed which path.

**Engine CPU per update: the field diff, then the garbage collector.** Every MODIFIED
event runs `diff(old.obj, new.obj)` once (history and attribution share it): about 60 % of
the per-event time in an early profile (a smaller object; today's bench object of ~1.3 KB
without managedFields diffs in ~15 µs). `is_noise()` (prefix tests, a regex and a split
per visited key) was a quarter of that and is now an `lru_cache` of the path. With no
diff at all the floor was 50 µs/event in a microbenchmark, which bounds what computing
`changed_paths` lazily could still save. At 50k objects the ceiling replay then spent a
quarter of its time in CPython's full collections (gc callbacks: ~0.8 s of a 3.2-4.7 s
replay, ~200 ms each): watch events replace frozen objects with new trees, the old
generation grows back toward the whole cache, and it is scanned in full whenever a quarter
as much again has survived. After a load the engine now allows a full collection only once per 100
middle-generation collections (`informers/gcpause.py`), and the replay went from ~4,300-
6,200 to ~8,100 events/s on a shared core.

**REST list: a sort per request, then the framework.** py-spy on the dashboard (20k
objects, 4 clients, 20 changes/s) showed the whole store filtered and sorted per request:
77 ms per page one at 50k objects in-process with the cache frozen, 250 ms without the
freeze. Identical requests share a memoized page, but every change to the kind
invalidates it. The store now keeps names in order (only adds and deletes move a name), so
name-sorted pages, the default of both the UI and the API, walk that order from the
continue point and stop after one page: 0.3 ms at 50k. Totals come from index sets;
namespace, label-equality and state filters are index lookups. After that the request's
own CPU was ~1.9 ms, a third of it ninja validating our already-shaped page against its
schema and dumping it back (skipped now, with a test that both give the same bytes).
Sorts by a printer column, state or age sorted every match per request until the store
began keeping each asked-for order (`informers/ordering.py`, updated by every write): such
a page now walks like a name-sorted one.

**REST list, then: Django's thread hops.** With 20 clients the server's own time (its
`Server-Timing`) was p99 70-116 ms while a request's CPU was a few milliseconds. In-process,
Django's ASGI handler took ~1.8 ms per request to run a sync middleware chain and view
(a hop from the event loop to a thread, started for that request alone, for each
middleware half and for the view) where the same chain called synchronously took
~0.1 ms; and with 20 requests in flight each one's time held the other nineteen's turns at
the GIL. `dashboard/core/web/onehop.py` now runs each sync request whole in one hop on a
pool of `CRSCOPE_HTTP_THREADS` (2) long-lived threads; the NDJSON watch stream, a
coroutine, keeps Django's async path. `Server-Timing` counts from the complete request,
the wait for a free thread included. py-spy then put 45 % of a list request in shaping
each row for JSON (timestamps, the rule's inputs through the redactor) and most of
building a page in evaluating printer columns: both are now kept per object version and
shared by every client and viewer (`dashboard/api/render.py`, `core/listing/cells.py`),
and a name search finds names in one kept text with `str.find` instead of testing 50k
names in Python. Four threads interleaved CPU-bound pages under the GIL and stretched the
tails (server p99 up to 44 ms where two threads gave 22 ms on the same data), hence two.
What the clients see beyond that is outside `Server-Timing`: daphne's HTTP parsing and
sending on the event loop, the loopback network, and the 20 client processes themselves,
which share the two cores with the server and the churning apiserver.

**Live pages: the browser was the bottleneck, and mostly by accident.** A Chromium trace
of one list page under 100 changes/s showed its main thread busy 9.6 s of 14 s:
1. the notification bell's fragment carried `hx-trigger="load"` and swapped itself with
   `outerHTML`, so each copy loaded the next: ~30 requests a second per open page, forever
   (now only the page-load copy triggers; a browser test counts an idle page's requests);
2. changed rows flashed with a 1.4 s `background-color` animation on every cell, a
   per-frame style recalculation and repaint of the table while anything changed (now a
   plain highlight that crscope.js removes after a second: no motion at all);
3. `htmx.swap` fired about a thousand events per fifteen swapped rows (before/after swap,
   process and clean-up events for every element, twice each in both spellings): rows,
   badges and timeline items carry no htmx attributes, so crscope.js now swaps them with
   plain DOM calls and hands htmx only fragments it must process.
After these, the same page: main thread 2.2 s of 14 s, Chromium 18 % of a core instead
of 79 %, p50 95 ms and p99 171 ms instead of 138/249 ms (at 100 changes/s, one page).

The remaining gap at 50 pages and 500 changes/s is the machine: the apiserver spends
~3 ms of CPU per write of a Widget, so 500 writes/s alone would take 1.5 of the 2 cores,
and 50 headless Chromium renderers with software rasterization took ~150 % of a core
more. The load generator reached only a fraction of the target rate, and both the
server's share of the latency (PATCH to the message being sent, which includes waiting for
pages to acknowledge earlier messages) and the browser's grew with it. Even 10 pages at
100 changes/s kept Chromium at about one core: p50 230-290 ms and p99 580-750 ms across
runs, of which the PATCH-to-send part (apiserver, watch, the 150 ms batch window and
acknowledgements) was p50 110-210 ms. The next lever is the page's per-message cost (now
mostly paint of the replaced rows) or fewer, larger messages under load.

**Fifty viewers of one live list: a lock, repeated work, the window.** py-spy on the
1-page + 49-viewer scenario put 23 % of the server's samples waiting on one lock: Django
localized every number in a template through `get_language()`, an asgiref Local guarded
by a lock shared by all threads, and the viewers' renders ran together in six worker
threads (i18n is now off; nothing is translated). Each viewer also planned and wrapped its
own row changes, though viewers of a page hear the same changes and flush together: the
row operations from what a browser shows to the new page are now kept for every viewer in
that state, one thread computes a memo key while the others wait for it, and the summary
and pager are kept per content (render CPU per flush: p50 0.68 -> 0.33 ms). Channels also
hopped to its one sync thread before every ack to close database connections (7 % of the
samples); acks and pauses skip it now. Instrumented, the 150 ms batch window was then most
of a change's time on the server (engine to flush p50 160 ms, render with its queue p50
22 ms), so it is 75 ms; 50 ms measured worse, each flush queueing behind the others.
Standalone (`benchmarks.ui_latency`, 100 widgets, no 50k dataset, idle machine) the page's
p99 went from 325-348 ms to 218-269 ms; with `stress-ng --cpu 1` beside it, 75 and 150 ms
windows both gave p99 450-560 ms, and on a 50k dataset (two end-to-end runs per window,
alternating order) p99 637-732 ms either way, though the apiserver wrote less beside the
75 ms window in both pairs (100 and 154 vs 195 and 174 writes/s). What is left is the
machine: the apiserver, Chromium, the viewers and the server share two cores, and when
the apiserver slows every part of the latency grows with it.

**Whose time the latency is (2026-12-07 evening).** A bare watch in its own process
(`benchmarks/delivery.py`) now records when the apiserver delivered each change, so the
report splits the latency into the apiserver's share (PATCH to delivery) and the
dashboard's (delivery to its send); the browser's is the rest. Standalone (100 widgets,
idle machine): delivery p50 14 / p99 145 ms, dashboard p50 78 / p99 186 ms, page p99
299 ms. On a 50k dataset, two end-to-end runs of the same code minutes apart: delivery p99
69 and 776 ms, dashboard p99 232 and 169 ms, page p99 299 and 881 ms: the run-to-run
swings are the apiserver's. Inside the dashboard, instrumented per flush (standalone): the
75 ms window's timer fired p50 77 / p99 99-160 ms after it opened (the event loop late by
up to 85 ms), the hop to a worker thread took p50 10-16 / p99 60-110 ms and the hop back
p50 10-15 / p99 45-100 ms, while a render itself took p50 0.2 ms (the page's own p50 4-8
ms: as the first subscriber it computes the row operations the others share). Three
changes were tried, each alternated with the current code at least twice: a 1 ms GIL
switch interval (no difference), one render thread instead of six (the hop's p99 grew to
135 ms), and rendering on the event loop without the hop (dashboard p50 53-79 vs 72-87
ms, p99 141-238 vs 168-219 ms, 6 % less server CPU per change). None was kept: the p99
did not clearly improve, and a render on the loop would hold every socket and request
behind a slow one. What remains is one Python process serving 50 sockets on two cores
shared with the apiserver and Chromium.

**Shared thread hops, tried and dropped (2026-12-07 night).** Sockets woken by one change
fall due together, so their hops could be shared: one loop callback for every wake-up of
an engine pass, and one worker-thread task for every render asked for in one loop
iteration. Standalone (100 widgets, 15 s, alternated with the current code) the server's
CPU per change was 2.49-2.57 ms against 2.73-2.75, and the page's p99 258-314 ms against
250-351. On a 50k dataset (end-to-end, one page and 49 viewers at 200/s, the same
script for each, run one after the other) the dashboard's share of the latency was p50
195 / p99 653 ms with the current code, p50 345 / p99 944 ms with every result held until
its task had rendered all the sockets, and p50 143 / p99 837 ms with each result handed
back as soon as it was ready (results finished while the loop was busy sharing one hop).
A `make bench` run with the first variant (the 20:00 run, kept as
`informers-2026-12-07-2000.md`) measured the page at p50 175 / p99 436 ms, the dashboard's
share p50 106 / p99 410 ms. Not kept: no variant clearly moved the p99, and the
run-to-run spread on the 50k dataset is larger than any difference between them. A
collector probe in the same runs found 4 full collections in the whole end-to-end stage
(the longest 87 ms) and middle-generation ones p99 6.4 ms: the garbage collector is not
what holds the p99 either.

client-go's contender is a shared informer on the dynamic client (objects decoded into
`map[string]interface{}` with encoding/json), made to do crscope's work and no more: a
`SetTransform` drops managedFields as objects enter its cache, it streams the initial
state through the `WatchListClient` gate when crscope does (`--list-mode`, default
`stream`; the List mode column is what each side saw in its own list calls), and it waits
for the sync on its handler's add count and `HasSynced`. Until 2026-12-06 it kept
managedFields, listed in pages while crscope streamed, and polled `ListKeys()` every 5 ms
while syncing (an O(n) allocation beside the informer it timed): that is where the
earlier 0.34x sync ratio came from. Its Go GC scans the whole cache, so its CPU per event
grows with the object count. The Python client is a reference only: its single
unpaginated LIST is quick to sync but holds managedFields and parses every watch event
twice (json.loads, then its deserializer).

On these 2-core machines (shared with other work during the run: see the load average)
the apiserver spends 3-5 ms of CPU per write of these objects, so it caps the write rate
far below the load steps' targets: the "≥" rates are the apiserver's limit, and the
1-core ceiling column is the estimate of each contender's own. In some full runs the
apiserver also stalled delivery: at 50k objects about a fifth of a step's events had not
reached any watcher 11 s after the last write, the raw probe included, which saw exactly
the same count as the contender; those rows say "apiserver-bound" rather than blaming the
contender. A standalone repeat on a fresh apiserver with 50k objects and one contender
delivered every event within 0.05 s, so the stall is intermittent and not yet explained
(apiserver GC with a ~3 GB watch cache, or etcd, are the suspects).
"""
