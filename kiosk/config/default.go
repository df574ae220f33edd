package config

import (
	_ "embed"
	"fmt"
)

// defaultTOML is the simulated lobby's configuration; it doubles as the
// commented example staff copy.
//
//go:embed default.toml
var defaultTOML []byte

// Default is the built-in configuration of the simulated lobby. A test
// guarantees it validates, hence the panic.
func Default() *Config {
	c, err := Parse(defaultTOML, "(built-in default.toml)")
	if err != nil {
		panic(fmt.Sprintf("config: built-in default does not validate:\n%v", err))
	}
	return c
}

// DefaultTOML is the text of the built-in configuration, comments included.
func DefaultTOML() []byte { return append([]byte(nil), defaultTOML...) }

// Load reads and parses the configuration file at path; "" means the
// built-in default.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}
