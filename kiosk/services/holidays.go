package services

import (
	"time"

	"borne/kiosk/config"
)

// fixedHolidays are the French public holidays on the same date each year.
var fixedHolidays = map[[2]int]string{
	{1, 1}:   "Jour de l'an",
	{5, 1}:   "Fête du Travail",
	{5, 8}:   "Victoire 1945",
	{7, 14}:  "Fête nationale",
	{8, 15}:  "Assomption",
	{11, 1}:  "Toussaint",
	{11, 11}: "Armistice 1918",
	{12, 25}: "Noël",
}

// Holiday names the French public holiday d is, in French, or "".
func Holiday(d config.Date) string {
	if name := fixedHolidays[[2]int{int(d.Month), d.Day}]; name != "" {
		return name
	}
	day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	switch int(day.Sub(Easter(d.Year)).Hours() / 24) {
	case 1:
		return "Lundi de Pâques"
	case 39:
		return "Ascension"
	case 50:
		return "Lundi de Pentecôte"
	}
	return ""
}

// Easter is Easter Sunday of a year of the Gregorian calendar, at midnight
// UTC (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
