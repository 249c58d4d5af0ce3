package state

import "testing"

func TestDollarPlaceholders(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`a = ?1 OR ?1 = '' AND b = ?2`, `a = $1 OR $1 = '' AND b = $2`},
		{`VALUES (?1, ?2, ?3) WHERE x <= ?4`, `VALUES ($1, $2, $3) WHERE x <= $4`},
		{`a = ?2 AND b = ?`, `a = $2 AND b = $3`}, // a bare ? follows the largest number, as in SQLite
		{`a = '?' AND b = ? AND c = 'it''s ?'`, `a = '?' AND b = $1 AND c = 'it''s ?'`},
		{`x IN (?, ?, ?)`, `x IN ($1, $2, $3)`},
	}
	for _, tt := range tests {
		if got := dollarPlaceholders(tt.in); got != tt.want {
			t.Errorf("dollarPlaceholders(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
