package bench

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
)

// ownPeakRSS is the peak resident memory of this process's own address space, in
// bytes: VmHWM of /proc/self/status, 0 where there is none (not Linux).
//
// The parent's ru_maxrss of a child is not that on Linux: Go starts children with
// clone(CLONE_VM|CLONE_VFORK), so until exec the child runs in the parent's address
// space, and exec folds that space's high-water mark into the child's maxrss. The
// child's ru_maxrss is then at least the parent's peak, and the parent holds the
// fakes, whose world grows with N: at 10×N that, not leadsync, was the "spike".
func ownPeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseVmHWM(f)
}

// parseVmHWM reads the "VmHWM:   1234 kB" line of a /proc status file.
func parseVmHWM(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}
