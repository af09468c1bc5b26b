// Command clientgo-bench is the client-go contender of crscope's informer benchmark.
//
// Why it exists: the Python engine's numbers only mean something next to the reference
// implementation, measured on the same apiserver and the same objects. It runs a plain
// dynamic shared informer (what a generic CR dashboard written in Go would use) and speaks
// the harness's line protocol on stdin/stdout:
//
//	-> {"msg":"ready",...}            after the client is built, before any list
//	<- sync                          start the informer, wait until -expect objects are cached
//	-> {"msg":"synced",...}          sync time, peak and settled RSS, how it synced
//	<- count                         how many update events arrived since the sync
//	-> {"msg":"count",...}
//	<- relist                        the harness is about to force a relist (a 410 Gone)
//	-> {"msg":"armed",...}           memory settled: RSS before the relist
//	-> {"msg":"relisted",...}        a relist begun since then is done: its time, and the
//	                                 list calls and 410s since the command
//	<- quit
//	-> {"msg":"bye",...}
//
// Why it is set up as it is: the ratios against crscope are only fair if both do the same
// work. Like crscope it drops managedFields on the way into the cache (SetTransform); it
// fetches the initial state the way -list-mode says (a streaming WatchList or paged LISTs,
// through client-go's WatchListClient gate) and reports the mode its list calls show; and
// it waits for the sync on HasSynced and its own event-handler counter, never by listing
// the store, which would allocate O(n) next to the informer being timed.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type options struct {
	kubeconfig string
	gvr        schema.GroupVersionResource
	expect     int
	timeout    time.Duration
	listMode   string
	// replay names a recording (list.json, watch.ndjson): measure the event ceiling.
	replay       string
	expectEvents int
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "admin kubeconfig")
	flag.StringVar(&o.gvr.Group, "group", "", "API group")
	flag.StringVar(&o.gvr.Version, "version", "v1", "API version")
	flag.StringVar(&o.gvr.Resource, "resource", "", "plural resource name")
	flag.IntVar(&o.expect, "expect", 0, "objects to wait for")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "sync timeout")
	flag.StringVar(&o.listMode, "list-mode", "stream", "initial state: stream (WatchList) or paged")
	flag.StringVar(&o.replay, "replay", "", "a recording's directory: replay it (replay.go)")
	flag.IntVar(&o.expectEvents, "expect-events", 0, "with -replay: the events to wait for")
	flag.Parse()
	return o
}

// procStatusKB reads one "VmXXX:  123 kB" line of /proc/self/status.
func procStatusKB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			parts := strings.Fields(line)
			if len(parts) >= 2 {
				v, _ := strconv.ParseInt(parts[1], 10, 64)
				return v
			}
		}
	}
	return -1
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func emit(msg string, fields map[string]any) {
	fields["msg"] = msg
	fields["cpu_s"] = cpuSeconds()
	if msg != "count" { // polled often during the load: keep it cheap
		fields["rss_kb"] = procStatusKB("VmRSS")
		fields["hwm_kb"] = procStatusKB("VmHWM")
	}
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

// settle collects and hands freed memory back to the OS, as the Python contenders do with
// gc.collect() and malloc_trim, so RSS readings measure what is kept, not what is cached.
func settle() {
	goruntime.GC()
	debug.FreeOSMemory()
	time.Sleep(time.Second)
}

func fail(err error) {
	emit("error", map[string]any{"error": err.Error()})
	os.Exit(1)
}

// listCalls counts how the reflector fetched the initial state: LISTs (paged) or watches
// asking for the initial events (a streaming WatchList). Once the relist command
// armed it, it also counts the 410 Gone answers to resumed watches and times the fetches.
type listCalls struct {
	lists, streams atomic.Int64
	armed          atomic.Bool
	gone           atomic.Int64
	lastGone       atomic.Value // the last 410's message
	// lastFetch is when the last LIST or streaming watch was sent (UnixNano).
	lastFetch atomic.Int64
}

func (c *listCalls) fetches() int64 {
	return c.lists.Load() + c.streams.Load()
}

func (c *listCalls) sawGone(err error) {
	c.gone.Add(1)
	c.lastGone.Store(err.Error())
}

func (c *listCalls) mode() string {
	switch lists, streams := c.lists.Load(), c.streams.Load(); {
	case streams > 0 && lists == 0:
		return "stream"
	case lists > 0 && streams == 0:
		return "paged"
	case lists > 0:
		return "mixed"
	default:
		return "none"
	}
}

// listWatch is the dynamic client's list and watch for one resource, counted. It is what
// dynamicinformer builds, plus the counting the mode report needs.
func listWatch(client dynamic.Interface, gvr schema.GroupVersionResource, calls *listCalls) *cache.ListWatch {
	resource := client.Resource(gvr)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			if opts.Continue == "" { // a new LIST, not the next page of one
				calls.lists.Add(1)
				calls.lastFetch.Store(time.Now().UnixNano())
			}
			return resource.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			stream := opts.SendInitialEvents != nil && *opts.SendInitialEvents
			if stream {
				calls.streams.Add(1)
				calls.lastFetch.Store(time.Now().UnixNano())
			}
			w, err := resource.Watch(ctx, opts)
			if !calls.armed.Load() {
				return w, err // the measured path: nothing added
			}
			if isGone(err) {
				calls.sawGone(err)
			}
			if err != nil || stream {
				return w, err
			}
			return countGone(w, calls), nil
		},
	}
}

func isGone(err error) bool {
	return err != nil && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err))
}

// goneWatch hands a resumed watch's events on unchanged and counts the 410 Gone ("too old
// resource version") errors among them: proof that a relist was the apiserver's answer, not
// a reaction to some other failure. Used only after the relist command, off the measured path.
type goneWatch struct {
	inner watch.Interface
	out   chan watch.Event
	done  chan struct{}
	once  sync.Once
}

func countGone(inner watch.Interface, calls *listCalls) watch.Interface {
	w := &goneWatch{inner: inner, out: make(chan watch.Event), done: make(chan struct{})}
	go func() {
		defer close(w.out)
		for event := range inner.ResultChan() {
			if event.Type == watch.Error {
				if err := apierrors.FromObject(event.Object); isGone(err) {
					calls.sawGone(err)
				}
			}
			select {
			case w.out <- event:
			case <-w.done:
				return
			}
		}
	}()
	return w
}

func (w *goneWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *goneWatch) Stop() {
	w.once.Do(func() {
		close(w.done)
		w.inner.Stop()
	})
}

// dropManagedFields is the transform crscope applies too: managedFields are most of a
// small object's bytes and a dashboard's cache has no use for them.
func dropManagedFields(obj any) (any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.SetManagedFields(nil)
	}
	return obj, nil
}

// useListMode sets client-go's WatchListClient gate before anything reads it (the gates
// read the environment once) and checks that it took.
func useListMode(mode string) error {
	want := map[string]string{"stream": "true", "paged": "false"}[mode]
	if want == "" {
		return fmt.Errorf("-list-mode must be stream or paged, not %q", mode)
	}
	os.Setenv("KUBE_FEATURE_WatchListClient", want)
	if got := clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient); got != (want == "true") {
		return fmt.Errorf("WatchListClient gate is %v, want %s", got, want)
	}
	return nil
}

// keptManagedFields counts cached objects that still carry managedFields; read once after
// the timed sync, to prove the transform ran.
func keptManagedFields(store cache.Store) int {
	kept := 0
	for _, obj := range store.List() {
		if u, ok := obj.(*unstructured.Unstructured); ok && len(u.GetManagedFields()) > 0 {
			kept++
		}
	}
	return kept
}

func main() {
	o := parseFlags()
	if o.replay != "" {
		runReplay(o)
		return
	}
	if err := useListMode(o.listMode); err != nil {
		fail(err)
	}
	config, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		fail(err)
	}
	config.QPS, config.Burst = 1000, 1000
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		fail(err)
	}
	settle()
	emit("ready", map[string]any{"list_mode": o.listMode})

	var updates, adds atomic.Int64
	var synced atomic.Bool
	// allAdded is closed by the handler that delivers the -expect'th add: the sync wait
	// blocks on it instead of polling the store.
	allAdded := make(chan struct{})
	var closeOnce sync.Once
	stop := make(chan struct{})
	var store cache.Store
	calls := &listCalls{}
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		switch strings.TrimSpace(commands.Text()) {
		case "sync":
			started := time.Now()
			informer := cache.NewSharedIndexInformer(
				listWatch(client, o.gvr, calls), &unstructured.Unstructured{}, 0, cache.Indexers{},
			)
			if err := informer.SetTransform(dropManagedFields); err != nil {
				fail(err)
			}
			_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc: func(any) {
					if adds.Add(1) >= int64(o.expect) {
						closeOnce.Do(func() { close(allAdded) })
					}
				},
				UpdateFunc: func(any, any) {
					if synced.Load() {
						updates.Add(1)
					}
				},
			})
			if err != nil {
				fail(err)
			}
			store = informer.GetStore()
			go informer.Run(stop)
			timeout := time.After(o.timeout)
			select {
			case <-allAdded:
			case <-timeout:
				fail(fmt.Errorf("not synced after %s: %d objects added", o.timeout, adds.Load()))
			}
			// Handlers run behind the informer's queue, so by now HasSynced (an O(1) read)
			// is normally already true; a short wait covers the rare other order.
			for !informer.HasSynced() {
				select {
				case <-timeout:
					fail(fmt.Errorf("HasSynced still false after %s", o.timeout))
				case <-time.After(time.Millisecond):
				}
			}
			elapsed := time.Since(started).Seconds()
			synced.Store(true)
			peak := procStatusKB("VmHWM")
			kept := keptManagedFields(store)
			settle()
			emit("synced", map[string]any{
				"sync_s": elapsed, "objects": len(store.ListKeys()), "peak_sync_kb": peak,
				"adds": adds.Load(), "list_mode": calls.mode(), "managed_fields_kept": kept,
				"sync_wait": "HasSynced+handler-count", "polls_list_keys": false,
			})
		case "count":
			// No object count here: ListKeys is O(n) and this is polled during the load.
			emit("count", map[string]any{"events": updates.Load()})
		case "relist":
			relisted(o, store, calls, &updates)
		case "quit":
			close(stop)
			emit("bye", map[string]any{"events": updates.Load()})
			return
		}
	}
}

// relisted answers the relist command: "armed" at once, then "relisted" when a fetch begun
// after the command has gone through the informer. A relist's Replace hands every object
// to the handlers as an update (unchanged objects too: a handler added without a resync
// period still counts as syncing), and nothing else writes meanwhile, so the fetch is
// through once -expect updates arrived since the command. The peak RSS in the answer is
// the one since the harness reset it.
func relisted(o options, store cache.Store, calls *listCalls, updates *atomic.Int64) {
	if store == nil {
		fail(fmt.Errorf("relist before sync"))
	}
	objects := len(store.ListKeys())
	fetches, gone, before := calls.fetches(), calls.gone.Load(), updates.Load()
	calls.armed.Store(true)
	settle() // the harness resets the peak RSS to this settled RSS
	emit("armed", map[string]any{"objects": objects})
	deadline := time.Now().Add(o.timeout)
	for calls.fetches() == fetches || updates.Load()-before < int64(o.expect) {
		if time.Now().After(deadline) {
			fail(fmt.Errorf("no relist within %s: %d fetches, %d 410s, %d updates since the command",
				o.timeout, calls.fetches()-fetches, calls.gone.Load()-gone, updates.Load()-before))
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := time.Now()
	emit("relisted", map[string]any{
		"relist_s":   done.Sub(time.Unix(0, calls.lastFetch.Load())).Seconds(),
		"objects":    len(store.ListKeys()),
		"lists":      calls.fetches() - fetches,
		"gone":       calls.gone.Load() - gone,
		"last_error": calls.lastGone.Load(),
	})
	calls.armed.Store(false)
}
