package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"borne/kiosk/atomicfile"
)

// LastGoodFile is the copy of the last valid configuration, in the state dir.
const LastGoodFile = "last-good.toml"

// LoadOrLastGood loads path; when it is valid, a copy goes to
// stateDir/last-good.toml. When it is not (unreadable or invalid), every
// problem is logged, the last good copy is loaded instead, and fellBack says
// why, so staff can be told. err is set only when there is no usable
// configuration at all: the kiosk must not start half-configured. path ""
// means the built-in default; stateDir "" disables the last good copy.
func LoadOrLastGood(path, stateDir string, log *slog.Logger) (cfg *Config, fellBack error, err error) {
	if path == "" {
		return Default(), nil, nil
	}
	data, loadErr := readFile(path)
	if loadErr == nil {
		cfg, loadErr = Parse(data, path)
	}
	if loadErr == nil {
		if stateDir != "" {
			if err := saveLastGood(stateDir, data); err != nil {
				log.Warn("config: cannot keep a copy of the valid configuration", "err", err)
			}
		}
		return cfg, nil, nil
	}
	logProblems(log, loadErr)
	if stateDir == "" {
		return nil, nil, loadErr
	}
	lastPath := filepath.Join(stateDir, LastGoodFile)
	last, lastErr := Load(lastPath)
	if lastErr != nil {
		return nil, nil, fmt.Errorf("%w\nand no usable last good configuration: %w", loadErr, lastErr)
	}
	log.Warn("config: using the last valid configuration until the file is fixed", "file", path, "last_good", lastPath)
	return last, loadErr, nil
}

// logProblems logs each problem of a configuration on its own, so that the
// journal shows file, line and field as attributes.
func logProblems(log *slog.Logger, err error) {
	var errs *Errors
	if !errors.As(err, &errs) {
		log.Error("config: cannot load", "err", err)
		return
	}
	for _, fe := range *errs {
		log.Error("config: "+fe.Msg, "file", fe.File, "line", fe.Line, "field", fe.Field)
	}
}

// saveLastGood keeps data as stateDir/last-good.toml.
func saveLastGood(stateDir string, data []byte) error {
	path := filepath.Join(stateDir, LastGoodFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil // spare the SD card a write at every start
	}
	if err := os.MkdirAll(stateDir, 0o750); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
