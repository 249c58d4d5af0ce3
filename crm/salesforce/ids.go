package salesforce

import "strings"

const checksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// canonicalID is the 18-char form of a 15- or 18-char id (checked by idSyntax). A
// 15-char id is case-sensitive; an 18-char one is not, and its last three characters
// restore the case of the first fifteen. Two spellings name one record exactly when
// their canonical forms are equal.
func canonicalID(id string) string {
	b := []byte(id[:15])
	if len(id) == 18 {
		for chunk := range 3 {
			bits := strings.IndexByte(checksumAlphabet, upper(id[15+chunk]))
			for i := range 5 {
				c := &b[chunk*5+i]
				if bits >= 0 && bits&(1<<i) != 0 {
					*c = upper(*c)
				} else if *c >= 'A' && *c <= 'Z' {
					*c += 'a' - 'A'
				}
			}
		}
	}
	return string(b) + checksum(b)
}

func checksum(id15 []byte) string {
	var out [3]byte
	for chunk := range 3 {
		v := 0
		for i := range 5 {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				v |= 1 << i
			}
		}
		out[chunk] = checksumAlphabet[v]
	}
	return string(out[:])
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
