package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// UnmarshalText reads "90s", "2m" or "1h30m" (spaces are ignored, so
// "1h 30m" works too). A bare number is refused: 90 what?
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.Join(strings.Fields(string(b)), "")
	if s != "" && s != "0" && strings.Trim(s, "0123456789.") == "" {
		return fmt.Errorf("%q has no unit (write e.g. \"90s\", \"2m\" or \"1h30m\")", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (write e.g. \"90s\", \"2m\" or \"1h30m\")", b)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative (write a duration such as \"90s\")", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration the way UnmarshalText reads it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Byte multiples. MB and KB are decimal, as file sizes are shown to residents
// and as websites state their limits; MiB and KiB are there for the few sites
// that mean 1024.
const (
	KB  Size = 1000
	MB  Size = 1000 * KB
	GB  Size = 1000 * MB
	KiB Size = 1024
	MiB Size = 1024 * KiB
	GiB Size = 1024 * MiB
)

// sizeUnits maps a lowercased unit to its multiple. The French "o" (octet)
// spellings are there because that is what staff read on French websites.
var sizeUnits = map[string]Size{
	"": 1, "b": 1, "o": 1, "byte": 1, "bytes": 1,
	"kb": KB, "ko": KB, "mb": MB, "mo": MB, "gb": GB, "go": GB,
	"kib": KiB, "kio": KiB, "mib": MiB, "mio": MiB, "gib": GiB, "gio": GiB,
}

// UnmarshalText reads "5 MB", "5MB", "1.5 MB", "800 KB", "2 MiB" or a plain
// byte count such as "5000000".
func (s *Size) UnmarshalText(b []byte) error {
	text := strings.TrimSpace(string(b))
	bad := fmt.Errorf("%q is not a size (write e.g. \"5 MB\")", b)
	if strings.HasPrefix(text, "-") {
		return fmt.Errorf("%q is negative (write a size such as \"5 MB\")", b)
	}
	// Only digits with one optional decimal point: ParseFloat alone would
	// also take "1e9", "inf" or hexadecimal.
	end := 0
	dots := 0
	for end < len(text) && (text[end] >= '0' && text[end] <= '9' || text[end] == '.') {
		if text[end] == '.' {
			dots++
		}
		end++
	}
	num, unitText := text[:end], strings.ToLower(strings.TrimSpace(text[end:]))
	unit, ok := sizeUnits[unitText]
	if num == "" || num == "." || dots > 1 || !ok {
		return bad
	}
	if dots == 0 {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) {
			return fmt.Errorf("%q is too large (write e.g. \"5 MB\")", b)
		}
		*s = Size(n) * unit
		return nil
	}
	if unit == 1 {
		return fmt.Errorf("%q is not a whole number of bytes (write e.g. \"5 MB\")", b)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return bad
	}
	f = math.Round(f * float64(unit))
	if f >= math.MaxInt64 {
		return fmt.Errorf("%q is too large (write e.g. \"5 MB\")", b)
	}
	*s = Size(f)
	return nil
}

// MarshalText writes the size exactly, in the largest unit that divides it.
func (s Size) MarshalText() ([]byte, error) {
	for _, u := range []struct {
		size Size
		name string
	}{{GB, "GB"}, {MB, "MB"}, {KB, "KB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if s != 0 && s%u.size == 0 {
			return []byte(fmt.Sprintf("%d %s", s/u.size, u.name)), nil
		}
	}
	return []byte(strconv.FormatInt(int64(s), 10)), nil
}

// String says the size in plain words, rounded to one decimal: "5 MB",
// "800 KB", "1.5 MB", "312 bytes".
func (s Size) String() string {
	if s < KB {
		return fmt.Sprintf("%d bytes", int64(s))
	}
	v, unit := float64(s)/float64(KB), "KB"
	// 999 999 bytes would round to "1000 KB": say "1 MB" instead.
	if math.Round(v*10)/10 >= 1000 {
		v, unit = float64(s)/float64(MB), "MB"
	}
	if math.Round(v*10)/10 >= 1000 {
		v, unit = float64(s)/float64(GB), "GB"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " " + unit
}
