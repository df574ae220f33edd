package visit

import (
	"context"
	"errors"

	"borne/kiosk/tray"
)

// ChooseDocument says which tray document the next scans go into; "":
// they start a new one.
func (v *Visit) ChooseDocument(id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.snap.Scan.Doc = id
	v.publish()
}

// SetKind says what the document being scanned is (shrink.DocLetter…): kept
// until its first page when it has none yet, else set in the tray.
func (v *Visit) SetKind(kind string, done func(error)) {
	v.mu.Lock()
	doc := v.snap.Scan.Doc
	if doc == "" {
		v.snap.Scan.Kind = kind
		v.publish()
		v.mu.Unlock()
		done(nil)
		return
	}
	v.mu.Unlock()
	v.EditTray(func(t *tray.Tray) error { return t.SetKind(doc, kind) }, done)
}

// StartScan scans on a worker of the visit into the current document (a
// new one when there is none); with retake, the first page replaces that
// one. The snapshot says when it is busy, how far, and what went wrong.
func (v *Visit) StartScan(retake string) {
	tray, doc, ctx, stop := v.scanStarting()
	if tray == nil {
		return
	}
	v.Go("scan", func(context.Context) error {
		defer stop()
		pages, err := v.opt.Scanner.Scan(ctx, func(f float64) {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.snap.Scan.Progress, v.snap.Scan.Waiting = f, false
			v.publish()
		}, func() {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.snap.Scan.Waiting = true
			v.publish()
		})
		if v.ctx.Err() != nil {
			return nil // the visit ended: its pages go nowhere
		}
		for _, p := range pages { // pages scanned before a failure are kept
			var addErr error
			if retake != "" {
				_, addErr = tray.Retake(doc, retake, p.Image, p.DPI)
				retake = ""
			} else {
				_, addErr = tray.AddPage(doc, p.Image, p.DPI)
			}
			if addErr != nil && err == nil {
				err = addErr
			}
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		v.snap.Scan.Busy, v.snap.Scan.Waiting = false, false
		if err != nil {
			code := codeOf(err)
			if errors.Is(err, context.Canceled) {
				code = ScanCancelled
			}
			v.snap.Scan.Problem = code
			var f *Fault
			errors.As(err, &f)
			staff := ""
			if f != nil {
				staff = f.Staff
			}
			v.opt.Log.Warn("scanner: scan failed", "code", code, "staff", staff, "err", err)
			if code != ScanCancelled && code != ScanNoDocuments {
				v.opt.Fault("scanner", code)
			}
		}
		v.publish()
		return nil
	})
}

// scanStarting marks a scan busy in the document to scan into (made when
// there is none); a nil tray: no scan.
func (v *Visit) scanStarting() (tray *tray.Tray, doc string, ctx context.Context, stop context.CancelFunc) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.snap.Scan.Busy {
		return nil, "", nil, nil
	}
	tray, err := v.trayLocked()
	if err != nil || v.opt.Scanner == nil {
		v.snap.Scan.Problem = ScanGone
		v.publish()
		return nil, "", nil, nil
	}
	if v.snap.Scan.Doc == "" {
		d, err := tray.NewDocument()
		if err != nil {
			v.opt.Log.Error("visit: tray", "err", err)
			return nil, "", nil, nil
		}
		v.snap.Scan.Doc = d.ID
		if kind := v.snap.Scan.Kind; kind != "" {
			if err := tray.SetKind(d.ID, kind); err != nil {
				v.opt.Log.Error("visit: tray", "err", err)
			}
		}
		v.snap.Scan.Kind = "" // the next document starts again as a letter
	}
	ctx, stop = context.WithCancel(v.ctx)
	v.scanStop = stop
	v.snap.Scan.Busy, v.snap.Scan.Problem, v.snap.Scan.Progress, v.snap.Scan.Waiting = true, "", 0, false
	v.publish()
	return tray, v.snap.Scan.Doc, ctx, stop
}

// CancelScan stops the scan that runs.
func (v *Visit) CancelScan() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.scanStop != nil {
		v.scanStop()
	}
}

// FinishScan ends the scanning of the current document and says which it
// was; the next scan starts a new one.
func (v *Visit) FinishScan() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	doc := v.snap.Scan.Doc
	v.snap.Scan.Doc, v.snap.Scan.Problem = "", ""
	v.publish()
	return doc
}
