// Package account holds the process's long-lived accounts: Lusha (client, limiter, breaker, budget, single flight) and
// each CRM (adapter behind its breaker), kept across config reloads and changed in place (DESIGN §4, §9a).
package account
