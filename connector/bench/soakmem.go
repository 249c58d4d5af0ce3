package bench

import (
	"math"
	"runtime"
	"runtime/metrics"
	"strings"
)

// The soak's fakes run in the daemon's process, so RSS counts both. The Go heap can
// be told apart by who allocated it: what the fakes' code allocated (their records,
// query snapshots, charge logs) is theirs, the rest the daemon's.
var fakePackages = []string{
	"/crm/hubspot/hubspottest.",
	"/crm/salesforce/salesforcetest.",
	"/lusha/lushatest.",
	"/connector/sandbox.",
}

// goMemory reads the Go heap found live by the last GC and the memory the Go
// runtime holds of the OS (all it mapped less what it released): RSS less the
// latter is mostly C, SQLite's page caches.
func goMemory() (heapLive, held int64) {
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(m)
	v := func(i int) int64 {
		if m[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(m[i].Value.Uint64())
	}
	return v(0), v(1) - v(2)
}

// heapByOwner estimates the heap in use at the last GC that the fakes allocated,
// and the rest, from the heap profile (sampled allocations, scaled as pprof does).
func heapByOwner() (daemon, fakes int64) {
	var recs []runtime.MemProfileRecord
	for n, ok := runtime.MemProfile(nil, false); ; n, ok = runtime.MemProfile(recs, false) {
		if ok && recs != nil {
			recs = recs[:n]
			break
		}
		recs = make([]runtime.MemProfileRecord, n+50)
	}
	rate := float64(runtime.MemProfileRate)
	for i := range recs {
		r := &recs[i]
		inUse := r.InUseBytes()
		if inUse <= 0 || r.AllocObjects == 0 {
			continue
		}
		avg := float64(r.AllocBytes) / float64(r.AllocObjects)
		est := int64(float64(inUse) / (1 - math.Exp(-avg/rate)))
		if byFake(r.Stack()) {
			fakes += est
		} else {
			daemon += est
		}
	}
	return daemon, fakes
}

func byFake(stack []uintptr) bool {
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		for _, p := range fakePackages {
			if strings.Contains(f.Function, p) {
				return true
			}
		}
		if !more {
			return false
		}
	}
}
