// Package signals receives Lusha's webhook deliveries (signals and opt-outs) into
// the state store's durable inbox before acknowledging them, and applies them from
// there.
//
// The Receiver verifies each delivery (signature over the raw body, timestamp
// tolerance, replay) and stores it in one transaction before answering; the
// Processor, a goroutine its owner runs, takes what is received in order after the
// ack, so that a crash between the two loses nothing and a retried delivery is
// applied once. An opt-out erases and suppresses the person (as `leadsync forget`);
// a contact or company signal is recorded (state.InboxRecorded) for the acting
// on it, which is not done here.
//
// The Manager keeps Lusha's signal subscriptions to the people and companies the
// pipelines enriched, reconciling from Lusha's list within the webhooks API's pace.
package signals
