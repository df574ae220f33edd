package config

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add(defaultTOML)
	f.Add([]byte("[kiosk]\nid = 3\n[[service]]\nname = { fr = 1 }\nupload_limit = 1.5\n"))
	f.Add([]byte("[[service]]\nnext_step = [{ kind = 'x', to_day = 'y' }]\n[[service.next_step]]\n"))
	f.Add([]byte("a.b.\"c.d\" = 1\n[x.\"y z\"]\nq = [1, [2, {a = 3}]]\n"))
	f.Add([]byte("[kiosk]\nid = \"a\n"))
	f.Add([]byte("x = [[[[[[[[[[[[[1]]]]]]]]]]]]]\n"))
	f.Add([]byte("[a.b.c.d.e.f.g.h.i.j.k.l.m]\ns = \"\"\"[[[[\"\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg *Config
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		cfg, err = Parse(data, "f.toml")
		runtime.ReadMemStats(&after)
		// Linear in the input: the 1 MiB files of the limits test stay
		// under 160 MB.
		if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20+160*uint64(len(data)) {
			t.Fatalf("Parse of %d bytes allocated %d bytes", len(data), n)
		}
		if len(data) > MaxFileBytes && err == nil {
			t.Fatalf("a file of %d bytes was taken", len(data))
		}
		if err == nil {
			if cfg == nil {
				t.Fatal("no Config and no error")
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(*errs) == 0 {
			t.Fatalf("error %T without problems: %v", err, err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if len(*errs) > maxErrors+1 {
			t.Fatalf("%d problems reported, want at most %d and a line saying there are more", len(*errs), maxErrors)
		}
		for _, fe := range *errs {
			if fe.File != "f.toml" {
				t.Fatalf("problem without the file name: %v", &fe)
			}
			if fe.Line < 0 || fe.Line > lines {
				t.Fatalf("line %d out of 0..%d: %v", fe.Line, lines, &fe)
			}
		}
	})
}
