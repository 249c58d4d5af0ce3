// Package connector is leadsync's daemon: it wires a config into an engine (store,
// accounts, pipelines), runs pipelines on their schedules, reloads and shuts down.
//
// One run is connector/run; how each error class is met is connector/react.
package connector
