// Package crmtest is the conformance suite every CRM adapter passes against its fake:
// incremental reads that hand out each change exactly once, writes that read back,
// partial failures per record and per field, and schemas that show what was seeded.
//
// An adapter's test implements Harness over its fake and calls RunAdapterTests.
package crmtest
