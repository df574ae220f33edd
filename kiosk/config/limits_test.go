package config_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"borne/kiosk/config"
	"borne/kiosk/config/configtest"
)

// parseBudget is what Parse may allocate, in all, on a file of at most
// MaxFileBytes: before the bounds, a file of unknown keys took 1.3 GB and
// one of nested tables 4 GB.
const parseBudget = 160 << 20

// allocated returns the bytes f allocates: TotalAlloc only grows, so it
// bounds the peak whatever the collector did meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileFiles(t *testing.T) {
	deep := func(open, close string) string {
		return "x = " + strings.Repeat(open, config.MaxDepth+1) + "1" + strings.Repeat(close, config.MaxDepth+1) + "\n"
	}
	keys := func(n int, format string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(strings.ReplaceAll(format, "N", strings.Repeat("k", i%7)+string(rune('a'+i%26))+strings.Repeat("z", i/26)))
		}
		return b.String()
	}
	tests := []struct {
		name string
		doc  string
		line int
		want string // in the error, after the file name
	}{
		{"at the size limit", string(configtest.Hostile(config.DefaultTOML(), config.MaxFileBytes)), 0, ": too many errors"},
		{"one byte too big", string(configtest.Hostile(config.DefaultTOML(), config.MaxFileBytes+1)), 0, ": the file is larger than 1 MiB (1048576 bytes)"},
		{"a megabyte of [", strings.Repeat("[", config.MaxFileBytes), 1, "nested more than 12 deep"},
		{"lists too deep", "[kiosk]\n" + deep("[", "]"), 2, "nested more than 12 deep"},
		{"inline tables too deep", "\n\n" + deep("{a=", "}"), 3, "nested more than 12 deep"},
		{"header too deep", "[" + strings.Repeat("a.", config.MaxDepth) + "a]\n", 1, "nested more than 12 deep"},
		{"dotted key too deep", "[kiosk]\n" + strings.Repeat("a.", config.MaxFileBytes/3) + "a = 1\n", 2, "nested more than 12 deep"},
		{"too many keys", keys(config.MaxKeys/config.MaxSectionKeys+1, "[[a]]\n"+keys(config.MaxSectionKeys-1, "N = 1\n")), config.MaxKeys + 1, "more than 10000 keys"},
		{"too many keys in a section", "[kiosk]\n" + keys(config.MaxSectionKeys+1, "N = 1\n"), config.MaxSectionKeys + 2, "kiosk: more than 100 keys in one section"},
		{"too many keys in a map", "[[service]]\n[service.name]\n" + keys(config.MaxSectionKeys+1, "N = \"x\"\n"), config.MaxSectionKeys + 3, "service[0].name: more than 100 keys"},
		{"brackets in strings and comments do not nest", "[kiosk] # " + strings.Repeat("[", 99) + "\nid = \"" + strings.Repeat("[", 99) + "\"\nsite = '''\n" + strings.Repeat("{", 99) + "'''\nx = \"\"\"\n\"" + strings.Repeat("[", 99) + "\"\"\"\"\n", 5, `kiosk.x: unknown key "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.doc) > config.MaxFileBytes+1 {
				t.Fatalf("the case is %d bytes", len(tt.doc))
			}
			var err error
			if n := allocated(func() { _, err = config.Parse([]byte(tt.doc), "borne.toml") }); n > parseBudget {
				t.Errorf("Parse allocated %d MB, more than %d MB", n>>20, parseBudget>>20)
			}
			var errs *config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T: %v", err, err)
			}
			if len(*errs) > 51 {
				t.Errorf("%d problems reported, want at most 50 and one line saying there are more", len(*errs))
			}
			found := false
			for _, fe := range *errs {
				found = found || fe.Line == tt.line && strings.Contains(fe.Error(), tt.want) && fe.File == "borne.toml"
			}
			if !found {
				t.Errorf("no problem at line %d with %q:\n%.2000s", tt.line, tt.want, err)
			}
		})
	}
}

// A file past the bounds is an invalid file like any other: the kiosk runs
// its last good copy, and reading it never takes more than the limit.
func TestHostileFileFallsBack(t *testing.T) {
	dir := t.TempDir()
	path, state := filepath.Join(dir, "borne.toml"), filepath.Join(dir, "state")
	writeFileTB(t, path, config.DefaultTOML())
	if _, fellBack, err := config.LoadOrLastGood(path, state, discard()); err != nil || fellBack != nil {
		t.Fatalf("valid file: %v, %v", fellBack, err)
	}
	for _, size := range []int{config.MaxFileBytes, 2 * config.MaxFileBytes} {
		writeFileTB(t, path, configtest.Hostile(config.DefaultTOML(), size))
		var cfg *config.Config
		var fellBack, err error
		n := allocated(func() { cfg, fellBack, err = config.LoadOrLastGood(path, state, discard()) })
		if err != nil || fellBack == nil || cfg == nil || cfg.Kiosk.ID != config.Default().Kiosk.ID {
			t.Fatalf("%d bytes: cfg %v, fellBack %v, err %v", size, cfg, fellBack, err)
		}
		if !strings.HasPrefix(fellBack.Error(), path+":") {
			t.Errorf("%d bytes: the error does not start with the file name: %.300s", size, fellBack)
		}
		if n > parseBudget {
			t.Errorf("%d bytes: loading allocated %d MB, more than %d MB", size, n>>20, parseBudget>>20)
		}
	}
}

func writeFileTB(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// BenchmarkParse parses the built-in config and a hostile file at the size
// limit: the second stays within a small multiple of the first per byte.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"default", config.DefaultTOML()},
		{"hostile-1MiB", configtest.Hostile(config.DefaultTOML(), config.MaxFileBytes)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				_, _ = config.Parse(c.data, "borne.toml")
			}
		})
	}
}
