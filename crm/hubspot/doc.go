// Package hubspot is the HubSpot CRM v3 adapter: it reads changed records through the
// search API in (time window, hs_object_id) order, writes patches in batches and reads
// property metadata, classifying every HTTP outcome once into a crm.Class.
//
// The client never retries and never logs; the connector owns both. Its fake lives in
// hubspottest.
package hubspot
