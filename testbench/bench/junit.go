package bench

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The JUnit XML elements Jenkins, GitLab and most CI read.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name      string      `xml:"name,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Skipped   int         `xml:"skipped,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr"`
		Cases     []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Skipped   *junitMessage `xml:"skipped"`
		Failure   *junitMessage `xml:"failure"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",chardata"`
	}
)

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: a testsuite per suite, a
// testcase per step (classname "bench.SUITE", name "STEP on DEVICE"), the
// failure's type its code.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "borne testbench", Time: seconds(r.Finished.Sub(r.Started))}
	for _, s := range r.Suites {
		js := junitSuite{Name: s.Suite, Timestamp: s.Started.UTC().Format("2006-01-02T15:04:05")}
		var total time.Duration
		for _, st := range s.Steps {
			total += st.Duration
			c := junitCase{Name: st.Name + " on " + st.Device, Classname: "bench." + s.Suite, Time: seconds(st.Duration), SystemOut: stepText(st)}
			switch st.Verdict {
			case Fail:
				c.Failure = &junitMessage{Message: st.Code + ": " + st.Detail, Type: st.Code, Text: st.Did}
				js.Failures++
			case Skip:
				c.Skipped = &junitMessage{Message: st.Detail}
				js.Skipped++
			}
			js.Cases = append(js.Cases, c)
		}
		js.Tests, js.Time = len(s.Steps), seconds(total)
		out.Tests += js.Tests
		out.Failures += js.Failures
		out.Skipped += js.Skipped
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// stepText is what a step did and measured, for a CI log.
func stepText(st Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", st.Did)
	for _, m := range st.Measures {
		fmt.Fprintf(&b, "%s: %s\n", m.Name, formatMeasure(m))
	}
	if st.Detail != "" {
		fmt.Fprintf(&b, "%s\n", st.Detail)
	}
	for _, e := range st.Evidence {
		fmt.Fprintf(&b, "evidence: %s\n", e)
	}
	return b.String()
}

func formatMeasure(m Measure) string {
	s := fmt.Sprintf("%.4g", m.Value)
	if m.Unit != "" {
		s += " " + m.Unit
	}
	return s
}

// WriteFiles writes report.json, report.html and junit.xml into dir.
func (r *Report) WriteFiles(dir string) error {
	if err := r.WriteJSONFile(dir + "/report.json"); err != nil {
		return err
	}
	if err := WriteFileWith(dir+"/report.html", r.WriteHTML); err != nil {
		return err
	}
	return WriteFileWith(dir+"/junit.xml", r.WriteJUnit)
}

// WriteFileWith creates name and writes it with write.
func WriteFileWith(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("report %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	return nil
}
