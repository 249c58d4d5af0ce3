package config

import (
	"fmt"

	"github.com/robfig/cron/v3"
)

var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron spec or descriptor (@every 5m, @hourly). The cron parser
// panics on some malformed zone prefixes (robfig/cron#470), so the panic becomes an error.
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("schedule %s is malformed", quote(spec))
		}
	}()
	s, err = scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %s", quote(spec), excerpt(err.Error(), maxValue/2)) // cron repeats the spec
	}
	return s, nil
}
