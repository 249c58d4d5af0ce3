package mapping

import (
	"strings"
)

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// closeEnough bounds how far a typo may be from what was meant: short words allow one
// or two edits, longer ones about a third of their length.
func closeEnough(word string, distance int) bool {
	return distance <= max(2, len(word)/3)
}

// likeness scores how far candidate c is from word (lower is closer): the edit distance
// ignoring case, except that a shared prefix nearly as long as the shorter word
// ("employees" → "employeeCount", "isEu" → "isEuContact") counts as one edit.
func likeness(word, c string) int {
	lw, lc := strings.ToLower(word), strings.ToLower(c)
	d := editDistance(lw, lc)
	common := 0
	for common < len(lw) && common < len(lc) && lw[common] == lc[common] {
		common++
	}
	if common >= 4 && common >= min(len(lw), len(lc))-1 {
		d = min(d, 1)
	}
	return d
}

// Nearest returns the candidate closest to word (by likeness, then with case, then
// earliest), or "" when none is close enough to be a likely typo. The config loader
// uses it too, so that every "did you mean" in leadsync reads the same.
func Nearest(word string, candidates []string) string {
	best, bestFold, bestExact := "", -1, -1
	for _, c := range candidates {
		fold, exact := likeness(word, c), editDistance(word, c)
		if bestFold < 0 || fold < bestFold || fold == bestFold && exact < bestExact {
			best, bestFold, bestExact = c, fold, exact
		}
	}
	if bestFold < 0 || !closeEnough(word, bestFold) {
		return ""
	}
	return best
}

// didYouMean formats a suggestion suffix, or "" without one.
func didYouMean(word string, candidates []string) string {
	if s := Nearest(word, candidates); s != "" {
		return ", did you mean " + s + "?"
	}
	return ""
}
