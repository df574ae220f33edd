package config

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add(defaultTOML)
	f.Add([]byte("[kiosk]\nid = 3\n[[service]]\nname = { fr = 1 }\nupload_limit = 1.5\n"))
	f.Add([]byte("[[service]]\nnext_step = [{ kind = 'x', to_day = 'y' }]\n[[service.next_step]]\n"))
	f.Add([]byte("a.b.\"c.d\" = 1\n[x.\"y z\"]\nq = [1, [2, {a = 3}]]\n"))
	f.Add([]byte("[kiosk]\nid = \"a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "f.toml")
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
		for _, fe := range *errs {
			if fe.Line < 0 || fe.Line > lines {
				t.Fatalf("line %d out of 0..%d: %v", fe.Line, lines, &fe)
			}
		}
	})
}
