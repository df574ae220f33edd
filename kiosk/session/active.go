package session

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// ActiveIn says whether a session directory exists under root: a resident's
// visit is under way (or was cut short and awaits Recover). Software updates
// wait for it to end.
func ActiveIn(root string) (bool, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), dirPrefix) {
			return true, nil
		}
	}
	return false, nil
}
