//go:build !unix

package bench

import (
	"fmt"
	"os"
	"runtime"
)

// usageOf: peak resident memory of a child is read from getrusage, which only Unix has.
func usageOf(*os.ProcessState) (usage, error) {
	return usage{}, fmt.Errorf("bench: peak memory of a child cannot be read on %s", runtime.GOOS)
}
