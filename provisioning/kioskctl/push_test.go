package kioskctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"borne/kiosk/usage/push"
)

func TestPushKey(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	code, out, errOut := run("push", "key", "--config", cfg)
	if code != exitOK {
		t.Fatalf("push key: %d %s", code, errOut)
	}
	path := filepath.Join(dir, "push.key")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	key, err := push.ReadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "collector kiosk add --id test-01 --territory TERRITORY --site SITE --key-sha256 " + push.KeyHash(key) + "\n"
	if out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	if strings.Contains(out+errOut, key) {
		t.Error("the key itself was printed")
	}
	// A second run keeps the key unless told.
	if code, _, errOut := run("push", "key", "--config", cfg); code == exitOK || !strings.Contains(errOut, "has a key already") {
		t.Errorf("second push key: %d %q", code, errOut)
	}
	if again, _ := push.ReadKey(path); again != key {
		t.Error("the key changed without --force")
	}
	if code, _, errOut := run("push", "key", "--config", cfg, "--force"); code != exitOK {
		t.Fatalf("push key --force: %s", errOut)
	}
	if again, _ := push.ReadKey(path); again == key {
		t.Error("--force kept the old key")
	}
}
