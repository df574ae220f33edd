package receiptspec

import (
	"slices"
	"testing"
)

func TestProfiles(t *testing.T) {
	if names := ProfileNames(); len(names) < 2 || !slices.Contains(names, DefaultProfile) {
		t.Fatalf("profiles %v", names)
	}
	for _, bad := range []string{
		`[[profile]]` + "\nname = \"x\"\ndots = 100\ncolumns = 32\ncutter = \"none\"\ncode_pages = { cp858 = 19 }\n",
		`[[profile]]` + "\nname = \"x\"\ndots = 384\ncolumns = 32\ncutter = \"saw\"\ncode_pages = { cp858 = 19 }\n",
		`[[profile]]` + "\nname = \"x\"\ndots = 384\ncolumns = 32\ncutter = \"none\"\ncode_pages = { cp866 = 17 }\n",
		`[[profile]]` + "\nname = \"x\"\ndotz = 384\n",
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("accepted:\n%s", bad)
				}
			}()
			mustLoadProfiles([]byte(bad))
		}()
	}
}

func TestValidBaud(t *testing.T) {
	if !ValidBaud(19200) || ValidBaud(1234) {
		t.Error("ValidBaud")
	}
}
