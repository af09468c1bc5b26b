// The event ceiling: client-go's informer fed a recorded watch stream as fast as it reads.
//
// Why a replay: on two cores the apiserver cannot write events as fast as an informer can
// consume them, so a ceiling measured against it is the apiserver's, not the informer's.
// The harness records a real LIST and a real watch stream once (benchmarks/ceiling.py),
// then gives the same bytes to each contender. Here they go through a fake ListerWatcher
// into a plain shared informer, decoded by the code path the dynamic client's watches use
// (JSON frames, a WatchEvent envelope, an unstructured object), with the same transform
// as in the sync benchmark. crscope gets the same bytes through its ListerWatcher seam
// (benchmarks/crscope_replay.py). The harness pins each to one core with taskset.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	restclientwatch "k8s.io/client-go/rest/watch"
	"k8s.io/client-go/tools/cache"
)

// envelopes decodes the {"type","object"} envelope of each watch event, as the dynamic
// client's stream serializer does (a JSON serializer over a scheme that knows WatchEvent).
var envelopes = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	return jsonserializer.NewSerializerWithOptions(
		jsonserializer.DefaultMetaFactory, scheme, scheme, jsonserializer.SerializerOptions{},
	)
}()

// recordedWatch turns recorded watch bytes into a watch.Interface the way client-go's REST
// client turns a response body into one.
func recordedWatch(data []byte) watch.Interface {
	frames := jsonserializer.Framer.NewFrameReader(io.NopCloser(bytes.NewReader(data)))
	decoder := restclientwatch.NewDecoder(
		streaming.NewDecoder(frames, envelopes), unstructured.UnstructuredJSONScheme,
	)
	reporter := apierrors.NewClientErrorReporter(http.StatusInternalServerError, "GET", "ClientWatchDecoding")
	return watch.NewStreamWatcher(decoder, reporter)
}

// replaySource lists the recorded LIST and serves the recorded stream on the first watch,
// once start is closed; later watches (after the stream's end) are quiet.
type replaySource struct {
	list, stream []byte
	start        chan struct{}
	served       atomic.Bool
}

func (r *replaySource) listWatch() *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			obj, _, err := unstructured.UnstructuredJSONScheme.Decode(r.list, nil, nil)
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if r.served.Swap(true) {
				return watch.NewFake(), nil
			}
			select {
			case <-r.start:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return recordedWatch(r.stream), nil
		},
	}
}

// runReplay syncs the recorded LIST (untimed), then times the recorded stream from the
// moment it is released to the handler call of its last event.
func runReplay(o options) {
	if err := useListMode("paged"); err != nil { // one LIST, as crscope's replay does
		fail(err)
	}
	list, err := os.ReadFile(filepath.Join(o.replay, "list.json"))
	if err != nil {
		fail(err)
	}
	stream, err := os.ReadFile(filepath.Join(o.replay, "watch.ndjson"))
	if err != nil {
		fail(err)
	}
	source := &replaySource{list: list, stream: stream, start: make(chan struct{})}
	informer := cache.NewSharedIndexInformer(
		source.listWatch(), &unstructured.Unstructured{}, 0, cache.Indexers{},
	)
	if err := informer.SetTransform(dropManagedFields); err != nil {
		fail(err)
	}
	var adds, events atomic.Int64
	allAdded, allEvents := make(chan struct{}), make(chan struct{})
	var addedOnce, eventsOnce sync.Once
	var released atomic.Bool
	event := func() {
		if released.Load() && events.Add(1) >= int64(o.expectEvents) {
			eventsOnce.Do(func() { close(allEvents) })
		}
	}
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) {
			if released.Load() {
				event()
			} else if adds.Add(1) >= int64(o.expect) {
				addedOnce.Do(func() { close(allAdded) })
			}
		},
		UpdateFunc: func(any, any) { event() },
		DeleteFunc: func(any) { event() },
	})
	if err != nil {
		fail(err)
	}
	stop := make(chan struct{})
	go informer.Run(stop)
	timeout := time.After(o.timeout)
	select {
	case <-allAdded:
	case <-timeout:
		fail(fmt.Errorf("replay: not synced after %s: %d objects added", o.timeout, adds.Load()))
	}
	for !informer.HasSynced() {
		time.Sleep(time.Millisecond)
	}
	settle()
	emit("synced", map[string]any{"objects": adds.Load(), "gomaxprocs": goruntime.GOMAXPROCS(0)})
	cpu0, started := cpuSeconds(), time.Now()
	released.Store(true)
	close(source.start)
	select {
	case <-allEvents:
	case <-timeout:
		fail(fmt.Errorf("replay: %d of %d events after %s", events.Load(), o.expectEvents, o.timeout))
	}
	elapsed, cpu := time.Since(started).Seconds(), cpuSeconds()-cpu0
	emit("replayed", map[string]any{
		"events": events.Load(), "seconds": elapsed, "replay_cpu_s": cpu,
		"events_per_s": float64(events.Load()) / elapsed, "gomaxprocs": goruntime.GOMAXPROCS(0),
		"stream_bytes": len(stream),
	})
	close(stop)
}
