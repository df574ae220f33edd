package shell

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gotk3/gotk3/cairo"
	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/staff"
	"borne/kiosk/usage"
)

// bar is one bar of a chart: a count, or a count under usage.MinCell that
// the report keeps hidden (then n holds what is known to be at least there).
type bar struct {
	label  string
	n      int
	hidden bool
}

// sumBy adds up a dimension's cells over the report's days, by value; the
// "*" total rows are left out. A bar with a hidden cell says so.
func sumBy(r *usage.Report, dim string) []bar {
	idx := map[string]int{}
	var bars []bar
	for _, row := range r.Rows {
		if row.Dimension != dim || row.Value == usage.AllValues {
			continue
		}
		i, ok := idx[row.Value]
		if !ok {
			i = len(bars)
			idx[row.Value] = i
			bars = append(bars, bar{label: row.Value})
		}
		bars[i].n += row.Sessions
		bars[i].hidden = bars[i].hidden || row.Suppressed
	}
	slices.SortFunc(bars, func(a, b bar) int { return b.n - a.n })
	return bars
}

// perDay is the sessions of each day from first, days long, empty days included.
func perDay(r *usage.Report, first time.Time, days int) []bar {
	bars := make([]bar, days)
	idx := map[string]int{}
	for i := range bars {
		d := first.AddDate(0, 0, i)
		bars[i].label = d.Format("02/01")
		idx[d.Format(time.DateOnly)] = i
	}
	for _, row := range r.Rows {
		if i, ok := idx[row.Day]; ok && row.Dimension == usage.DimService && row.Value == usage.AllValues {
			bars[i].n, bars[i].hidden = row.Sessions, row.Suppressed
		}
	}
	return bars
}

// perHour is the sessions started in each hour of the day, over the period.
func perHour(r *usage.Report) []bar {
	bars := make([]bar, 24)
	for h := range bars {
		bars[h].label = fmt.Sprintf("%02d", h)
	}
	for _, b := range sumBy(r, usage.DimHour) {
		var h int
		if _, err := fmt.Sscanf(b.label, "%d", &h); err == nil && h >= 0 && h < 24 {
			bars[h].n, bars[h].hidden = b.n, b.hidden
		}
	}
	return bars
}

// loadUsage reads the report of the last days off the main loop.
func (m *staffScreens) loadUsage(days int) {
	m.days, m.report = days, nil
	store := m.opt.Usage
	if store == nil {
		return
	}
	from := time.Now().AddDate(0, 0, 1-days).Format(time.DateOnly)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r, err := store.Report(ctx, from, "")
		glib.IdleAdd(func() {
			if m.days != days { // another period was asked meanwhile
				return
			}
			if err != nil {
				m.log.Error("staff: usage report", "err", err)
				m.export = "Les chiffres n'ont pas pu être lus : voir le journal de la borne."
				r = &usage.Report{}
			}
			m.report = r
			if m.snap.Mode == staff.Open && m.tab == "usage" {
				m.redraw()
			}
		})
	}()
}

// usageTab is the dashboard: sessions per day and per hour as charts, then
// services, languages, help calls, end reasons and faults, and the export.
func (m *staffScreens) usageTab() gtk.IWidget {
	box := vbox(16)
	if m.opt.Usage == nil {
		box.PackStart(label("Pas de chiffres d'utilisation sur cette borne.", "lead"), false, false, 0)
		return box
	}
	period := hbox(16)
	for _, d := range []int{7, 30} {
		b := m.win.actionButton(fmt.Sprintf("staff-days-%d", d), "family", fmt.Sprintf("%d derniers jours", d), func() {
			m.loadUsage(d)
			m.win.rebuild()
		})
		setClass(&b.Widget, "primary", m.days == d)
		period.PackStart(b, false, false, 0)
	}
	period.PackStart(m.win.actionButton("staff-export", "done", "Exporter en CSV sur clé USB", m.exportUsage), false, false, 0)
	box.PackStart(period, false, false, 0)
	if m.export != "" {
		box.PackStart(label(m.export, "lead"), false, false, 0)
	}
	r := m.report
	if r == nil {
		box.PackStart(label("Lecture des chiffres…", "lead"), false, false, 0)
		return box
	}
	box.PackStart(label(fmt.Sprintf("Moins de %d : masqué (« <%d »), pour que personne ne soit reconnaissable.", usage.MinCell, usage.MinCell), "note"), false, false, 0)
	first := time.Now().AddDate(0, 0, 1-m.days)
	box.PackStart(m.chart("staff-chart-days", "Sessions par jour", perDay(r, first, m.days)), false, false, 0)
	box.PackStart(m.chart("staff-chart-hours", "Sessions par heure de début", perHour(r)), false, false, 0)
	grid, _ := gtk.GridNew()
	grid.SetColumnSpacing(48)
	grid.SetRowSpacing(16)
	for i, t := range []struct{ title, dim string }{
		{"Démarches", usage.DimService}, {"Langues", usage.DimLang}, {"Appels à un médiateur (écran)", usage.DimHelp},
		{"Fins de session", usage.DimEnd}, {"Pannes (appareil:code)", usage.DimFault},
	} {
		grid.Attach(tally(t.title, sumBy(r, t.dim)), i%3, i/3, 1, 1)
	}
	box.PackStart(grid, false, false, 0)
	return box
}

// count says a bar's number, "<5" for a hidden one.
func (b bar) count() string {
	switch {
	case b.hidden && b.n == 0:
		return fmt.Sprintf("<%d", usage.MinCell)
	case b.hidden:
		return fmt.Sprintf("≥%d", b.n)
	}
	return fmt.Sprint(b.n)
}

// tally lists a dimension's values with their counts, largest first.
func tally(title string, bars []bar) gtk.IWidget {
	box := vbox(4)
	box.PackStart(label(title, "tile-name"), false, false, 0)
	if len(bars) == 0 {
		box.PackStart(label("—", "note"), false, false, 0)
	}
	for _, b := range bars {
		row := hbox(12)
		row.PackStart(label(b.label, "note"), false, false, 0)
		row.PackEnd(label(b.count(), "note"), false, false, 0)
		box.PackStart(row, false, false, 0)
	}
	return box
}

// chart draws bars with their counts above and labels below; hidden counts
// are hatched.
func (m *staffScreens) chart(name, title string, bars []bar) gtk.IWidget {
	box := vbox(4)
	box.PackStart(label(title, "tile-name"), false, false, 0)
	area, _ := gtk.DrawingAreaNew()
	area.SetName(name)
	area.SetSizeRequest(m.win.screenWidth()-160, 220)
	most := 1
	for _, b := range bars {
		most = max(most, b.n)
	}
	area.Connect("draw", func(da *gtk.DrawingArea, cr *cairo.Context) bool {
		w, h := float64(da.GetAllocatedWidth()), float64(da.GetAllocatedHeight())
		step := w / float64(len(bars))
		top, bottom := 28.0, h-28
		cr.SelectFontFace("DejaVu Sans", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
		cr.SetFontSize(15)
		for i, b := range bars {
			x := float64(i)*step + step*0.15
			bw := step * 0.7
			bh := (bottom - top) * float64(b.n) / float64(most)
			if b.hidden && b.n == 0 {
				bh = 6 // a sliver: something happened, how much is not said
			}
			cr.SetSourceRGB(0.11, 0.21, 0.34)
			if b.hidden {
				cr.SetSourceRGB(0.66, 0.70, 0.77)
			}
			cr.Rectangle(x, bottom-bh, bw, bh)
			cr.Fill()
			cr.SetSourceRGB(0.11, 0.21, 0.34)
			centre := func(text string, y float64) {
				ext := cr.TextExtents(text)
				cr.MoveTo(x+bw/2-ext.Width/2, y)
				cr.ShowText(text)
			}
			if b.n > 0 || b.hidden {
				centre(b.count(), bottom-bh-6)
			}
			centre(b.label, h-6)
		}
		cr.SetLineWidth(1)
		cr.MoveTo(0, bottom+0.5)
		cr.LineTo(w, bottom+0.5)
		cr.Stroke()
		return true
	})
	box.PackStart(area, false, false, 0)
	return box
}

// exportUsage writes the period's report as CSV onto the first USB key.
func (m *staffScreens) exportUsage() {
	list := m.opt.USBKeys
	if list == nil {
		list = staff.USBKeys
	}
	keys, err := list()
	switch {
	case err != nil:
		m.export = fmt.Sprintf("Clés USB non lues : %v", err)
	case len(keys) == 0:
		m.export = "Aucune clé USB : branchez-en une, attendez quelques secondes, puis réessayez."
	}
	if err != nil || len(keys) == 0 {
		m.win.rebuild()
		return
	}
	m.export = "Export en cours…"
	m.win.rebuild()
	from := time.Now().AddDate(0, 0, 1-m.days).Format(time.DateOnly)
	store, id := m.opt.Usage, m.kiosk.ID
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		path, err := staff.ExportUsage(ctx, store, keys[0], id, from, "", time.Now())
		msg := "Exporté : " + path + ". Vous pouvez retirer la clé."
		if err != nil {
			m.log.Error("staff: usage export", "err", err)
			msg = fmt.Sprintf("Export impossible : %v", err)
		}
		glib.IdleAdd(func() {
			m.export = msg
			if m.snap.Mode == staff.Open && m.tab == "usage" {
				m.win.rebuild()
			}
		})
	}()
}
