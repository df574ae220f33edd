// Package services answers what a resident should know after a visit,
// from the configuration and the date: the next steps of the services they
// used ("the next quarterly declaration is from the 1st to the 15th of
// January"), and the counters where a human can help, with their hours,
// whether they are open now, public holidays included. Dates and times are
// the kiosk's time zone's.
package services

import (
	"time"

	"borne/kiosk/config"
)

// Step is the next window of a next-step rule.
type Step struct {
	Service  *config.Service
	Rule     *config.NextStep
	From, To time.Time // the window's first and last day, at midnight in the kiosk's time zone
	Open     bool      // the window is open on the day asked about
}

// quarterMonths are the months quarterly windows fall in: the first of
// each quarter.
var quarterMonths = map[time.Month]bool{time.January: true, time.April: true, time.July: true, time.October: true}

// NextSteps gives, for each next-step rule of the service, its window
// open on now's day or the next one after it. None for an unknown service.
func NextSteps(cfg *config.Config, serviceID string, now time.Time) []Step {
	svc, ok := cfg.Service(serviceID)
	if !ok {
		return nil
	}
	loc := cfg.Location()
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var steps []Step
	for i := range svc.NextSteps {
		rule := &svc.NextSteps[i]
		// At most fifteen months ahead: every rule has a window in that time.
		for m := 0; m <= 15; m++ {
			first := time.Date(today.Year(), today.Month()+time.Month(m), 1, 0, 0, 0, 0, loc)
			if rule.Kind == config.Quarterly && !quarterMonths[first.Month()] {
				continue
			}
			last := first.AddDate(0, 1, -1).Day()
			from := first.AddDate(0, 0, min(rule.FromDay, last)-1)
			to := first.AddDate(0, 0, min(rule.ToDay, last)-1)
			if !to.Before(today) {
				steps = append(steps, Step{Service: svc, Rule: rule, From: from, To: to, Open: !today.Before(from)})
				break
			}
		}
	}
	return steps
}
