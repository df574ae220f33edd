package system

import (
	"fmt"
	"os"
	"strings"
)

// unitFile is the [Service] section of an installed unit, read the way
// systemd reads it, for running its commands where systemd is not PID 1.
type unitFile map[string][]string

func readUnit(path string) (unitFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u, section := unitFile{}, ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = line
		case section == "[Service]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("%s: %q is not KEY=VALUE", path, line)
			}
			u[k] = append(u[k], v)
		}
	}
	return u, nil
}

// one is the only value of key.
func (u unitFile) one(key string) string {
	if v := u[key]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// environment is what Environment= and EnvironmentFile= set (the files
// read now, as systemd reads them just before each command).
func (u unitFile) environment() (map[string]string, error) {
	env := map[string]string{}
	for _, v := range u["Environment"] {
		for _, kv := range strings.Fields(v) {
			k, val, _ := strings.Cut(kv, "=")
			env[k] = val
		}
	}
	for _, f := range u["EnvironmentFile"] {
		optional := strings.HasPrefix(f, "-")
		data, err := os.ReadFile(strings.TrimPrefix(f, "-"))
		if err != nil {
			if optional {
				continue
			}
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
				continue
			}
			k, val, _ := strings.Cut(line, "=")
			env[k] = strings.Trim(val, `"`)
		}
	}
	return env, nil
}

// command splits an Exec line as systemd does for these units: its prefix
// ("+", "-"…) apart, "$VAR" as a word becomes the variable's words, "${VAR}"
// its value.
func command(line string, env map[string]string) (prefix string, argv []string) {
	rest := strings.TrimLeft(line, "+-!@:")
	prefix = line[:len(line)-len(rest)]
	for _, w := range strings.Fields(rest) {
		if strings.HasPrefix(w, "$") && !strings.HasPrefix(w, "${") {
			argv = append(argv, strings.Fields(env[w[1:]])...)
			continue
		}
		argv = append(argv, os.Expand(w, func(k string) string { return env[k] }))
	}
	return prefix, argv
}
