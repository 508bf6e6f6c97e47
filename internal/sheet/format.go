package sheet

import (
	"strconv"
)

// sizeName writes a byte count for a person: 1 MiB, 256 MiB, 64 KiB, 500 bytes.
func sizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return count(int(n>>20)) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return count(int(n>>10)) + " KiB"
	}
	return count(int(n)) + " bytes"
}

// count writes a number with thousands separators: 5,000,000.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
