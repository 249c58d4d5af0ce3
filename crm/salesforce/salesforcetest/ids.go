package salesforcetest

import "strings"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Key prefixes of the objects the fake knows.
const (
	prefixLead    = "00Q"
	prefixContact = "003"
	prefixAccount = "001"
	prefixUser    = "005"
	prefixOrg     = "00D"
	prefixQueue   = "00G"
	prefixLocator = "01g"
)

// makeID builds an 18-char id: prefix, pod "5e0", a base62 counter, and the checksum.
// Counters are zero-padded, so ids of one prefix sort in creation order both as strings
// and as numbers, as Salesforce's sequential ids do.
func makeID(prefix string, n uint64) string {
	digits := make([]byte, 9)
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = base62[n%62]
		n /= 62
	}
	id15 := prefix + "5e0" + string(digits)
	return id15 + checksum(id15)
}

// checksum computes the three characters that make a 15-char id case-insensitive: for
// each chunk of five characters, bit i is set when character i is upper case.
func checksum(id15 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	var out [3]byte
	for chunk := range 3 {
		v := 0
		for i := range 5 {
			c := id15[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				v |= 1 << i
			}
		}
		out[chunk] = alphabet[v]
	}
	return string(out[:])
}

// normalizeID turns a 15- or 18-char id into its 18-char form; ok is false for anything
// that is not an id. An 18-char id is case-insensitive: its checksum restores the case
// of the first 15 characters.
func normalizeID(s string) (string, bool) {
	if len(s) != 15 && len(s) != 18 {
		return "", false
	}
	for i := range len(s) {
		if !strings.ContainsRune(base62, rune(s[i])) {
			return "", false
		}
	}
	if len(s) == 15 {
		return s + checksum(s), true
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	b := []byte(s[:15])
	for chunk := range 3 {
		v := strings.IndexByte(alphabet, upper(s[15+chunk]))
		if v < 0 {
			return "", false
		}
		for i := range 5 {
			c := &b[chunk*5+i]
			if v&(1<<i) != 0 {
				*c = upper(*c)
			} else if *c >= 'A' && *c <= 'Z' {
				*c += 'a' - 'A'
			}
		}
	}
	return string(b) + checksum(string(b)), true
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
