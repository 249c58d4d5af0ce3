//go:build unix

package bench

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// usageOf reads ru_maxrss and the CPU times of a finished child.
func usageOf(ps *os.ProcessState) (usage, error) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return usage{}, fmt.Errorf("bench: no resource usage of the child on %s", runtime.GOOS)
	}
	rss := int64(ru.Maxrss) * 1024 // Linux reports KiB
	if runtime.GOOS == "darwin" {
		rss = int64(ru.Maxrss) // bytes there
	}
	return usage{PeakRSS: rss, MaxRSS: rss, CPU: ps.UserTime() + ps.SystemTime()}, nil
}
