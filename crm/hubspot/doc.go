// Package hubspot is the HubSpot CRM v3 adapter: it reads changed contacts, leads or
// companies through the search API in (time window, hs_object_id) order, writes
// patches in batches, reads property metadata, offers crm.Companies (a person's
// primary company through the v4 associations, companies by domain, creating and
// linking them), and classifies every HTTP outcome once into a crm.Class.
//
// It authenticates with a private-app token or OAuth 2.0 (WithOAuth), and paces its
// own requests to the account's limits (WithTier, WithLimits, adapted to the
// rate-limit headers) so that a sync does not provoke 429s. It never retries a failed
// call and never logs; the connector owns both. Its fake lives in hubspottest.
package hubspot
