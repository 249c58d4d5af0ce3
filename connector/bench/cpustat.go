package bench

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's CPU times since boot, in clock ticks, all CPUs together.
type cpuTimes struct{ busy, total uint64 }

// machineCPU reads the "cpu" line of /proc/stat; zero where there is none (not Linux).
func machineCPU() cpuTimes {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	defer f.Close()
	return parseProcStat(f)
}

// parseProcStat reads "cpu  user nice system idle iowait irq softirq steal ...": idle
// and iowait are idle, the rest up to steal busy (guest time is already in user).
func parseProcStat(r io.Reader) cpuTimes {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || fields[0] != "cpu" {
			continue
		}
		var t cpuTimes
		for i, s := range fields[1:9] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return cpuTimes{}
			}
			t.total += v
			if i != 3 && i != 4 { // idle, iowait
				t.busy += v
			}
		}
		return t
	}
	return cpuTimes{}
}

// busyShare is the share of the machine's CPU time busy between t and later: 1 is
// every CPU busy all the time; 0 when unknown.
func (t cpuTimes) busyShare(later cpuTimes) float64 {
	if later.total <= t.total {
		return 0
	}
	return float64(later.busy-t.busy) / float64(later.total-t.total)
}
