// Package account holds the accounts a process keeps for its whole life: Lusha and each CRM.
// A reload changes their settings in place; single flight and budgets span all pipelines.
package account
