// Command clientgo-bench is the client-go contender of crscope's informer benchmark.
//
// Why it exists: the Python engine's numbers only mean something next to the reference
// implementation, measured on the same apiserver and the same objects. It runs a plain
// dynamic shared informer (what a generic CR dashboard written in Go would use) and speaks
// the harness's line protocol on stdin/stdout:
//
//	-> {"msg":"ready",...}            after the client is built, before any list
//	<- sync                          start the informer, wait until -expect objects are cached
//	-> {"msg":"synced",...}          sync time, peak and settled RSS
//	<- count                         how many update events arrived since the sync
//	-> {"msg":"count",...}
//	<- quit
//	-> {"msg":"bye",...}
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type options struct {
	kubeconfig string
	gvr        schema.GroupVersionResource
	expect     int
	timeout    time.Duration
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "admin kubeconfig")
	flag.StringVar(&o.gvr.Group, "group", "", "API group")
	flag.StringVar(&o.gvr.Version, "version", "v1", "API version")
	flag.StringVar(&o.gvr.Resource, "resource", "", "plural resource name")
	flag.IntVar(&o.expect, "expect", 0, "objects to wait for")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "sync timeout")
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
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(time.Second)
}

func fail(err error) {
	emit("error", map[string]any{"error": err.Error()})
	os.Exit(1)
}

func main() {
	o := parseFlags()
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
	emit("ready", map[string]any{})

	var updates, adds atomic.Int64
	var synced atomic.Bool
	stop := make(chan struct{})
	var store cache.Store
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		switch strings.TrimSpace(commands.Text()) {
		case "sync":
			started := time.Now()
			factory := dynamicinformer.NewDynamicSharedInformerFactory(client, 0)
			informer := factory.ForResource(o.gvr).Informer()
			_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc: func(any) { adds.Add(1) },
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
			factory.Start(stop)
			deadline := started.Add(o.timeout)
			for !informer.HasSynced() || len(store.ListKeys()) < o.expect {
				if time.Now().After(deadline) {
					fail(fmt.Errorf("not synced after %s: %d objects", o.timeout, len(store.ListKeys())))
				}
				time.Sleep(5 * time.Millisecond)
			}
			elapsed := time.Since(started).Seconds()
			synced.Store(true)
			peak := procStatusKB("VmHWM")
			settle()
			emit("synced", map[string]any{
				"sync_s": elapsed, "objects": len(store.ListKeys()), "peak_sync_kb": peak,
				"adds": adds.Load(),
			})
		case "count":
			// No object count here: ListKeys is O(n) and this is polled during the load.
			emit("count", map[string]any{"events": updates.Load()})
		case "quit":
			close(stop)
			emit("bye", map[string]any{"events": updates.Load()})
			return
		}
	}
}
