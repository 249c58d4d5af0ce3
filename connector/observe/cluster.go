package observe

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ClusterFigures are what every replica of a cluster reads from the shared
// PostgreSQL at scrape time, so that each replica's /metrics shows the whole cluster.
type ClusterFigures struct {
	Replica      string                    // this replica
	Leader       string                    // the replica that leads; "" while none
	TickJobs     map[string]int            // tick jobs by River state (available, running, ...)
	Parked       map[string]map[string]int // pipeline → error class → parked records
	CreditsToday int                       // Lusha credits every replica spent today (UTC)
}

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

// clusterCollector reads ClusterFigures on each scrape.
type clusterCollector struct {
	read                                     func(context.Context) (ClusterFigures, error)
	leader, isLeader, ticks, parked, credits *prometheus.Desc
	errors                                   prometheus.Counter
}

// WatchCluster makes /metrics carry the cluster's figures, read by read at each scrape.
func (m *Metrics) WatchCluster(read func(context.Context) (ClusterFigures, error)) {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "cluster", name), help, labels, nil)
	}
	c := &clusterCollector{read: read,
		leader:   desc("leader", "1 for the replica that leads the cluster (enqueues the ticks), as this replica reads it.", "replica"),
		isLeader: desc("replica_is_leader", "1 when this replica leads the cluster, else 0.", "replica"),
		ticks:    desc("tick_jobs", "The cluster's pipeline tick jobs by River state.", "state"),
		parked:   desc("parked_records", "Records parked in the cluster's retry queue, by pipeline and error class.", "pipeline", "class"),
		credits:  desc("credits_spent_today", "Lusha credits every replica together spent today (UTC)."),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "cluster",
			Name: "scrape_errors_total", Help: "Scrapes whose read of the cluster's figures failed."}),
	}
	m.registry.MustRegister(c, c.errors)
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.leader, c.isLeader, c.ticks, c.parked, c.credits} {
		ch <- d
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	f, err := c.read(ctx)
	if err != nil {
		c.errors.Inc()
		return // absent series, and the counter says why
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if f.Leader != "" {
		gauge(c.leader, 1, f.Leader)
	}
	isLeader := 0.0
	if f.Leader != "" && f.Leader == f.Replica {
		isLeader = 1
	}
	gauge(c.isLeader, isLeader, f.Replica)
	for state, n := range f.TickJobs {
		gauge(c.ticks, float64(n), state)
	}
	for pipeline, byClass := range f.Parked {
		for class, n := range byClass {
			gauge(c.parked, float64(n), pipeline, classLabel(class, "none"))
		}
	}
	gauge(c.credits, float64(f.CreditsToday))
}
