package config

import (
	"strings"
	"testing"
	"time"

	"borne/kiosk/pincode"
)

// devices is a small valid file with printers and agencies; cases edit it
// in place so that line numbers stay those shown here.
const devices = `[kiosk]
id = "k"
site = "S"

[printer]
uri = "ipp://localhost:631/printers/A4"
page_quota = 10

[receipt]
device = "/dev/ttyUSB0"
baud = 19200
flow_control = "rts-cts"

[[service]]
id = "caf"
name.fr = "CAF"
pictogram = "family"
start_url = "https://caf.fr/"
allowed_domains = ["caf.fr"]

[[agency]]
id = "caf-trappes"
name = "CAF – Trappes"
address = "8 avenue des Écoles, 78190 Trappes"
phone = "01 99 00 12 34"
hours.mon = "08:30-12:00, 13:30-16:00"
hours.wed = "8h30-12h"
closed = ["2026-12-24", "2027-08-09/2027-08-20"]
services = ["caf"]
`

func TestDevicesAndAgencies(t *testing.T) {
	c, err := Parse([]byte(devices), "d.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Printer.PageQuota != 10 || c.Receipt.Profile != DefaultReceiptProfile || c.Receipt.Baud != 19200 || c.Receipt.Flow != "rts-cts" {
		t.Errorf("printer %+v receipt %+v", c.Printer, c.Receipt)
	}
	a := c.Agencies[0]
	if got := a.Hours.Mon.String(); got != "08:30-12:00, 13:30-16:00" {
		t.Errorf("mon %q", got)
	}
	if got := a.Hours.Day(time.Wednesday).String(); got != "08:30-12:00" || a.Hours.Day(time.Tuesday).String() != "" {
		t.Errorf("wed %q, tue %q", got, a.Hours.Tue)
	}
	if len(a.Closed) != 2 || !a.Closed[1].Contains(Date{2027, 8, 15}) || a.Closed[1].Contains(Date{2027, 8, 21}) || !a.Closed[0].Contains(Date{2026, 12, 24}) {
		t.Errorf("closed %+v", a.Closed)
	}
	if !a.Helps("caf") || a.Helps("impots") || !(&Agency{}).Helps("impots") {
		t.Error("Helps")
	}

	// Left out, the printers are absent and the defaults apply.
	c, err = Parse([]byte(strings.Split(devices, "[printer]")[0]+devices[strings.Index(devices, "[[service]]"):]), "d.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Printer.URI != "" || c.Printer.PageQuota != DefaultPageQuota || c.Receipt.Device != "" || c.Receipt.Baud != DefaultBaud || c.Receipt.Flow != DefaultFlow {
		t.Errorf("defaults: printer %+v receipt %+v", c.Printer, c.Receipt)
	}
}

func TestDevicesAndAgenciesErrors(t *testing.T) {
	ed := func(pairs ...string) string {
		doc := devices
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(doc, pairs[i]) {
				t.Fatalf("%q is not in the document", pairs[i])
			}
			doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
		}
		return doc
	}
	tests := []struct {
		name, doc, field string
		line             int
		msg              string
	}{
		{"printer scheme", ed(`"ipp://localhost:631/printers/A4"`, `"lpd://host/q"`), "printer.uri", 6, "must start with ipp:// or ipps://"},
		{"printer no host", ed(`"ipp://localhost:631/printers/A4"`, `"ipp:///printers/A4"`), "printer.uri", 6, "is not a printer address"},
		{"quota zero", ed(`page_quota = 10`, `page_quota = 0`), "printer.page_quota", 7, "expected 1 to 200"},
		{"quota huge", ed(`page_quota = 10`, `page_quota = 500`), "printer.page_quota", 7, "expected 1 to 200"},
		{"device relative", ed(`"/dev/ttyUSB0"`, `"ttyUSB0"`), "receipt.device", 10, "not an absolute path"},
		{"device and tcp", ed(`baud = 19200`, `tcp = "10.0.0.5:9100"`), "receipt.tcp", 11, "not both"},
		{"tcp without port", ed(`device = "/dev/ttyUSB0"`, `tcp = "10.0.0.5"`), "receipt.tcp", 10, `"10.0.0.5" is not host:port`},
		{"tcp port out of range", ed(`device = "/dev/ttyUSB0"`, `tcp = "10.0.0.5:99999"`), "receipt.tcp", 10, "is not host:port"},
		{"profile unknown", ed(`baud = 19200`, `profile = "tm-t1000"`), "receipt.profile", 11, `"tm-t1000" is not a known printer model (known: epson-tm-t88v, generic-58mm, generic-80mm)`},
		{"baud odd", ed(`baud = 19200`, `baud = 12345`), "receipt.baud", 11, "12345 is not a serial speed"},
		{"flow unknown", ed(`"rts-cts"`, `"dtr-dsr"`), "receipt.flow_control", 12, `"dtr-dsr" is not a flow control`},
		{"agency id missing", ed(`id = "caf-trappes"`, ``), "agency[0].id", 21, "missing"},
		{"agency id twice", ed("services = [\"caf\"]\n", "services = [\"caf\"]\n[[agency]]\nid = \"caf-trappes\"\nname = \"x\"\naddress = \"y\"\nhours.mon = \"9:00-10:00\"\n"), "agency[1].id", 31, `"caf-trappes" is already the id of agency[0]`},
		{"agency name missing", ed(`name = "CAF – Trappes"`, ``), "agency[0].name", 21, "missing"},
		{"agency name too long", ed(`name = "CAF – Trappes"`, `name = "`+strings.Repeat("a", 81)+`"`), "agency[0].name", 23, "81 characters"},
		{"agency address missing", ed(`address = "8 avenue des Écoles, 78190 Trappes"`, ``), "agency[0].address", 21, "missing"},
		{"agency phone", ed(`"01 99 00 12 34"`, `"call us"`), "agency[0].phone", 25, `"call us" is not a phone number`},
		{"agency no hours", ed(`hours.mon = "08:30-12:00, 13:30-16:00"`, ``, `hours.wed = "8h30-12h"`, ``), "agency[0].hours", 21, "missing: write the opening hours"},
		{"hours garbage", ed(`"8h30-12h"`, `"morning"`), "agency[0].hours.wed", 27, `"morning" is not opening hours`},
		{"hours reversed", ed(`"8h30-12h"`, `"12:00-08:30"`), "agency[0].hours.wed", 27, "ends before it starts"},
		{"hours overlap", ed(`"8h30-12h"`, `"08:30-12:00, 11:00-14:00"`), "agency[0].hours.wed", 27, "starts before the previous range ends"},
		{"hours number", ed(`"8h30-12h"`, `8`), "agency[0].hours.wed", 27, `"8" is not opening hours`},
		{"unknown weekday", ed(`hours.wed`, `hours.wen`), "agency[0].hours.wen", 27, `did you mean "wed"?`},
		{"closed not a date", ed(`"2026-12-24"`, `"24/12/2026"`), "agency[0].closed[0]", 28, `"24/12/2026" is not a date`},
		{"closed reversed", ed(`"2027-08-09/2027-08-20"`, `"2027-08-20/2027-08-09"`), "agency[0].closed[1]", 28, "ends before it starts"},
		{"closed number", ed(`closed = ["2026-12-24", "2027-08-09/2027-08-20"]`, `closed = "2026-12-24"`), "agency[0].closed", 28, `found the text "2026-12-24", expected a list in brackets`},
		{"hours as a list", ed(`"8h30-12h"`, `["8h30-12h"]`), "agency[0].hours.wed", 27, "expected opening hours in quotes"},
		{"service unknown", ed(`services = ["caf"]`, `services = ["caf", "cpam"]`), "agency[0].services[1]", 29, `"cpam" is not the id of a [[service]] (ids: caf)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := parseErrors(t, tt.doc)
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %d:\n%v", len(errs), &errs)
			}
			if fe := errs[0]; fe.Field != tt.field || fe.Line != tt.line || !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("got  %s\nwant borne.toml:%d: %s: …%s…", fe.Error(), tt.line, tt.field, tt.msg)
			}
		})
	}
}

func TestDayHours(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"08:30-12:00, 13:30-17:00", "08:30-12:00, 13:30-17:00", ""},
		{"8h30 - 12h ; 14h-18h30", "08:30-12:00, 14:00-18:30", ""},
		{"8:30 – 12:00 13:30 — 17:00", "08:30-12:00, 13:30-17:00", ""},
		{"00:00-24:00", "00:00-24:00", ""},
		{"", "", ""},
		{"9-12", "09:00-12:00", ""},
		{"25:00-26:00", "", "not opening hours"},
		{"09:5-10:00", "", "not opening hours"},
		{"24:30-25:00", "", "not opening hours"},
		{"09:00", "", "not opening hours"},
		{"10:00-10:00", "", "ends before it starts"},
	}
	for _, tt := range tests {
		var d DayHours
		err := d.UnmarshalText([]byte(tt.in))
		switch {
		case tt.err == "" && (err != nil || d.String() != tt.want):
			t.Errorf("%q: %q, %v; want %q", tt.in, d.String(), err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want …%s…", tt.in, err, tt.err)
		}
		if err == nil {
			m, _ := d.MarshalText()
			var back DayHours
			if back.UnmarshalText(m) != nil || back.String() != d.String() {
				t.Errorf("%q: round trip %q", tt.in, m)
			}
		}
	}
}

func TestDateRange(t *testing.T) {
	var r DateRange
	if err := r.UnmarshalText([]byte("2027-08-09/2027-08-20")); err != nil {
		t.Fatal(err)
	}
	if m, _ := r.MarshalText(); string(m) != "2027-08-09/2027-08-20" {
		t.Errorf("%s", m)
	}
	if err := r.UnmarshalText([]byte(" 2026-12-24 ")); err != nil || r.From != r.To {
		t.Errorf("%+v %v", r, err)
	}
	if m, _ := r.MarshalText(); string(m) != "2026-12-24" {
		t.Errorf("%s", m)
	}
	for _, bad := range []string{"2026-02-30", "2026-12-24/", "tomorrow"} {
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if !(Date{2026, 12, 31}).Before(Date{2027, 1, 1}) || (Date{2027, 1, 1}).Before(Date{2027, 1, 1}) {
		t.Error("Before")
	}
}

func TestStaffPINHash(t *testing.T) {
	hash, err := pincode.Hash("482915")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(devices, "[printer]", "[staff]\npin_hash = \""+hash+"\"\n\n[printer]", 1)
	c, err := Parse([]byte(doc), "d.toml")
	if err != nil || c.Staff.PINHash != hash {
		t.Fatalf("%v %+v", err, c)
	}
	errs := parseErrors(t, strings.Replace(devices, "[printer]", "[staff]\npin_hash = \"482915\"\n\n[printer]", 1))
	if len(errs) != 1 || errs[0].Field != "staff.pin_hash" || errs[0].Line != 6 || !strings.Contains(errs[0].Msg, `make one with "kioskctl pin hash"`) {
		t.Errorf("%v", &errs)
	}
}
