-- Monthly sums of the counts, per kiosk: what reports read, since periods
-- are whole months (a territory's year is then thousands of rows, not
-- millions). Each ingest recomputes the months it touched, in its own
-- transaction, so the sums always equal the hourly counts.
CREATE TABLE counts_month (
	kiosk text   NOT NULL REFERENCES kiosks (id),
	month date   NOT NULL CHECK (date_trunc('month', month) = month),
	dim   text   NOT NULL,
	value text   NOT NULL,
	n     bigint NOT NULL CHECK (n > 0),
	PRIMARY KEY (kiosk, month, dim, value)
);
CREATE INDEX counts_month_month ON counts_month (month);
INSERT INTO counts_month
SELECT kiosk, date_trunc('month', hour)::date, dim, value, sum(n) FROM counts GROUP BY 1, 2, 3, 4;
