// Package pictos holds the pictograms shown beside every action and service
// (SVG, one file each), so config can check a name and the ui can draw it.
package pictos

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed svg/*.svg
var files embed.FS

// Names lists the pictograms by name (the file name without .svg).
func Names() []string {
	entries, _ := fs.ReadDir(files, "svg")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".svg"))
	}
	sort.Strings(names)
	return names
}

// Has tells whether a pictogram of that name exists.
func Has(name string) bool {
	_, err := fs.Stat(files, "svg/"+name+".svg")
	return err == nil
}

// SVG returns a pictogram's SVG source.
func SVG(name string) ([]byte, error) { return files.ReadFile("svg/" + name + ".svg") }

// Ink is the pictograms' dark line colour, which a theme may swap for another.
const Ink = "#1d3557"
